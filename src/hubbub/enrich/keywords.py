"""Keyword and team matching against a taxonomy file (YAML).

A taxonomy names *groups* of canonical terms, each with the spellings that match it::

    name: worldcup2022
    teams_group: teams            # canonical terms of this group also go into Match.teams
    pair_hashtags: true           # #ARGFRA / #ARGvFRA / #ARGvsFRA match both teams' codes
    code_stopwords: [CAN, POR]    # codes that are common words in capitals: hashtags only
    groups:
      teams:
        Argentina:                # the name is an alias too (unless match_name: false)
          aliases: [Albiceleste, Argentinien]  # case- and accent-insensitive words/phrases,
                                               # also as hashtags without spaces (#LesBleus)
          codes: [ARG]            # #ARG / #arg, and the upper-case whole word ARG
          hashtags: [VamosArgentina]           # only as hashtags
          exact: []               # case-sensitive whole words (VAR, GOAT)
      players:
        Messi: {aliases: [Lionel Messi], implies: Argentina}   # a match also matches Argentina
      topics:
        worldcup: [World Cup, Mundial]         # short form: a list of aliases

Matching is whole-word, case- and accent-insensitive: the text is normalised once
(``text.normalize``), split into word tokens, and the token *set* is intersected with the term
dicts (C speed); only multi-word terms look at neighbouring tokens. Terms in scripts written
without spaces (Chinese, Japanese, Korean, Thai) are matched as substrings by one regex.
``Match`` lists the canonical terms in taxonomy order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hubbub.enrich.text import normalize

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "keywords.yml"

_TOKEN_RE = re.compile(r"\w+")
_TAG_RE = re.compile(r"#(\w+)")
# Scripts written without spaces between words (after NFKD, so Hangul is conjoining jamo).
_NO_SPACE_RE = re.compile(r"[\u0e00-\u0e7f\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_ENTRY_KEYS = frozenset({"aliases", "codes", "hashtags", "exact", "implies", "match_name"})
_PAIR_SEPARATORS = ("", "v", "vs", "x")


@dataclass(frozen=True, slots=True)
class Term:
    """One canonical term of a taxonomy and every way it may be written."""

    name: str
    group: str
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    implies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    name: str
    terms: tuple[Term, ...]
    teams_group: str | None = "teams"
    pair_hashtags: bool = False
    code_stopwords: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Read a taxonomy file; ``None`` → the packaged World Cup 2022 taxonomy."""
        path = Path(path) if path is not None else DEFAULT_TAXONOMY
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        try:
            return cls.from_dict(data, default_name=path.stem)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

    @classmethod
    def from_dict(cls, data: Any, default_name: str = "taxonomy") -> Taxonomy:
        if not isinstance(data, Mapping) or not isinstance(data.get("groups"), Mapping):
            raise ValueError("a taxonomy is a mapping with a 'groups' mapping")
        terms: list[Term] = []
        for group, entries in data["groups"].items():
            if not isinstance(entries, Mapping):
                raise ValueError(f"group {group!r} must map canonical terms to their spellings")
            terms.extend(_parse_term(str(group), str(name), spec) for name, spec in entries.items())
        names = [t.name for t in terms]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"canonical terms defined twice: {dupes}")
        known = set(names)
        for term in terms:
            missing = [i for i in term.implies if i not in known]
            if missing:
                raise ValueError(f"{term.name!r} implies unknown terms {missing}")
        return cls(
            name=str(data.get("name", default_name)),
            terms=tuple(terms),
            teams_group=data.get("teams_group", "teams"),
            pair_hashtags=bool(data.get("pair_hashtags", False)),
            code_stopwords=frozenset(str(c) for c in data.get("code_stopwords") or ()),
        )

    def group(self, name: str) -> list[str]:
        """The canonical terms of one group, in file order."""
        return [t.name for t in self.terms if t.group == name]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    raise ValueError(f"{where} must be a string or a list of strings")


def _parse_term(group: str, name: str, spec: Any) -> Term:
    where = f"{group}.{name}"
    if spec is None or isinstance(spec, list):
        return Term(name, group, aliases=(name, *_strings(spec, where)))
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: expected a list of aliases or a mapping")
    unknown = set(spec) - _ENTRY_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(_ENTRY_KEYS)})")
    aliases = _strings(spec.get("aliases"), f"{where}.aliases")
    if spec.get("match_name", True):
        aliases = (name, *aliases)
    return Term(
        name,
        group,
        aliases=aliases,
        codes=_strings(spec.get("codes"), f"{where}.codes"),
        hashtags=_strings(spec.get("hashtags"), f"{where}.hashtags"),
        exact=_strings(spec.get("exact"), f"{where}.exact"),
        implies=_strings(spec.get("implies"), f"{where}.implies"),
    )


def _tag_key(folded: str) -> str:
    """How a term or hashtag is compared as a hashtag: word characters only, no ``_``
    (``Les Bleus``, ``#LesBleus`` and ``#Les_Bleus`` are the same)."""
    return "".join(_TOKEN_RE.findall(folded)).replace("_", "")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True, slots=True)
class Match:
    keywords: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)


def _add(index: dict[str, set[int]], key: str, term_id: int) -> None:
    if key:
        index.setdefault(key, set()).add(term_id)


class KeywordMatcher:
    """Finds a taxonomy's terms in a post. Immutable after construction, so thread-safe."""

    def __init__(self, taxonomy: Taxonomy | None = None) -> None:
        self.taxonomy = taxonomy if taxonomy is not None else Taxonomy.load()
        terms = self.taxonomy.terms
        self._names = [t.name for t in terms]
        self._is_team = [t.group == self.taxonomy.teams_group for t in terms]
        ids = {t.name: i for i, t in enumerate(terms)}
        self._implies = {ids[t.name]: {ids[n] for n in t.implies} for t in terms if t.implies}
        words: dict[str, set[int]] = {}
        phrases: dict[str, set[int]] = {}
        tags: dict[str, set[int]] = {}
        codes: dict[str, set[int]] = {}
        exact: dict[str, set[int]] = {}
        substrings: dict[str, set[int]] = {}
        for i, term in enumerate(terms):
            for alias in term.aliases:
                folded = normalize(alias)
                if _NO_SPACE_RE.search(folded):
                    _add(substrings, folded.replace(" ", ""), i)
                    continue
                tokens = _TOKEN_RE.findall(folded)
                _add(words if len(tokens) == 1 else phrases, " ".join(tokens), i)
                _add(tags, _tag_key(folded), i)
            for tag in term.hashtags:
                _add(tags, _tag_key(normalize(tag)), i)
            for code in term.codes:
                _add(codes, normalize(code), i)
                _add(tags, _tag_key(normalize(code)), i)
                if code not in self.taxonomy.code_stopwords:
                    _add(exact, code, i)
            for word in term.exact:
                _add(exact, word, i)
                _add(tags, _tag_key(normalize(word)), i)
        freeze = self._freeze
        self._words, self._tags, self._exact = freeze(words), freeze(tags), freeze(exact)
        self._phrases, self._codes, self._substrings = (
            freeze(phrases),
            freeze(codes),
            freeze(substrings),
        )
        # first token of a phrase -> the lengths (in tokens) of the phrases it starts, longest first
        lengths: dict[str, set[int]] = {}
        for phrase in phrases:
            first, *rest = phrase.split(" ")
            lengths.setdefault(first, set()).add(1 + len(rest))
        self._phrase_lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        # set & frozenset iterates over the smaller side; set & dict would walk the whole dict
        self._word_keys = frozenset(self._words)
        self._tag_keys = frozenset(self._tags)
        self._phrase_starts = frozenset(self._phrase_lengths)
        # no leading look-behind, so the regex engine can skip ahead to the terms' first letters;
        # the character before a hit is checked in Python
        self._exact_re = self._alternation(exact, r"(?:{})(?!\w)")
        self._substring_re = self._alternation(substrings, "{}")
        self._max_code = max((len(c) for c in codes), default=0)

    @staticmethod
    def _freeze(index: dict[str, set[int]]) -> dict[str, tuple[int, ...]]:
        return {k: tuple(sorted(v)) for k, v in index.items()}

    @staticmethod
    def _alternation(terms: Iterable[str], template: str) -> re.Pattern[str] | None:
        ordered = sorted(terms, key=len, reverse=True)  # longest first: "WorldCup" before "World"
        if not ordered:
            return None
        return re.compile(template.format("|".join(map(re.escape, ordered))))

    def match(self, text: str, hashtags: Iterable[str] = ()) -> Match:
        """Canonical terms in ``text`` (and in ``hashtags``, e.g. from the X API's entities)."""
        folded = normalize(text)
        tokens = _TOKEN_RE.findall(folded)
        token_set = set(tokens)
        hits: set[int] = set()
        for token in token_set & self._word_keys:
            hits.update(self._words[token])
        starts = token_set & self._phrase_starts
        if starts:
            self._match_phrases(tokens, starts, hits)
        tag_set = set(_TAG_RE.findall(folded)) if "#" in folded else set()
        if tag_set and "_" in folded:
            tag_set = {t.replace("_", "") for t in tag_set}
        for tag in hashtags:
            tag_set.add(_tag_key(normalize(tag)))
        if tag_set:
            self._match_tags(tag_set, hits)
        if self._exact_re is not None:
            for found in self._exact_re.finditer(text):
                start = found.start()
                if start == 0 or not _is_word_char(text[start - 1]):
                    hits.update(self._exact[found.group()])
        if self._substring_re is not None and not text.isascii() and _NO_SPACE_RE.search(folded):
            for found in self._substring_re.findall(folded.replace(" ", "")):
                hits.update(self._substrings[found])
        if not hits:
            return Match()
        for term_id in [i for i in hits if i in self._implies]:
            hits.update(self._implies[term_id])
        ordered = sorted(hits)
        names = self._names
        return Match(
            keywords=[names[i] for i in ordered],
            teams=[names[i] for i in ordered if self._is_team[i]],
        )

    def _match_phrases(self, tokens: list[str], starts: set[str], hits: set[int]) -> None:
        phrases = self._phrases
        for first in starts:
            lengths = self._phrase_lengths[first]
            pos = tokens.index(first)
            while True:
                for n in lengths:
                    found = phrases.get(" ".join(tokens[pos : pos + n]))
                    if found:
                        hits.update(found)
                        break
                try:
                    pos = tokens.index(first, pos + 1)
                except ValueError:
                    break

    def _match_tags(self, tag_set: set[str], hits: set[int]) -> None:
        for tag in tag_set & self._tag_keys:
            hits.update(self._tags[tag])
        if not self.taxonomy.pair_hashtags:
            return
        for tag in tag_set - self._tag_keys:
            if len(tag) <= 2 * self._max_code + 2:
                self._match_pair(tag, hits)

    def _match_pair(self, tag: str, hits: set[int]) -> None:
        """``argfra`` / ``argvfra`` / ``argvsfra`` / ``argxfra`` → both codes' terms."""
        codes = self._codes
        for cut in range(1, min(len(tag), self._max_code + 1)):
            first = codes.get(tag[:cut])
            if not first:
                continue
            rest = tag[cut:]
            for sep in _PAIR_SEPARATORS:
                second = codes.get(rest[len(sep) :]) if rest.startswith(sep) else None
                if second:
                    hits.update(first)
                    hits.update(second)
                    return
