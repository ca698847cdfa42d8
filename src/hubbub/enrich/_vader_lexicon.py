"""VADER's lexicons and rule tables, loaded once at import and reshaped for fast lookup.

Everything comes from the installed ``vaderSentiment`` 3.3.2 package: the two lexicon files
are read from the package directory (not copied), and the rule tables (``NEGATE``,
``BOOSTER_DICT``, ``SPECIAL_CASES``, the constants) are imported from its module, so the
port in ``_vader_core`` can only differ from the reference in *how* it computes, never in
*what* it knows.
"""

from __future__ import annotations

import string
from importlib.resources import files

from vaderSentiment import vaderSentiment as _ref

__all__ = [
    "B_NGRAMS",
    "BOOSTERS",
    "C_INCR",
    "EMOJI_TABLE",
    "LEXICON",
    "LEXICON_KEYS",
    "NEGATIONS",
    "N_SCALAR",
    "PUNCTUATION",
    "SPECIAL_CASES",
    "SPECIAL_WORDS",
]

B_INCR: float = _ref.B_INCR
C_INCR: float = _ref.C_INCR
N_SCALAR: float = _ref.N_SCALAR
PUNCTUATION: str = string.punctuation


def _read(name: str) -> str:
    # The reference reads with codecs.open(encoding="utf-8"), which does no newline
    # translation; read_text() would, so decode the bytes ourselves.
    return (files("vaderSentiment") / name).read_bytes().decode("utf-8")


def _load_lexicon() -> dict[str, float]:
    """Same parse as ``SentimentIntensityAnalyzer.make_lex_dict`` (last duplicate wins)."""
    lex: dict[str, float] = {}
    for line in _read("vader_lexicon.txt").rstrip("\n").split("\n"):
        if not line:
            continue
        word, measure = line.strip().split("\t")[0:2]
        lex[word] = float(measure)
    return lex


def _load_emoji_table() -> dict[int, str]:
    """A ``str.translate`` table: emoji → ``" " + description``.

    The reference walks the text one character at a time, so only single-character keys
    of the emoji lexicon can ever match; longer sequences (skin tones, ZWJ, flags) are
    handled as their individual code points, exactly as here. It inserts a space before a
    description only when the previous character was not a space; we always insert one.
    The extra space changes nothing downstream: the text is only whitespace-split and
    searched for "!" and "?".
    """
    table: dict[int, str] = {}
    for line in _read("emoji_utf8_lexicon.txt").rstrip("\n").split("\n"):
        emoji, description = line.strip().split("\t")[0:2]
        if len(emoji) == 1:
            table[ord(emoji)] = " " + description
    return table


LEXICON: dict[str, float] = _load_lexicon()
LEXICON_KEYS: frozenset[str] = frozenset(LEXICON)
EMOJI_TABLE: dict[int, str] = _load_emoji_table()

# Single-word boosters are what a (whitespace-free) token can match. Multi-word entries
# ("kind of", "sort of", "just enough") are only reachable through the n-gram check inside
# the special-idioms rule, so they are kept apart, keyed by word tuple.
BOOSTERS: dict[str, float] = {k: v for k, v in _ref.BOOSTER_DICT.items() if " " not in k}
B_NGRAMS: dict[tuple[str, ...], float] = {
    tuple(k.split(" ")): v for k, v in _ref.BOOSTER_DICT.items() if " " in k
}
NEGATIONS: frozenset[str] = frozenset(_ref.NEGATE)

# SPECIAL_CASES keyed by word tuple. The reference joins lowered tokens with one space and
# looks the string up; tokens never contain whitespace, so tuple equality is string
# equality. Single-word keys ("badass") can never match a joined n-gram and are dropped.
SPECIAL_CASES: dict[tuple[str, ...], float] = {
    tuple(k.split(" ")): v for k, v in _ref.SPECIAL_CASES.items() if " " in k
}
SPECIAL_WORDS: frozenset[str] = frozenset(w for key in SPECIAL_CASES for w in key)

# Assumptions the fast port relies on; if a future lexicon breaks one, fail loudly at
# import instead of silently drifting from the reference.
if LEXICON_KEYS & BOOSTERS.keys():
    raise RuntimeError("vader port assumes no booster word is also a lexicon word")
if not all(LEXICON.values()):
    raise RuntimeError("vader port assumes no zero-valence lexicon entry")
if "least" in LEXICON:
    raise RuntimeError("vader port assumes 'least' is not a lexicon word")
if any(k != " ".join(k.split()) for k in _ref.SPECIAL_CASES):
    raise RuntimeError("vader port assumes single-spaced SPECIAL_CASES keys")
