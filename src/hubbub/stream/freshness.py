"""Freshness samples: seconds from a post entering the stream to being queryable, per batch."""

from __future__ import annotations

from collections import deque


class FreshnessSamples:
    """A bounded window of (seconds, posts) samples with post-weighted quantiles."""

    def __init__(self, maxlen: int = 200_000) -> None:
        self._samples: deque[tuple[float, int]] = deque(maxlen=maxlen)

    def add(self, seconds: float, posts: int) -> None:
        self._samples.append((seconds, posts))

    def __len__(self) -> int:
        return len(self._samples)

    def quantile(self, q: float) -> float | None:
        """The freshness that a share ``q`` of the posts met (None before any sample)."""
        samples = sorted(self._samples)
        total = sum(n for _, n in samples)
        if not total:
            return None
        rank, seen = q * total, 0
        for seconds, n in samples:
            seen += n
            if seen >= rank:
                return seconds
        return samples[-1][0]
