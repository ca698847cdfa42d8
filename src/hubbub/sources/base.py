"""The source interface: a finite iterator of batches of posts, plus time-scaled pacing."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from hubbub.models import DeadLetter, Post

# Posts due within this many wall-clock seconds of "now" go out together; beyond it, paced()
# yields what is due and sleeps. Small enough to look smooth, large enough to keep batches.
PACING_TICK = 0.02


@dataclass(slots=True)
class SourceBatch:
    """What a source hands on in one step: valid posts and the messages it could not read."""

    posts: list[Post]
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.posts)


class Source(ABC):
    """A finite source of posts, in event-time order where the source has one."""

    name: str

    @abstractmethod
    def batches(self, size: int) -> Iterator[SourceBatch]:
        """Yield batches of at most ``size`` posts until the source is exhausted."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release files, connections…; the default has nothing to release."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def paced(
    batches: Iterator[SourceBatch],
    speed: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[SourceBatch]:
    """Replay ``batches`` in scaled event time: ``speed`` event seconds per wall-clock second.

    The first post anchors event time to the wall clock; each later post is released when
    ``(created_at - first created_at) / speed`` seconds have passed. Batches are split so that
    posts come out as they fall due (at a granularity of :data:`PACING_TICK`), not in bursts
    of a whole batch. Posts already due (the consumer is behind, or the source is not ordered)
    go out at once, with no catching-up burst being held back. ``speed <= 0`` means as fast as
    possible: batches pass through unchanged. Dead letters travel with the next output.
    """
    if speed <= 0:
        yield from batches
        return
    anchor: tuple[datetime, float] | None = None
    for batch in batches:
        pending: list[Post] = []
        dead = list(batch.dead_letters)
        for post in batch.posts:
            if anchor is None:
                anchor = (post.created_at, clock())
            due = anchor[1] + (post.created_at - anchor[0]).total_seconds() / speed
            wait = due - clock()
            if wait > PACING_TICK:
                if pending or dead:
                    yield SourceBatch(pending, dead)
                    pending, dead = [], []
                    wait = due - clock()
                if wait > 0:
                    sleep(wait)
            pending.append(post)
        if pending or dead:
            yield SourceBatch(pending, dead)
