"""Rules of the profile-location resolver, plus accuracy over a hand-labelled set."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from hubbub.enrich.geo import GeoMatch, country_name, flag_emoji, resolve_location

LABELLED = Path(__file__).parents[2] / "fixtures" / "locations_labelled.csv"
MIN_ACCURACY = 0.90

ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


def code(text: str | None) -> str | None:
    match = resolve_location(text)
    return match.country_code if match else None


def test_public_helpers() -> None:
    assert flag_emoji("NG") == "🇳🇬"
    assert flag_emoji("gb") == "🇬🇧"
    assert flag_emoji("") == "" and flag_emoji("USA") == "" and flag_emoji("1a") == ""
    assert country_name("NG") == "Nigeria"
    assert country_name("us") == "United States"
    assert country_name("GB") == "United Kingdom"
    assert country_name("KR") == "South Korea"
    assert country_name("XX") is None and country_name("") is None


def test_match_shape() -> None:
    match = resolve_location("Lagos, Nigeria")
    assert match == GeoMatch("NG", "Nigeria", match.confidence)
    assert 0.0 < match.confidence <= 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.country_code = "GB"  # type: ignore[misc]
    assert resolve_location("Lagos, Nigeria") is match  # cached per string


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "Earth",
        "Worldwide",
        "he/him",
        "she/her",
        "somewhere in the world",
        "in my head",
        "IG: foo",
        "🌍",
        "God's own country",
        "Africa",
        "Living my best life",
    ],
)
def test_no_place(text: str | None) -> None:
    assert resolve_location(text) is None


@pytest.mark.parametrize(
    "text", ["in", "me", "ok", "us", "OK", "ME", "IN", "Follow me", "DM for promo"]
)
def test_short_words_are_not_codes(text: str) -> None:
    assert resolve_location(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🇳🇬", "NG"),
        ("🇦🇷🇦🇷", "AR"),
        ("Doha 🇶🇦", "QA"),
        (ENGLAND, "GB"),
        (SCOTLAND + " Glasgow", "GB"),
        ("London 🇳🇬", "NG"),  # explicit flag beats a city
    ],
)
def test_flags(text: str, expected: str) -> None:
    assert code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lagos, Portugal", "PT"),  # explicit country beats the bigger namesake city
        ("London, Ontario", "CA"),  # the last comma part qualifies the first
        ("Paris, TX", "US"),
        ("Austin, TX", "US"),
        ("Boston, MA", "US"),  # MA: Massachusetts because Boston is a US city...
        ("Casablanca, MA", "MA"),  # ...and Morocco here
        ("Denver, CO", "US"),
        ("Berlin, DE", "DE"),
        ("Perth, WA", "AU"),
        ("Cali, Colombia", "CO"),
        ("Tbilisi, Georgia", "GE"),
        ("Valencia, Venezuela", "VE"),
        ("Washington, D.C.", "US"),
    ],
)
def test_comma_hierarchy(text: str, expected: str) -> None:
    assert code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paris", "FR"),
        ("London", "GB"),
        ("Manchester", "GB"),
        ("Birmingham", "GB"),
        ("Hyderabad", "IN"),
        ("Córdoba", "AR"),
        ("Santiago", "CL"),
    ],
)
def test_big_city_beats_small_namesake(text: str, expected: str) -> None:
    assert code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Georgia", "US"),  # documented rule: bare Georgia is the US state
        ("Georgia 🇬🇪", "GE"),
        ("Cali", "US"),  # documented rule: slang for California
        ("CA", "US"),  # documented rule: bare CA is California
        ("Toronto, CA", "CA"),
        ("New Mexico", "US"),
        ("Mexico", "MX"),
        ("México", "MX"),
        ("New South Wales", "AU"),
        ("Wales", "GB"),
        ("Indiana", "US"),
        ("India", "IN"),
        ("Niamey, Niger", "NE"),
        ("Naija", "NG"),
        ("Benin City", "NG"),
        ("NYC", "US"),
        ("Holland", "NL"),
        ("Deutschland", "DE"),
        ("Türkiye", "TR"),
        ("PH", "PH"),
        ("DE", "DE"),  # bare upper-case codes take the ISO reading...
        ("MA", "MA"),
        ("Wilmington, DE", "US"),  # ...after a US city, the state
    ],
)
def test_aliases_and_lookalikes(text: str, expected: str) -> None:
    assert code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("서울", "KR"),
        ("東京都", "JP"),
        ("日本", "JP"),
        ("Россия", "RU"),
        ("السعودية", "SA"),
        ("Marrakech, Maroc", "MA"),
        ("España", "ES"),
        ("Côte d'Ivoire", "CI"),
    ],
)
def test_other_languages(text: str, expected: str) -> None:
    assert code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("proud Nigerian 🇳🇬", "NG"),
        ("Living in Lagos", "NG"),
        ("somewhere in Texas", "US"),
        ("lagos nigeria", "NG"),
        ("Lagos || London", "NG"),  # a list of places: the first one wins
        ("London | Lagos", "GB"),
        ("Abuja, Nigeria • he/him", "NG"),
        ("#TeamNigeria", "NG"),
        ("Ibadan, Oyo State", "NG"),
    ],
)
def test_messy_text(text: str, expected: str) -> None:
    assert code(text) == expected


def test_confidence_orders_evidence() -> None:
    def conf(text: str) -> float:
        match = resolve_location(text)
        assert match is not None, text
        return match.confidence

    assert conf("Lagos, Nigeria") > conf("Nigeria") > conf("Lagos")
    assert conf("Nigeria") > conf("Naija")  # alias below the official name
    assert conf("Paris") > conf("Valencia")  # contested city names are less sure
    assert conf("Lagos || London") < conf("Lagos")  # conflicting places
    for text in ("Lagos, Nigeria 🇳🇬", "Nigeria", "Manchester", "Cali", "CA"):
        assert 0.0 < conf(text) <= 1.0


def _load_labelled() -> list[tuple[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        return [(row["location"], row["country"]) for row in csv.DictReader(fh)]


def test_labelled_set_is_big_and_valid() -> None:
    rows = _load_labelled()
    assert len(rows) >= 350
    assert all(expected == "" or country_name(expected) for _, expected in rows)
    assert sum(1 for _, expected in rows if expected == "") >= 50


def test_accuracy_on_labelled_set() -> None:
    rows = _load_labelled()
    misses = []
    for text, expected in rows:
        got = code(text) or ""
        if got != expected:  # "no country" counts only when both are empty
            misses.append(f"{text!r}: expected {expected or '-'}, got {got or '-'}")
    accuracy = 1 - len(misses) / len(rows)
    report = f"accuracy {accuracy:.1%} on {len(rows)} strings; misses:\n" + "\n".join(misses)
    print(report)
    assert accuracy >= MIN_ACCURACY, report
