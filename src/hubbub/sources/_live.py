"""What the live sources (X filtered stream, Bluesky Jetstream) share.

- :class:`ReconnectPolicy` / :class:`Reconnector`: X's documented reconnect backoff. Once an
  established connection drops, reconnect at once; if that fails, back off by the kind of
  failure: network errors linearly (250 ms steps up to 16 s), HTTP errors exponentially (from
  5 s up to 320 s), rate limits (429) exponentially from one minute. Every base delay is a
  parameter, so tests run in milliseconds.
- :func:`batched_in_background`: runs a source's blocking reader (a generator of posts and dead
  letters) in a daemon thread and hands out :class:`SourceBatch` es by size *or* after a short
  time window, so a slow stream still flushes and ``stop()`` is prompt.
- :data:`DISCONNECTS`: the disconnect counter served on ``/metrics``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from prometheus_client import Counter

from hubbub.models import DeadLetter, Post
from hubbub.sources.base import SourceBatch

log = logging.getLogger(__name__)

DISCONNECTS = Counter(
    "hubbub_source_disconnects_total",
    "Live-source connections lost or refused, by source and reason",
    ["source", "reason"],
)

FailureKind = Literal["network", "http", "rate_limit"]
Item = Post | DeadLetter


class Backoff:
    """Delays that grow linearly (``initial, 2*initial, …``) or exponentially
    (``initial, 2*initial, 4*initial, …``), capped at ``maximum``; :meth:`reset` starts over."""

    def __init__(self, initial_s: float, maximum_s: float, *, linear: bool) -> None:
        if initial_s < 0 or maximum_s < 0:
            raise ValueError("backoff delays must be >= 0")
        self.initial_s = initial_s
        self.maximum_s = maximum_s
        self.linear = linear
        self._attempt = 0

    def next(self) -> float:
        self._attempt += 1
        if self.linear:
            delay = self.initial_s * self._attempt
        else:
            delay = self.initial_s * 2 ** min(self._attempt - 1, 32)
        return min(delay, self.maximum_s)

    def reset(self) -> None:
        self._attempt = 0


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Base and maximum delays per kind of failure (X's documented values by default)."""

    network_s: float = 0.25
    network_max_s: float = 16.0
    http_s: float = 5.0
    http_max_s: float = 320.0
    rate_limit_s: float = 60.0
    rate_limit_max_s: float = 960.0

    @classmethod
    def scaled(cls, factor: float) -> ReconnectPolicy:
        """Every delay multiplied by ``factor`` (``scaled(0.001)`` for tests)."""
        d = cls()
        return cls(*(getattr(d, f) * factor for f in cls.__dataclass_fields__))


class Reconnector:
    """One :class:`Backoff` per kind of failure; a healthy connection resets them all."""

    def __init__(self, policy: ReconnectPolicy) -> None:
        self._backoffs: dict[FailureKind, Backoff] = {
            "network": Backoff(policy.network_s, policy.network_max_s, linear=True),
            "http": Backoff(policy.http_s, policy.http_max_s, linear=False),
            "rate_limit": Backoff(policy.rate_limit_s, policy.rate_limit_max_s, linear=False),
        }

    def delay(self, kind: FailureKind) -> float:
        return self._backoffs[kind].next()

    def reset(self) -> None:
        for backoff in self._backoffs.values():
            backoff.reset()


@dataclass(slots=True)
class _Finished:
    error: BaseException | None


def batched_in_background(
    items: Iterator[Item],
    size: int,
    flush_s: float,
    stop: threading.Event,
    *,
    max_posts: int | None = None,
    on_stop: Callable[[], None] | None = None,
    name: str = "source-reader",
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[SourceBatch]:
    """Batches of what ``items`` yields, read in a daemon thread.

    A batch goes out when it holds ``size`` posts, or ``flush_s`` seconds after its first item
    arrived. After ``max_posts`` posts (if given) ``stop`` is set and the iterator ends; an
    exception raised by ``items`` is re-raised here after the pending batch. Leaving the loop
    early (``break``, ``close()``) also sets ``stop``: ``items`` should check it between blocking
    reads and end; ``on_stop`` (e.g. closing a connection) is called then to cut a blocking read
    short.
    """
    if size < 1:
        raise ValueError("batch size must be >= 1")
    handoff: queue.Queue[object] = queue.Queue(maxsize=max(4 * size, 1024))

    def put(obj: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(obj, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        error: BaseException | None = None
        try:
            for item in items:
                if not put(item):
                    break
        except BaseException as exc:  # handed to the consumer, raised there
            error = exc
        finally:
            try:
                items.close()  # type: ignore[attr-defined]
            except Exception:  # closing is best effort
                log.debug("closing the reader failed", exc_info=True)
            try:
                handoff.put(_Finished(error), timeout=1.0)
            except queue.Full:
                pass

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    posts: list[Post] = []
    dead: list[DeadLetter] = []
    total = 0
    deadline: float | None = None
    try:
        while True:
            timeout = 0.1 if deadline is None else max(deadline - clock(), 0.0)
            try:
                obj = handoff.get(timeout=timeout)
            except queue.Empty:
                obj = None
            if isinstance(obj, _Finished):
                if posts or dead:
                    yield SourceBatch(posts, dead)
                if obj.error is not None:
                    raise obj.error
                return
            if isinstance(obj, Post):
                posts.append(obj)
            elif isinstance(obj, DeadLetter):
                dead.append(obj)
            if (posts or dead) and deadline is None:
                deadline = clock() + flush_s
            full = len(posts) >= size or (max_posts is not None and total + len(posts) >= max_posts)
            if full or (deadline is not None and clock() >= deadline):
                total += len(posts)
                yield SourceBatch(posts, dead)
                posts, dead, deadline = [], [], None
                if max_posts is not None and total >= max_posts:
                    return
    finally:
        stop.set()
        if on_stop is not None:
            on_stop()
        thread.join(timeout=2.0)
