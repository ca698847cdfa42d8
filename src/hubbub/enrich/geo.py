"""Free-text profile location -> country (ISO 3166-1 alpha-2).

``resolve_location("Lagos, Nigeria 🇳🇬")`` -> ``GeoMatch("NG", "Nigeria", 0.99)``.

How a string is read:

1. Flag emoji (regional-indicator pairs; England/Scotland/Wales tag flags -> GB) are pulled
   out as explicit country evidence.
2. The rest is split into *segments* on list separators (``|``, ``/``, ``•``, `` - ``...),
   each segment into comma *parts* ("Austin, TX"). A part is matched whole (upper-case
   codes, names, aliases, regions, cities); failing that, its words are scanned for the
   longest known names ("proud Nigerian", "living in Lagos").
3. Inside a segment every match votes for its countries with weight
   country 3 > region/state 2 > demonym 1.5 > city 1, times the reading's prior (a city's
   population share among namesakes). So "London, Ontario" -> CA, "Paris, TX" -> US,
   "Lagos, Portugal" -> PT, bare "London" -> GB.
4. Across segments the strongest kind of evidence wins (a flag or country name beats a
   city), ties go to the first segment ("Lagos || London" -> NG).

Confidence combines the agreeing evidence and drops when readings compete. Tables are built
lazily on the first call (~1 s, see :mod:`hubbub.enrich.geo_index`); results are cached per
string, so repeated locations cost a dict lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hubbub.enrich.geo_index import (
    BLOCKED_BARE_CODES,
    COUNTRY,
    Cand,
    GeoIndex,
    get_index,
    is_latin,
    normalize,
)

__all__ = ["GeoMatch", "country_name", "flag_emoji", "resolve_location"]

CACHE_SIZE = 65_536

_RI_BASE = 0x1F1E6  # REGIONAL INDICATOR SYMBOL LETTER A
_FLAG = re.compile(
    "([\U0001f1e6-\U0001f1ff]{2})"  # country flag: two regional indicators
    "|\U0001f3f4([\U000e0061-\U000e007a]{2})[\U000e0030-\U000e007a]*\U000e007f"  # 🏴 gbeng
)
_SEGMENT_SPLIT = re.compile(
    r"\|+|/|\\|•|·|;|\n|→|⇄|<>|\s[-–—~]+\s|\s&\s|\s\+\s|\s(?:and|y|et|e|und)\s",
    re.IGNORECASE,
)
_PART_SPLIT = re.compile(r"[,()\[\]]")
_NOISE = re.compile(r"@\w+|https?://\S+|www\.\S+|\b(?:ig|insta|snap|sc|tiktok|tt)\s*:", re.I)
_DOTS_SPACES = re.compile(r"[\s.]")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CODE_TOKEN = re.compile(r"(?<![\w.])((?:[A-Z]\.?){2,3})(?![\w.])")
# "the UK", "Greater Manchester", "living in Lagos" / "Oyo State", "Quezon City", "大阪市"
_PREFIXES = tuple(
    "the |greater |city of |downtown |central |north |south |east |west |"
    "somewhere in |based in |living in |from ".split("|")
)
_SUFFIXES = tuple(" state| city| province| region| metro| area| county| nigeria| town".split("|"))
_CJK_SUFFIXES = tuple("特別市 特别市 광역시 특별시 市 都 府 県 县 区 시 도".split())


@dataclass(frozen=True, slots=True)
class GeoMatch:
    country_code: str  # ISO 3166-1 alpha-2, upper case
    country_name: str  # English short name, e.g. "Nigeria", "United States", "United Kingdom"
    confidence: float  # 0..1


def country_name(code: str) -> str | None:
    """English short name for an ISO alpha-2 code ("GB" -> "United Kingdom")."""
    if not code:
        return None
    return get_index().country_names.get(code.strip().upper())


def flag_emoji(code: str) -> str:
    """Flag for an ISO alpha-2 code, "NG" -> "🇳🇬"; "" unless two ASCII letters."""
    code = (code or "").strip().upper()
    if len(code) != 2 or not (code.isascii() and code.isalpha()):
        return ""
    return "".join(chr(_RI_BASE + ord(ch) - ord("A")) for ch in code)


def resolve_location(text: str | None) -> GeoMatch | None:
    """Best-guess country for a free-text location, or None if it names no place."""
    if not text:
        return None
    return _resolve_cached(text)


@lru_cache(maxsize=CACHE_SIZE)
def _resolve_cached(text: str) -> GeoMatch | None:
    return _resolve(text, get_index())


# --- parsing -------------------------------------------------------------------------------

Evidence = tuple[Cand, ...]


def _segments(text: str) -> list[list[list[Evidence]]]:
    """Segments -> comma parts -> evidence groups, in reading order. Flags are segments."""
    idx = get_index()
    out: list[list[list[Evidence]]] = []
    pieces = _FLAG.split(text)
    # re.split with 2 groups yields: text, ri_pair, tag_pair, text, ...
    for i in range(0, len(pieces), 3):
        chunk = pieces[i]
        if chunk and not chunk.isspace():
            segs = _SEGMENT_SPLIT.split(_clean(chunk))
            whole = len(pieces) == 1 and len(segs) == 1
            for seg in segs:
                parts = [p for p in _PART_SPLIT.split(seg) if p.strip()]
                groups = [
                    _part(p.strip(), idx, after_comma=j > 0, whole=whole and len(parts) == 1)
                    for j, p in enumerate(parts)
                ]
                if any(groups):
                    out.append(groups)
        if i + 1 < len(pieces):
            code = _flag_code(pieces[i + 1], pieces[i + 2])
            if code:
                out.append([[(Cand(code, COUNTRY, 0.95),)]])
    return out


def _clean(chunk: str) -> str:
    if "@" in chunk or ":" in chunk:
        chunk = _NOISE.sub(" ", chunk)
    if "#" not in chunk:
        return chunk
    return _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", chunk)


def _flag_code(ri_pair: str | None, tag_pair: str | None) -> str | None:
    if ri_pair:
        code = "".join(chr(ord(ch) - _RI_BASE + ord("A")) for ch in ri_pair)
    elif tag_pair:
        code = "".join(chr(ord(ch) - 0xE0000) for ch in tag_pair).upper()
    else:
        return None
    return code if code in get_index().country_names else None


def _part(raw: str, idx: GeoIndex, *, after_comma: bool, whole: bool) -> list[Evidence]:
    """Evidence from one comma part: a whole-part match, else matches found in its words."""
    compact = _DOTS_SPACES.sub("", raw) if len(raw) <= 10 else ""
    if 2 <= len(compact) <= 4 and compact.isascii() and compact.isalpha():
        if whole and compact in idx.bare_codes:
            return [idx.bare_codes[compact]]
        if whole and compact in idx.country_names and compact not in BLOCKED_BARE_CODES:
            return [(Cand(compact, COUNTRY, 0.8),)]  # bare "DE", "MA": the ISO reading
        if whole and compact.istitle() and compact.upper() in idx.text_codes:
            return [idx.codes[compact.upper()]]  # "Tx", "Ny", "Uk"; not "Me", "Ok", "In"
        if compact.isupper() and compact in idx.codes:
            if after_comma or compact not in BLOCKED_BARE_CODES:
                return [idx.codes[compact]]
        elif after_comma and len(compact) == 2 and compact.upper() not in BLOCKED_BARE_CODES:
            hit = idx.codes.get(compact.upper())
            if hit:
                return [hit]
    key = normalize(raw)
    if not key or key in idx.junk:
        return []
    hit = _lookup(key, idx)
    if hit:
        return [hit]
    return _scan(raw, key, idx)


def _lookup(key: str, idx: GeoIndex) -> Evidence | None:
    hit = idx.get(key)
    if hit:
        return hit
    for pre in _PREFIXES:
        if key.startswith(pre) and (hit := idx.get(key[len(pre) :])):
            return hit
    for suf in _SUFFIXES:
        if key.endswith(suf) and (hit := idx.get(key[: -len(suf)])):
            return hit
    if not is_latin(key):
        for suf in _CJK_SUFFIXES:
            if key.endswith(suf) and (hit := idx.get(key[: -len(suf)])):
                return hit
    return None


def _scan(raw: str, key: str, idx: GeoIndex) -> list[Evidence]:
    """Longest known names among the words of a part; trusted upper-case codes too."""
    found: list[tuple[int, Evidence]] = []
    for m in _CODE_TOKEN.finditer(raw):
        code = m.group(1).replace(".", "")
        if code in idx.text_codes:
            found.append((len(raw[: m.start()].split()), idx.codes[code]))
    tokens = key.split()
    used = [False] * len(tokens)
    for n in range(min(4, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            if any(used[i : i + n]):
                continue
            span = " ".join(tokens[i : i + n])
            if span in idx.stopwords or span in idx.junk:
                continue
            if n == 1 and is_latin(span) and len(span) < 4:
                continue
            hit: Evidence | None = idx.get(span)
            if not hit and not is_latin(span):
                hit = _lookup(span, idx)
            if hit:
                found.append((i, hit))
                used[i : i + n] = [True] * n
    found.sort(key=lambda f: f[0])
    return [ev for _, ev in found]


# --- scoring -------------------------------------------------------------------------------


def _score_segment(groups: list[list[Evidence]]) -> tuple[str, float, float, float] | None:
    """Winner of one segment: (country, best weight, confidence, runner-up ratio)."""
    score: dict[str, float] = {}
    weight: dict[str, float] = {}
    confs: dict[str, list[float]] = {}
    first: dict[str, int] = {}
    order = 0
    for part in groups:
        for ev in part:
            for cand in ev:
                score[cand.country] = score.get(cand.country, 0.0) + cand.score
                weight[cand.country] = max(weight.get(cand.country, 0.0), cand.weight)
                confs.setdefault(cand.country, []).append(cand.conf * (0.6 + 0.4 * cand.prior))
                first.setdefault(cand.country, order)
            order += 1
    if not score:
        return None
    ranked = sorted(score, key=lambda c: (-score[c], first[c]))
    best = ranked[0]
    runner = score[ranked[1]] / score[best] if len(ranked) > 1 else 0.0
    miss = 1.0
    for c in confs[best]:
        miss *= 1.0 - c
    return best, weight[best], 1.0 - miss, runner


def _resolve(text: str, idx: GeoIndex) -> GeoMatch | None:
    winners = [w for seg in _segments(text) if (w := _score_segment(seg))]
    if not winners:
        return None
    top = max(range(len(winners)), key=lambda i: (winners[i][1], -i))
    code, _, conf, runner = winners[top]
    others = [w for w in winners if w[0] != code]
    agree = [w[2] for i, w in enumerate(winners) if w[0] == code and i != top]
    for c in agree:
        conf = 1.0 - (1.0 - conf) * (1.0 - c)
    conf *= 1.0 - 0.5 * runner
    if others:
        conf *= 0.8
    name = idx.country_names.get(code, code)
    return GeoMatch(code, name, round(min(conf, 0.99), 3))
