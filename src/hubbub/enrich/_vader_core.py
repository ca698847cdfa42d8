"""A faithful, faster port of vaderSentiment 3.3.2's compound score.

``vader_compound(text)`` returns exactly
``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``. Where the speed comes
from:

* the reference rebuilds the emoji-free text one character at a time; we use one
  ``str.translate`` and skip it entirely for ASCII text (no emoji is ASCII);
* for ASCII text the whole string is lower-cased once (per-character, so identical to
  lower-casing each stripped token); other text is lowered per token, because full Unicode
  lower-casing can change lengths ("İ") and the reference's strip rule depends on length;
* texts with no lexicon word at all return 0.0 after one ``frozenset.isdisjoint``;
* only lexicon words are visited; every rule looks at a fixed window of neighbours in one
  pre-lowered list, where the reference re-lowers the whole sentence up to four times per
  word;
* the ALL-CAPS differential is only computed for texts that contain a capital letter.

Quirks kept on purpose, because they change scores:

* "but": the reference rescales via ``sentiments.index(value)``, i.e. the *first* equal
  value, after earlier entries were already rescaled; see ``_but_rescale``.
* negation window: at distance 3, a preceding "so"/"this" at distance 1 multiplies by 1.25
  whatever the distance-3 word is (operator precedence in ``_negation_check``).
* "no" before a lexicon word zeroes its own valence, and "no" up to 3 words back negates.
* ALL-CAPS on a zero valence *subtracts* ``C_INCR`` (the ``else`` branch).
* idioms: ``SENTIMENT_LADEN_IDIOMS`` is dead code in 3.3.2 (never called); ``SPECIAL_CASES``
  and the multi-word boosters ("kind of", "sort of", "just enough") are only consulted for
  a lexicon word with at least three words before it, the third of which is not a lexicon
  word.
* "!"/"?" are counted after emoji expansion ("🔛" → "ON! arrow" adds a "!").
* sums are plain left-to-right float sums in word order (``sum`` on Python 3.11), and the
  result is ``round(x, 4)`` like the reference.
"""

from __future__ import annotations

import math

from hubbub.enrich._vader_lexicon import (
    B_NGRAMS,
    BOOSTERS,
    C_INCR,
    EMOJI_TABLE,
    LEXICON,
    LEXICON_KEYS,
    N_SCALAR,
    NEGATIONS,
    PUNCTUATION,
    SPECIAL_CASES,
    SPECIAL_WORDS,
)

_SO_THIS = ("so", "this")
_OR_NOR = ("or", "nor")
_AT_VERY = ("at", "very")


def _negated(word: str) -> bool:
    """``vaderSentiment.negated([word])`` for an already lower-cased word."""
    return word in NEGATIONS or "n't" in word


def _scalar(word: str, raw: str, valence: float, cap_diff: bool) -> float:
    """``scalar_inc_dec``: the booster/dampener contribution of a preceding word."""
    scalar = BOOSTERS.get(word)
    if scalar is None:
        return 0.0
    if valence < 0:
        scalar *= -1
    if cap_diff and raw.isupper():
        if valence > 0:
            scalar += C_INCR
        else:
            scalar -= C_INCR
    return scalar


def _special_idioms(valence: float, lw: list[str], i: int) -> float:
    """``_special_idioms_check``; only called when ``i > 2``."""
    n = len(lw)
    w, p1, p2, p3 = lw[i], lw[i - 1], lw[i - 2], lw[i - 3]
    window = (p3, p2, p1, w, lw[i + 1] if i + 1 < n else "", lw[i + 2] if i + 2 < n else "")
    if not SPECIAL_WORDS.isdisjoint(window):
        for seq in ((p1, w), (p2, p1, w), (p2, p1), (p3, p2, p1), (p3, p2)):
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
                break
        if n - 1 > i:
            seq = (w, lw[i + 1])
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
        if n - 1 > i + 1:
            seq = (w, lw[i + 1], lw[i + 2])
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
    for seq in ((p3, p2, p1), (p3, p2), (p2, p1)):
        boost = B_NGRAMS.get(seq)
        if boost is not None:
            valence = valence + boost
    return valence


def _valence(
    valence: float, lw: list[str], words: list[str] | None, i: int, cap_diff: bool
) -> float:
    """``sentiment_valence`` for the lexicon word at ``i`` (lexicon valence ``valence``)."""
    n = len(lw)
    w = lw[i]
    base = valence
    if w == "no" and i != n - 1 and lw[i + 1] in LEXICON_KEYS:
        valence = 0.0
    if (
        (i > 0 and lw[i - 1] == "no")
        or (i > 1 and lw[i - 2] == "no")
        or (i > 2 and lw[i - 3] == "no" and lw[i - 1] in _OR_NOR)
    ):
        valence = base * N_SCALAR
    if cap_diff and words is not None and words[i].isupper():
        if valence > 0:
            valence += C_INCR
        else:
            valence -= C_INCR
    if i == 0:
        return valence

    # distance 1
    p1 = lw[i - 1]
    if p1 not in LEXICON_KEYS:
        if p1 in BOOSTERS:
            raw = words[i - 1] if words is not None else ""
            valence = valence + _scalar(p1, raw, valence, cap_diff)
        if p1 in NEGATIONS or "n't" in p1:
            valence = valence * N_SCALAR
    if i > 1:
        # distance 2
        p2 = lw[i - 2]
        if p2 not in LEXICON_KEYS:
            if p2 in BOOSTERS:
                raw = words[i - 2] if words is not None else ""
                s = _scalar(p2, raw, valence, cap_diff)
                if s != 0:
                    s = s * 0.95
                valence = valence + s
            if p2 == "never" and p1 in _SO_THIS:
                valence = valence * 1.25
            elif p2 == "without" and p1 == "doubt":
                pass
            elif _negated(p2):
                valence = valence * N_SCALAR
        if i > 2:
            # distance 3
            p3 = lw[i - 3]
            if p3 not in LEXICON_KEYS:
                if p3 in BOOSTERS:
                    raw = words[i - 3] if words is not None else ""
                    s = _scalar(p3, raw, valence, cap_diff)
                    if s != 0:
                        s = s * 0.9
                    valence = valence + s
                if (p3 == "never" and p2 in _SO_THIS) or p1 in _SO_THIS:
                    valence = valence * 1.25
                elif p3 == "without" and (p2 == "doubt" or p1 == "doubt"):
                    pass
                elif _negated(p3):
                    valence = valence * N_SCALAR
                valence = _special_idioms(valence, lw, i)

    # "least" ("least" is never a lexicon word, checked at import)
    if p1 == "least":
        if i > 1:
            if lw[i - 2] not in _AT_VERY:
                valence = valence * N_SCALAR
        else:
            valence = valence * N_SCALAR
    return valence


def _but_rescale(positions: list[int], values: list[float], but_index: int) -> None:
    """``_but_check`` with its ``list.index`` quirk, on the non-zero entries only.

    The reference walks the sentiment list and, for each value, rescales the *first*
    entry equal to it (x0.5 before "but", x1.5 after). Zero entries stay zero whatever is
    done to them, and a non-zero value can only equal a non-zero entry, so replaying the
    walk over the lexicon-word entries alone gives the same list.
    """
    for k in range(len(values)):
        v = values[k]
        j = values.index(v)
        pos = positions[j]
        if pos < but_index:
            values[j] = v * 0.5
        elif pos > but_index:
            values[j] = v * 1.5


def _tokens(text: str) -> tuple[list[str], list[str] | None, bool]:
    """Lowered tokens, raw words (``None`` when no capital can matter) and cap-differential."""
    if text.isascii():
        low = text.lower()
        lw = [s if len(s := t.strip(PUNCTUATION)) > 2 else t for t in low.split()]
        if low == text:
            # no A-Z: no token is upper-case, so neither caps rule can fire
            return lw, None, False
        words = text.split()
    else:
        words = text.split()
        stripped = [s if len(s := t.strip(PUNCTUATION)) > 2 else t for t in words]
        lw = [t.lower() for t in stripped]
    # Stripping only removes ASCII punctuation, which is uncased, so isupper() of a raw
    # word equals isupper() of its stripped token.
    n_upper = sum(map(str.isupper, words))
    return lw, words, 0 < n_upper < len(words)


def vader_compound(text: str) -> float:
    """VADER's compound score of ``text``, bit-for-bit as ``polarity_scores`` computes it."""
    if not text.isascii():
        text = text.translate(EMOJI_TABLE)
    lw, words, cap_diff = _tokens(text)
    if LEXICON_KEYS.isdisjoint(lw):
        return 0.0

    positions: list[int] = []
    values: list[float] = []
    get = LEXICON.get
    last = len(lw) - 1
    for i, w in enumerate(lw):
        valence = get(w)
        if valence is None:
            continue
        if w == "kind" and i < last and lw[i + 1] == "of":
            continue
        positions.append(i)
        values.append(_valence(valence, lw, words, i, cap_diff))

    if "but" in lw:
        _but_rescale(positions, values, lw.index("but"))

    total = float(sum(values))
    if total == 0:
        return 0.0
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    amplifier = ep_count * 0.292
    qm_count = text.count("?")
    if qm_count > 1:
        amplifier = amplifier + (qm_count * 0.18 if qm_count <= 3 else 0.96)
    if total > 0:
        total += amplifier
    else:
        total -= amplifier
    norm = total / math.sqrt((total * total) + 15)
    if norm < -1.0:
        norm = -1.0
    elif norm > 1.0:
        norm = 1.0
    return round(norm, 4)
