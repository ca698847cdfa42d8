"""A faithful, faster port of vaderSentiment 3.3.2's compound score.

``vader_compound(text)`` returns exactly
``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``. Where the speed comes
from:

* the reference rebuilds the emoji-free text one character at a time; we
  ``str.translate`` only the non-ASCII runs (no emoji is ASCII);
* each distinct raw token is stripped and lower-cased once, then looked up in a bounded
  memo (``_TokenForms``) with a C-level ``map``;
* texts with no lexicon word return 0.0 right after tokenising, as the reference does;
* texts with no context word at all (no booster, negation, "no", "so", "this", "least",
  "kind", "but", idiom word or "n't"), most of them, sum the lexicon valences directly
  (plus the caps rule) with C-level ``map``/``filter``;
* otherwise only lexicon words are visited, and a word with no modifier in the three words
  before it skips the rules; the rules read one pre-lowered token list, where the
  reference re-lowers the whole sentence up to four times per word.

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
import re
from itertools import compress, count

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
_IN_LEXICON = LEXICON_KEYS.__contains__
_LEXICON_GET = LEXICON.get
# Words that can change the valence of a lexicon word up to three positions after them
# (boosters, negations, "no", "so"/"this", "least"). A lexicon word with none of these
# before it, no "n't" nearby and no idiom in reach keeps its lexicon valence (plus caps).
_MODIFIERS = frozenset(BOOSTERS) | NEGATIONS | {"no", "so", "this", "least"}
# An idiom or multi-word booster can only match if all its words occur in the text, so one
# (the longest) word per key is a cheap per-text guard for the whole idiom rule.
_IDIOM_GUARD = frozenset(max(key, key=len) for key in (*SPECIAL_CASES, *B_NGRAMS))
# Any of these (or an "n't") anywhere in a post sends it through the full rules.
_CONTEXT_WORDS = _MODIFIERS | _IDIOM_GUARD | {"kind", "but"}


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
    valence: float, lw: list[str], words: list[str], i: int, cap_diff: bool, idioms: bool
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
    if cap_diff and words[i].isupper():
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
            valence = valence + _scalar(p1, words[i - 1], valence, cap_diff)
        if p1 in NEGATIONS or "n't" in p1:
            valence = valence * N_SCALAR
    if i > 1:
        # distance 2
        p2 = lw[i - 2]
        if p2 not in LEXICON_KEYS:
            if p2 in BOOSTERS:
                s = _scalar(p2, words[i - 2], valence, cap_diff)
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
                    s = _scalar(p3, words[i - 3], valence, cap_diff)
                    if s != 0:
                        s = s * 0.9
                    valence = valence + s
                if (p3 == "never" and p2 in _SO_THIS) or p1 in _SO_THIS:
                    valence = valence * 1.25
                elif p3 == "without" and (p2 == "doubt" or p1 == "doubt"):
                    pass
                elif _negated(p3):
                    valence = valence * N_SCALAR
                if idioms:
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


def _contextual_valences(
    lw: list[str], words: list[str], hits: list[int], cap_diff: bool, has_nt: bool
) -> tuple[list[int], list[float]]:
    """Positions and valences of the lexicon words, applying every context rule."""
    idioms = not _IDIOM_GUARD.isdisjoint(lw)
    positions: list[int] = []
    values: list[float] = []
    last = len(lw) - 1
    for i in hits:
        w = lw[i]
        if w == "kind" and i < last and lw[i + 1] == "of":
            continue
        valence = LEXICON[w]
        if (
            has_nt
            or w == "no"
            or (idioms and i > 2)
            or (i and not _MODIFIERS.isdisjoint(lw[i - 3 if i > 3 else 0 : i]))
        ):
            valence = _valence(valence, lw, words, i, cap_diff, idioms)
        elif cap_diff and words[i].isupper():
            # Nothing within three words before can modify it: only the caps rule applies.
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        positions.append(i)
        values.append(valence)
    return positions, values


class _TokenForms(dict[str, str]):
    """Memo: raw whitespace-split token → the reference's lower-cased token.

    The reference strips leading/trailing ``string.punctuation`` from each token, keeps the
    original when two characters or fewer remain (emoticons like ":)"), and lower-cases
    the result on every use. Tokens repeat heavily across posts, so the form is computed
    once per distinct token and looked up with C-level ``map(memo.__getitem__, words)``.
    The memo is bounded: it is emptied when it reaches ``TOKEN_MEMO_MAX`` entries.
    """

    __slots__ = ()

    def __missing__(self, token: str) -> str:
        stripped = token.strip(PUNCTUATION)
        form = (stripped if len(stripped) > 2 else token).lower()
        if form == token:
            form = token  # share the key object: halves the memory for most tokens
        if len(self) >= TOKEN_MEMO_MAX:
            self.clear()
        self[token] = form
        return form


TOKEN_MEMO_MAX = 100_000
_TOKEN_FORMS = _TokenForms()
_FORM = _TOKEN_FORMS.__getitem__


# No emoji is ASCII: translating only the non-ASCII runs is ~3x cheaper than translating
# the whole text (str.translate with a dict does a dict lookup per character).
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _expand_emoji(match: re.Match[str]) -> str:
    return match.group().translate(EMOJI_TABLE)


def clear_token_memo() -> None:
    """Forget memoised token forms (benchmarks use it to start cold)."""
    _TOKEN_FORMS.clear()


def vader_compound(text: str) -> float:
    """VADER's compound score of ``text``, bit-for-bit as ``polarity_scores`` computes it."""
    if not text.isascii():
        text = _NON_ASCII_RUN.sub(_expand_emoji, text)
    words = text.split()
    lw = list(map(_FORM, words))
    if LEXICON_KEYS.isdisjoint(lw):
        return 0.0
    # allcap_differential: some, but not all, tokens are ALL CAPS. Stripping removes only
    # ASCII punctuation, which is uncased, so isupper() of a raw word equals isupper() of
    # its token; and if the text is all lower case, no word can be upper case.
    uppers = [] if text.islower() else list(compress(count(), map(str.isupper, words)))
    cap_diff = 0 < len(uppers) < len(words)
    # Lower-casing maps no other character to "n", "'" or "t", and stripping cannot cut
    # into "n't", so this finds every token containing "n't".
    has_nt = ("'t" in text or "'T" in text) and "n't" in text.lower()

    if not has_nt and _CONTEXT_WORDS.isdisjoint(lw):
        # Most posts: no word that any context rule (or "but") reacts to, so each lexicon
        # word keeps its lexicon valence, plus the caps rule. None marks non-lexicon words;
        # no valence here is 0 (checked at import), so filter(None, ...) drops exactly them.
        valences = list(map(_LEXICON_GET, lw))
        if cap_diff:
            for i in uppers:
                valence = valences[i]
                if valence is not None:
                    valences[i] = valence + C_INCR if valence > 0 else valence - C_INCR
        total = float(sum(filter(None, valences)))
    else:
        hits = list(compress(count(), map(_IN_LEXICON, lw)))
        positions, values = _contextual_valences(lw, words, hits, cap_diff, has_nt)
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
