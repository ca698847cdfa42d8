"""In-process transport: a bounded queue of batches with backpressure and close-then-drain."""

from __future__ import annotations

import queue
import threading
from typing import TypeVar

from hubbub.metrics import QUEUE_DEPTH
from hubbub.stream.transport import Envelope, Topic, TopicClosed

T = TypeVar("T")


class MemoryTopic(Topic[T]):
    """A bounded FIFO of batches: ``publish`` blocks when full, so a slow stage slows its source."""

    def __init__(self, name: str, capacity: int = 8) -> None:
        self.name = name
        self._queue: queue.Queue[Envelope[T]] = queue.Queue(maxsize=capacity)
        self._closed = threading.Event()
        self._seq = 0
        self._lock = threading.Lock()
        self._gauge = QUEUE_DEPTH.labels(queue=name)

    def publish(self, envelope: Envelope[T]) -> None:
        if self._closed.is_set():
            raise TopicClosed(f"topic {self.name!r} is closed")
        with self._lock:
            envelope.offset = self._seq
            self._seq += 1
        self._queue.put(envelope)
        self._gauge.set(self._queue.qsize())

    def consume(self, timeout: float) -> Envelope[T] | None:
        try:
            envelope = self._queue.get(timeout=timeout)
        except queue.Empty:
            if self._closed.is_set() and self._queue.empty():
                raise TopicClosed(self.name) from None
            return None
        self._gauge.set(self._queue.qsize())
        return envelope

    def ack(self, envelope: Envelope[T]) -> None:
        """Nothing to commit in memory: a batch taken is a batch owned by its consumer."""

    def close(self) -> None:
        self._closed.set()

    def depth(self) -> int:
        return self._queue.qsize()
