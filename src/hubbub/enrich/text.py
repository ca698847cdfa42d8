"""Entities in a post's text: hashtags, mentions and URLs, plus the text normalisation the
keyword matcher shares (accents stripped, case folded).

Rules (close to twitter-text's):
- a hashtag is ``#`` (or fullwidth ``＃``) + unicode letters, digits, marks and ``_``, with at
  least one letter (``#1`` and ``#2022`` are not hashtags, ``#Qatar2022`` is); it must not follow
  a word character, ``&`` or ``/`` (``a#b``, ``&#39;`` and URL fragments are not hashtags);
- a mention is ``@`` + an X handle (1-15 of ``A-Za-z0-9_``) or a Bluesky handle (a domain name,
  ``@alice.bsky.social``); e-mail addresses are not mentions;
- a URL starts with ``http://`` or ``https://``; trailing punctuation and an unbalanced closing
  bracket are not part of it.
Each function returns the entities in order of first appearance, without the ``#``/``@``,
in their original spelling; hashtags and mentions are de-duplicated case-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable


def _combining_mark_class() -> str:
    """A regex character-class body with every combining mark (categories Mn, Mc, Me) of the
    BMP (~10 ms once at import; ``re`` has no ``\\p{M}``). BMP only: ``re`` compiles a BMP class
    to a bitmap (O(1) per character) but scans a range list for one that reaches beyond it."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp))[0] == "M":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


MARKS = _combining_mark_class()
# \w is unicode letters + digits + "_"; marks and the zero-width (non-)joiners complete words in
# Indic, Arabic and Persian scripts.
_WORD = rf"\w{MARKS}\u200c\u200d"

# The lookbehinds sit after the first literal so the regex engine can scan for "#"/"@" quickly.
_HASHTAG_RE = re.compile(rf"[#＃](?<![\w&/#＃{MARKS}].)([{_WORD}]+)")
_HANDLE = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_MENTION_RE = re.compile(
    rf"[@＠](?<![\w@＠.!#$%&*/{MARKS}].)"
    rf"({_HANDLE}(?:\.{_HANDLE})+|[A-Za-z0-9_]{{1,15}})(?![A-Za-z0-9_@＠])"
)
_URL_RE = re.compile(r"h(?<![\w@]h)ttps?://[^\s<>\"'`{}|\\^\u2026]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"*"
_BRACKETS = {")": "(", "]": "[", "}": "{"}
_MARKS_RE = re.compile(f"[{MARKS}]+")


def extract_hashtags(text: str) -> list[str]:
    """``"Vamos #Argentina! #ARG #arg #1"`` → ``["Argentina", "ARG"]``."""
    if "#" not in text and "＃" not in text:
        return []
    return _dedup_casefold(_HASHTAG_RE.findall(text), _has_letter)


def extract_mentions(text: str) -> list[str]:
    """``"@FIFAWorldCup @alice.bsky.social mail@example.com"`` →
    ``["FIFAWorldCup", "alice.bsky.social"]``."""
    if "@" not in text and "＠" not in text:
        return []
    return _dedup_casefold(_MENTION_RE.findall(text))


def extract_urls(text: str) -> list[str]:
    """``"see https://fifa.com/x). (https://en.wikipedia.org/wiki/A_(b))"`` → both URLs, without
    the trailing ``).`` / ``)``."""
    if "://" not in text:
        return []
    seen: dict[str, None] = {}
    for raw in _URL_RE.findall(text):
        url = _trim_url(raw)
        if "." in url.split("://", 1)[1].split("/", 1)[0] or "localhost" in url:
            seen.setdefault(url, None)
    return list(seen)


def normalize(text: str) -> str:
    """Accents stripped and case folded: ``"Mbappé, MODRIĆ, İstanbul"`` →
    ``"mbappe, modric, istanbul"``. Compatibility forms are unified too (fullwidth ``＃`` → ``#``).
    ASCII text (most posts) only pays for ``lower()``."""
    if text.isascii():
        return text.lower()
    return _MARKS_RE.sub("", unicodedata.normalize("NFKD", text)).casefold()


def _has_letter(tag: str) -> bool:
    if tag.isascii():
        return bool(tag.strip("_0123456789"))
    return any(c.isalpha() for c in tag)


def _dedup_casefold(items: Iterable[str], keep: Callable[[str], bool] | None = None) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        key = item.casefold()
        if key not in seen and (keep is None or keep(item)):
            seen.add(key)
            out.append(item)
    return out


def _trim_url(url: str) -> str:
    while url:
        last = url[-1]
        if last in _URL_TRAILING:
            url = url[:-1]
        elif last in _BRACKETS and url.count(last) > url.count(_BRACKETS[last]):
            url = url[:-1]
        else:
            break
    return url
