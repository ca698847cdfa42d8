"""Prometheus metrics of the Kafka services: messages in/out, delivery outcomes, lag, throughput.

Lag comes from librdkafka's statistics (``statistics.interval.ms``): per assigned partition, the
high watermark minus the consumer's committed offset. Each service serves these on
``--metrics-port`` (``HUBBUB_KAFKA_METRICS_PORT``) next to the shared stage metrics.
"""

from __future__ import annotations

import json
import logging
import time
from bisect import bisect_left

from prometheus_client import Counter, Gauge, Histogram

log = logging.getLogger(__name__)

MESSAGES_CONSUMED = Counter(
    "hubbub_kafka_messages_consumed_total", "Messages consumed from a topic", ["topic"]
)
MESSAGES_PRODUCED = Counter(
    "hubbub_kafka_messages_produced_total", "Messages handed to the producer", ["topic"]
)
DELIVERIES = Counter(
    "hubbub_kafka_deliveries_total", "Producer delivery reports by outcome", ["topic", "outcome"]
)  # outcome: ok, failed
COMMITS = Counter(
    "hubbub_kafka_commits_total", "Offset commits by outcome", ["group", "outcome"]
)  # outcome: ok, failed
CONSUMER_LAG = Gauge(
    "hubbub_kafka_consumer_lag_messages",
    "High watermark minus committed offset, per partition (from librdkafka statistics)",
    ["group", "topic", "partition"],
)
THROUGHPUT = Gauge(
    "hubbub_kafka_throughput_posts_per_second",
    "Posts a service processed per second, over its last reporting window",
    ["service"],
)


def lag_from_stats(stats_json: str) -> dict[tuple[str, int], int]:
    """Per (topic, partition) lag from a librdkafka statistics document: high watermark minus
    committed offset, for the partitions this consumer fetches (librdkafka's own
    ``consumer_lag`` when nothing is committed yet)."""
    stats = json.loads(stats_json)
    lags: dict[tuple[str, int], int] = {}
    for topic, t in (stats.get("topics") or {}).items():
        for pid, p in (t.get("partitions") or {}).items():
            partition, hi = int(pid), p.get("hi_offset", -1)
            if partition < 0 or hi < 0 or p.get("fetch_state") in ("none", "stopped"):
                continue
            committed = p.get("committed_offset", -1)
            lag = hi - committed if committed >= 0 else p.get("consumer_lag", -1)
            if lag >= 0:
                lags[(topic, partition)] = int(lag)
    return lags


def stats_callback(group: str):  # type: ignore[no-untyped-def]
    """A ``stats_cb`` for a consumer of ``group`` that updates :data:`CONSUMER_LAG`."""

    def on_stats(stats_json: str) -> None:
        try:
            for (topic, partition), lag in lag_from_stats(stats_json).items():
                CONSUMER_LAG.labels(group=group, topic=topic, partition=str(partition)).set(lag)
        except (ValueError, TypeError, AttributeError):
            log.debug("unreadable librdkafka statistics", exc_info=True)

    return on_stats


class Throughput:
    """Counts posts and sets :data:`THROUGHPUT` once per ``window_s``; also keeps the total."""

    def __init__(self, service: str, window_s: float = 5.0) -> None:
        self._gauge = THROUGHPUT.labels(service=service)
        self.window_s = window_s
        self.total = 0
        self._count = 0
        self._since = time.monotonic()

    def add(self, n: int) -> None:
        self.total += n
        self._count += n
        now = time.monotonic()
        if now - self._since >= self.window_s:
            self._gauge.set(self._count / (now - self._since))
            self._count, self._since = 0, now


def observe_many(histogram: Histogram, value: float, n: int) -> None:
    """``histogram.observe(value)`` ``n`` times, in O(1) when the client library allows."""
    buckets = getattr(histogram, "_buckets", None)
    bounds = getattr(histogram, "_upper_bounds", None)
    total = getattr(histogram, "_sum", None)
    if buckets is None or bounds is None or total is None:
        for _ in range(n):
            histogram.observe(value)
        return
    buckets[bisect_left(bounds, value)].inc(n)
    total.inc(value * n)
