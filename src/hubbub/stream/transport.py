"""The transport interface between stages: a topic carrying batches of messages.

A message is either an already-built ``Post`` (trusted in-process sources) or raw bytes that must
be validated at the topic boundary (anything that came from outside). The in-process transport is
``memory.MemoryTopic``; the Kafka transport implements the same interface.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


class TopicClosed(Exception):
    """Raised by ``consume`` once the topic is closed and every batch has been taken."""


@dataclass(slots=True)
class Envelope(Generic[T]):
    """A batch on a topic, with when it entered the stream (for freshness) and its offset."""

    items: list[T]
    entered_at: float = field(default_factory=time.time)  # unix seconds when the batch was made
    offset: int = -1  # position of the batch on its topic (memory: sequence number)


class Topic(ABC, Generic[T]):
    name: str

    @abstractmethod
    def publish(self, envelope: Envelope[T]) -> None:
        """Append a batch; blocks while the topic is full (backpressure)."""

    @abstractmethod
    def consume(self, timeout: float) -> Envelope[T] | None:
        """Next batch, or None after ``timeout`` seconds; raises TopicClosed when drained."""

    @abstractmethod
    def ack(self, envelope: Envelope[T]) -> None:
        """The consumer is done with this batch (its effects are durable downstream)."""

    @abstractmethod
    def close(self) -> None:
        """No more batches will be published; consumers drain what is left."""

    def depth(self) -> int:
        """Batches waiting (best effort; for metrics)."""
        return 0
