"""Posts from memory: for benchmarks and tests that want the pipeline's figures, not a source's."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from hubbub.models import Post
from hubbub.sources.base import Source, SourceBatch


class ListSource(Source):
    """Yields ``posts`` as fast as they are taken, or ``rate`` posts/s in ``chunk``-sized steps."""

    name = "memory"

    def __init__(self, posts: Sequence[Post], rate: float = 0.0, chunk: int = 50) -> None:
        self.posts, self.rate, self.chunk = list(posts), rate, chunk

    def batches(self, size: int) -> Iterator[SourceBatch]:
        step = self.chunk if self.rate else size
        t0 = time.monotonic()
        for i in range(0, len(self.posts), step):
            if self.rate:
                time.sleep(max(0.0, t0 + i / self.rate - time.monotonic()))
            yield SourceBatch(self.posts[i : i + step], [])
