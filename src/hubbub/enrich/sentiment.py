"""Post sentiment: VADER's compound score, exact but several times faster.

``SentimentScorer.compound(text)`` equals
``vaderSentiment.vaderSentiment.SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``
for every text (the tests check the 4,200 human-rated tweets of the VADER paper, three
other ground-truth sets and a fuzz set). The port lives in ``_vader_core``; this module
adds the label thresholds and an LRU cache keyed by text, because retweets and quote
storms repeat the same text many times in a real stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from hubbub.enrich._vader_core import vader_compound
from hubbub.models import SentimentLabel

__all__ = ["SentimentLabel", "SentimentScorer", "label_for", "vader_compound"]

# VADER's own recommended thresholds (README of vaderSentiment).
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


def label_for(compound: float) -> SentimentLabel:
    """``positive`` at ≥ 0.05, ``negative`` at ≤ -0.05, ``neutral`` in between."""
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def _score(text: str) -> tuple[float, SentimentLabel]:
    compound = vader_compound(text)
    return compound, label_for(compound)


class SentimentScorer:
    """Scores texts with VADER's compound score and label.

    ``cache_size`` is the number of distinct texts whose result is kept (LRU);
    0 disables the cache. The cache is per scorer and thread-safe (``functools.lru_cache``);
    cached and uncached answers are identical because scoring is a pure function of text.
    """

    def __init__(self, cache_size: int = 100_000) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        self.cache_size = cache_size
        self._score: Callable[[str], tuple[float, SentimentLabel]]
        if cache_size:
            self._score = lru_cache(maxsize=cache_size)(_score)
        else:
            self._score = _score

    def compound(self, text: str) -> float:
        """VADER compound score in [-1, 1], rounded to 4 places like the reference."""
        return self._score(text)[0]

    def score(self, text: str) -> tuple[float, SentimentLabel]:
        """``(compound, label)`` for one text."""
        return self._score(text)

    def score_many(self, texts: Sequence[str]) -> list[tuple[float, SentimentLabel]]:
        """``score`` for each text, in order."""
        return list(map(self._score, texts))

    def cache_info(self) -> str:
        """Hit/miss counts of the text cache, for logs and metrics ("disabled" if off)."""
        info = getattr(self._score, "cache_info", None)
        return str(info()) if info is not None else "disabled"
