"""Text analysis of posts (sentiment + keywords/teams), cached, optionally in worker processes.

Text analysis is the CPU-heaviest part of enrichment and a pure function of (text, hashtags),
so it is (1) cached by that key — retweets repeat texts exactly — and (2) optionally run in
worker processes, so that on a multi-core machine it does not compete for the GIL with the rest
of the pipeline (user lookups, building records, the store's writes).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

from hubbub.enrich.keywords import KeywordMatcher
from hubbub.enrich.sentiment import SentimentScorer
from hubbub.models import SentimentLabel

TextKey = tuple[str, tuple[str, ...]]  # (text, hashtags)


class Analysis(NamedTuple):
    compound: float
    label: SentimentLabel
    keywords: tuple[str, ...]
    teams: tuple[str, ...]


class _Analyzer:
    """The pure, uncached analysis (one per process)."""

    def __init__(self) -> None:
        self.sentiment = SentimentScorer(cache_size=0)
        self.keywords = KeywordMatcher()

    def __call__(self, keys: Sequence[TextKey]) -> list[Analysis]:
        score, match = self.sentiment.score, self.keywords.match
        out = []
        for text, hashtags in keys:
            compound, label = score(text)
            m = match(text, hashtags)
            out.append(Analysis(compound, label, tuple(m.keywords), tuple(m.teams)))
        return out


_worker_analyzer: _Analyzer | None = None


def _init_worker() -> None:
    global _worker_analyzer
    _worker_analyzer = _Analyzer()


def _analyze_in_worker(keys: Sequence[TextKey]) -> list[Analysis]:
    assert _worker_analyzer is not None, "worker not initialised"
    return _worker_analyzer(keys)


class TextAnalyzer:
    """Analyses texts with a bounded cache; ``workers > 0`` runs cache misses in processes.

    Workers are started with the ``spawn`` method (safe beside threads) and warmed up at once,
    so the first batch does not pay for it. Call ``close()`` (or use ``with``) to stop them.
    """

    def __init__(self, workers: int = 0, cache_size: int = 200_000, chunk: int = 500) -> None:
        self.workers, self.cache_size, self.chunk = workers, cache_size, chunk
        self._cache: dict[TextKey, Analysis] = {}
        self._local = _Analyzer() if workers == 0 else None
        self._pool: ProcessPoolExecutor | None = None
        if workers:
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
            )
            list(self._pool.map(_analyze_in_worker, [[("warm up", ())]] * workers))

    def analyze(self, keys: Sequence[TextKey]) -> list[Analysis]:
        """One ``Analysis`` per key, in order."""
        cache = self._cache
        missing = list({k: None for k in keys if k not in cache})
        if missing:
            if len(cache) + len(missing) > self.cache_size:
                cache.clear()  # cheap and good enough: hot texts come back within a batch or two
            for key, result in zip(missing, self._compute(missing), strict=True):
                cache[key] = result
        return [cache[k] for k in keys]

    def _compute(self, keys: list[TextKey]) -> list[Analysis]:
        if self._pool is None:
            assert self._local is not None
            return self._local(keys)
        chunks = [keys[i : i + self.chunk] for i in range(0, len(keys), self.chunk)]
        return [a for part in self._pool.map(_analyze_in_worker, chunks) for a in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> TextAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
