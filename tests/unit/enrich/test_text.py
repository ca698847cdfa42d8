"""Hashtags, mentions and URLs in post texts."""

from __future__ import annotations

import pytest

from hubbub.enrich.text import extract_hashtags, extract_mentions, extract_urls, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vamos #Argentina! #ARG", ["Argentina", "ARG"]),
        ("#ARG #arg #Arg", ["ARG"]),  # de-duplicated case-insensitively, first spelling kept
        ("#Qatar2022 #2022WorldCup", ["Qatar2022", "2022WorldCup"]),
        ("#1 #2022 #_1 we're #1!", []),  # numbers only are not hashtags
        ("#Les_Bleus, #AllezLesBleus.", ["Les_Bleus", "AllezLesBleus"]),
        ("#Mbappé #Modrić #España", ["Mbappé", "Modrić", "España"]),
        ("#日本代表 #대한민국 #المغرب #भारत", ["日本代表", "대한민국", "المغرب", "भारत"]),
        ("＃SAMURAIBLUE", ["SAMURAIBLUE"]),  # fullwidth hash
        ("a#b c&#39;d https://fifa.com/page#section", []),
        ("#ARG#FRA (#BRA)", ["ARG", "BRA"]),  # no hashtag straight after a word character
        ("no tags here", []),
        ("#", []),
    ],
)
def test_extract_hashtags(text: str, expected: list[str]) -> None:
    assert extract_hashtags(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@FIFAWorldCup @Argentina hola", ["FIFAWorldCup", "Argentina"]),
        ("@KMbappe. (@neymarjr) @KMBAPPE", ["KMbappe", "neymarjr"]),
        ("@alice.bsky.social and @bob.example.com.", ["alice.bsky.social", "bob.example.com"]),
        ("mail me at fan@example.com", []),
        ("@waytoolongforanxhandle", []),
        ("@_under_score_ @@x", ["_under_score_"]),
        ("no mentions", []),
    ],
)
def test_extract_mentions(text: str, expected: list[str]) -> None:
    assert extract_mentions(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("watch https://t.co/abc123!", ["https://t.co/abc123"]),
        ("(see https://fifa.com/x).", ["https://fifa.com/x"]),
        (
            "https://en.wikipedia.org/wiki/Argentina_(disambiguation) is long",
            ["https://en.wikipedia.org/wiki/Argentina_(disambiguation)"],
        ),
        (
            "http://a.com/?q=1&b=2, https://a.com/?q=1&b=2",
            ["http://a.com/?q=1&b=2", "https://a.com/?q=1&b=2"],
        ),
        ("dup https://x.com https://x.com", ["https://x.com"]),
        ("truncated https://t.co/abc… end", ["https://t.co/abc"]),
        ("not a url: http://nodot or ftp://x.com", []),
        ("no urls", []),
    ],
)
def test_extract_urls(text: str, expected: list[str]) -> None:
    assert extract_urls(text) == expected


def test_normalize_strips_accents_and_folds_case() -> None:
    assert normalize("Mbappé MODRIĆ Straße İstanbul") == "mbappe modric strasse istanbul"
    assert normalize("plain ASCII") == "plain ascii"
    assert normalize("＃ARG") == "#arg"
