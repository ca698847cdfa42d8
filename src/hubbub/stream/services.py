"""The three Kafka services of distributed mode: produce, enrich and sink.

    source ──► `tweets` ──► enrich ──► `tweets.enriched` ──► sink ──► store
                  └────────────┴──── invalid ──► `tweets.dlq` ──► sink ──► store's dead letters

They run the same stage steps as the embedded pipeline (``stages.validate_batch`` and
``stages.enrich_batch``). Delivery is at-least-once: the enricher commits a batch of ``tweets``
only after its enriched posts (and dead letters) are acknowledged by the broker, the sink commits
only after ``store.write`` returned, and the store drops ids it already has. SIGTERM/SIGINT stops
consuming, finishes the batch in flight, commits and leaves the group; a restarted service resumes
from the committed offsets.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import orjson
from confluent_kafka import Message
from pydantic import ValidationError

from hubbub.config import Settings
from hubbub.enrich.enricher import Enricher
from hubbub.metrics import (
    DEAD_LETTERS,
    DUPLICATES,
    FRESHNESS,
    LAST_INGEST,
    POSTS_IN,
    POSTS_OUT,
)
from hubbub.models import DeadLetter, EnrichedPost
from hubbub.sources.base import Source, paced
from hubbub.store.base import Store
from hubbub.stream.freshness import FreshnessSamples
from hubbub.stream.kafka import (
    KafkaEnvelope,
    KafkaPublisher,
    KafkaTopic,
    dead_letter_headers,
    ensure_topics,
    kafka_config,
)
from hubbub.stream.kafka_arrow import enriched_table
from hubbub.stream.kafka_metrics import Throughput, observe_many
from hubbub.stream.stages import enrich_batch, validate_batch
from hubbub.stream.transport import Envelope
from hubbub.stream.validate import MAX_MESSAGE_BYTES, reason_kind

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 10.0
# a dead letter with its raw bytes, source topic and partition (the offset is in the letter)
Letter = tuple[DeadLetter, bytes, str | None, int | None]


class StopFlag:
    """Set by SIGTERM/SIGINT (or by code): the service finishes its batch, commits and exits.
    A second signal stops at once (``KeyboardInterrupt``)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def install(self) -> StopFlag:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        return self

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._event.is_set():
            raise KeyboardInterrupt
        log.info("signal %d: finishing the batch in flight, then stopping", signum)
        self._event.set()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass
class ServiceStats:
    service: str
    consumed: int = 0  # messages taken from the input topic(s)
    passed: int = 0  # posts passed on (produced downstream, or newly stored)
    duplicates: int = 0  # sink: already stored (redelivery)
    dead_letters: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)
    freshness: FreshnessSamples = field(default_factory=FreshnessSamples)

    def freshness_quantile(self, q: float) -> float | None:
        """Post-weighted quantile of freshness, in seconds."""
        return self.freshness.quantile(q)

    def summary(self) -> dict[str, object]:
        elapsed = time.monotonic() - self.started
        return {
            "service": self.service,
            "consumed": self.consumed,
            "passed": self.passed,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
            "batches": self.batches,
            "seconds": round(elapsed, 3),
            "freshness_p50_s": self.freshness_quantile(0.5),
            "freshness_p99_s": self.freshness_quantile(0.99),
        }


class _Progress:
    def __init__(self, stats: ServiceStats) -> None:
        self.stats, self._next = stats, time.monotonic() + PROGRESS_EVERY_S
        self.throughput = Throughput(stats.service)

    def tick(self, n: int) -> None:
        self.throughput.add(n)
        now = time.monotonic()
        if now >= self._next:
            s, self._next = self.stats, now + PROGRESS_EVERY_S
            rate = s.passed / max(1e-9, now - s.started)
            log.info("%s: %d in, %d out (%.0f/s), %d dead letters",
                     s.service, s.consumed, s.passed, rate, s.dead_letters)


def _send_dead_letters(
    pub: KafkaPublisher, topic: str, letters: Sequence[Letter]
) -> None:
    """``(letter, raw bytes, source topic, partition)`` → ``tweets.dlq``, raw bytes as value."""
    for letter, raw, src_topic, partition in letters:
        headers = dead_letter_headers(
            letter.reason, letter.stage, src_topic, partition, letter.offset
        )
        pub.send(topic, raw, None, headers=headers)
        DEAD_LETTERS.labels(stage=letter.stage, reason=reason_kind(letter.reason)).inc()


# --- produce -------------------------------------------------------------------------------------
def run_producer(source: Source, settings: Settings, stop: StopFlag) -> ServiceStats:
    """Publish the source's posts to ``tweets`` (key = post id); source dead letters to the DLQ."""
    ensure_topics(settings)
    stats = ServiceStats("produce")
    progress = _Progress(stats)
    pub = KafkaPublisher(kafka_config(settings, "producer"))
    raw = KafkaTopic(settings, settings.kafka_topic_raw, publisher=pub)
    try:
        for batch in paced(source.batches(settings.batch_size), settings.speed):
            if batch.dead_letters:
                letters: list[Letter] = [(d, d.raw.encode(), None, None)
                                         for d in batch.dead_letters]
                _send_dead_letters(pub, settings.kafka_topic_dlq, letters)
                stats.dead_letters += len(letters)
            if batch.posts:
                raw.publish(Envelope(list(batch.posts)))
                stats.passed += len(batch.posts)
                POSTS_OUT.labels(stage="source").inc(len(batch.posts))
                progress.tick(len(batch.posts))
            if stop.is_set():
                log.info("produce: stopping early at %d posts", stats.passed)
                break
        pub.flush()
    finally:
        source.close()
        pub.close()
    log.info("produce: %d posts, %d dead letters, %d delivered",
             stats.passed, stats.dead_letters, pub.delivered)
    return stats


# --- enrich --------------------------------------------------------------------------------------
def enrich_envelope(
    env: KafkaEnvelope, enricher: Enricher, pub: KafkaPublisher, settings: Settings,
    stats: ServiceStats,
) -> int:
    """Validate, enrich and publish one consumed batch (without flushing); returns posts out."""
    msgs = env.messages
    POSTS_IN.labels(stage="enrich").inc(len(msgs))
    # offsets = indices into the batch, so each dead letter finds its message back
    posts, dead = validate_batch(env.items, offsets=range(len(msgs)))
    letters: list[Letter] = []
    bad: set[int] = set()
    for d in dead:
        i = d.offset if d.offset is not None else -1
        m = msgs[i]
        bad.add(i)
        d.offset = m.offset()
        letters.append((d, env.items[i], m.topic(), m.partition()))
    by_id = {p.id: m for p, m in zip(posts, (m for i, m in enumerate(msgs) if i not in bad),
                                        strict=True)}
    enrich_dead: list[DeadLetter] = []
    enriched = enrich_batch(enricher, posts, enrich_dead)
    for d in enrich_dead:
        src = by_id.get(str(orjson.loads(d.raw).get("id", "")))
        d.offset = src.offset() if src is not None else None
        letters.append((d, d.raw.encode(), src.topic() if src else None,
                        src.partition() if src else None))
    pub.send_many(
        settings.kafka_topic_enriched,
        ((p.model_dump_json().encode(), p.id.encode(), by_id[p.id].timestamp()[1])
         for p in enriched),
    )
    _send_dead_letters(pub, settings.kafka_topic_dlq, letters)
    stats.dead_letters += len(letters)
    POSTS_OUT.labels(stage="enrich").inc(len(enriched))
    return len(enriched)


def run_enricher(enricher: Enricher, settings: Settings, stop: StopFlag) -> ServiceStats:
    """Consume ``tweets`` in the enricher group, publish to ``tweets.enriched``, commit after
    the broker acknowledged the whole batch."""
    ensure_topics(settings)
    stats = ServiceStats("enrich")
    progress = _Progress(stats)
    pub = KafkaPublisher(kafka_config(settings, "producer"))
    raw = KafkaTopic(settings, settings.kafka_topic_raw, group=settings.kafka_enrich_group,
                     batch_size=settings.batch_size)
    try:
        while not stop.is_set():
            env = raw.consume(settings.kafka_consume_timeout_s)
            if env is None:
                continue
            out = enrich_envelope(env, enricher, pub, settings, stats)
            pub.flush()  # raises DeliveryFailed: then nothing is committed, the batch comes back
            raw.ack(env)
            stats.consumed += len(env.messages)
            stats.passed += out
            stats.batches += 1
            progress.tick(out)
    finally:
        raw.close()
        pub.close()
    log.info("enrich: %d consumed, %d enriched, %d dead letters",
             stats.consumed, stats.passed, stats.dead_letters)
    return stats


# --- sink ----------------------------------------------------------------------------------------
def _header(headers: Any, name: str) -> str | None:
    for key, value in headers or ():
        if key == name and value is not None:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def _parse_enriched(raw: bytes, offset: int) -> EnrichedPost | DeadLetter:
    text = raw.decode("utf-8", errors="replace")
    if len(raw) > MAX_MESSAGE_BYTES:
        return DeadLetter(stage="sink", reason=f"oversized: {len(raw)} bytes", raw=text[:1000],
                          offset=offset)
    try:
        return EnrichedPost.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "message"
        return DeadLetter(stage="sink", reason=f"invalid enriched post: {where}: {first['msg']}",
                          raw=text, offset=offset)


def _letter_from_dlq(m: Message, raw: bytes) -> DeadLetter:
    h = m.headers()
    offset = _header(h, "offset")
    return DeadLetter(
        stage=_header(h, "stage") or "?",
        reason=_header(h, "reason") or "unknown",
        raw=raw.decode("utf-8", errors="replace")[:MAX_MESSAGE_BYTES],
        source=_header(h, "source_topic") or None,
        offset=int(offset) if offset and offset.lstrip("-").isdigit() else None,
    )


def sink_envelope(
    env: KafkaEnvelope, store: Store, pub: Callable[[], KafkaPublisher], settings: Settings,
    stats: ServiceStats,
) -> None:
    """Write one consumed batch to the store: enriched posts, and the DLQ's dead letters.

    Stores with ``write_arrow`` (DuckDB) get the batch as one Arrow table, checked column-wise
    (``kafka_arrow``); the messages that fail those checks are validated one by one."""
    values: list[bytes] = []
    msgs: list[Message] = []
    stored_letters: list[DeadLetter] = []
    for m, raw in zip(env.messages, env.items, strict=True):
        if m.topic() == settings.kafka_topic_dlq:
            stored_letters.append(_letter_from_dlq(m, raw))
        else:
            values.append(raw)
            msgs.append(m)
    write_arrow = getattr(store, "write_arrow", None)
    table, slow = enriched_table(values) if write_arrow else (None, list(range(len(values))))
    posts: list[EnrichedPost] = []
    invalid: list[Letter] = []
    for i in slow:
        parsed = _parse_enriched(values[i], msgs[i].offset() or -1)
        if isinstance(parsed, EnrichedPost):
            posts.append(parsed)
        else:
            invalid.append((parsed, values[i], msgs[i].topic(), msgs[i].partition()))
    POSTS_IN.labels(stage="sink").inc(len(values) - len(invalid))
    received = inserted = 0
    if table is not None and write_arrow is not None:
        result = write_arrow(table)
        received, inserted = result.received, result.inserted
    if posts:
        result = store.write(posts)
        received, inserted = received + result.received, inserted + result.inserted
    if stored_letters:
        store.write_dead_letters(stored_letters)
    if invalid:
        publisher = pub()
        _send_dead_letters(publisher, settings.kafka_topic_dlq, invalid)
        publisher.flush()
        stats.dead_letters += len(invalid)
    now = time.time()
    _record_freshness(stats, now, [m.timestamp()[1] for m in msgs])
    duplicates = received - inserted
    stats.passed += inserted
    stats.duplicates += duplicates
    DUPLICATES.inc(duplicates)
    POSTS_OUT.labels(stage="sink").inc(inserted)
    LAST_INGEST.set(now)


def _record_freshness(stats: ServiceStats, now: float, stamps: list[int]) -> None:
    """Seconds from entering ``tweets`` (the message timestamp, carried over by the enricher) to
    stored, grouped by 10 ms so a batch adds a few samples, not thousands."""
    groups: dict[float, int] = {}
    for ts in stamps:
        if ts > 0:
            seconds = round(max(0.0, now - ts / 1000), 2)
            groups[seconds] = groups.get(seconds, 0) + 1
    for seconds, n in groups.items():
        stats.freshness.add(seconds, n)
        observe_many(FRESHNESS, seconds, n)


def run_sink(store: Store, settings: Settings, stop: StopFlag) -> ServiceStats:
    """Consume ``tweets.enriched`` (and ``tweets.dlq``) in the sink group, write batches to the
    store, commit after the write returned."""
    ensure_topics(settings)
    stats = ServiceStats("sink")
    progress = _Progress(stats)
    publisher: list[KafkaPublisher] = []

    def pub() -> KafkaPublisher:
        if not publisher:
            publisher.append(KafkaPublisher(kafka_config(settings, "producer")))
        return publisher[0]

    src = KafkaTopic(settings, [settings.kafka_topic_enriched, settings.kafka_topic_dlq],
                     group=settings.kafka_sink_group, batch_size=settings.kafka_sink_batch_size)
    try:
        while not stop.is_set():
            env = src.consume(settings.kafka_consume_timeout_s)
            if env is None:
                continue
            before = stats.passed
            sink_envelope(env, store, pub, settings, stats)
            src.ack(env)
            stats.consumed += len(env.messages)
            stats.batches += 1
            progress.tick(stats.passed - before)
    finally:
        src.close()
        for p in publisher:
            p.close()
    log.info("sink: %d consumed, %d stored, %d duplicates dropped, %d dead letters",
             stats.consumed, stats.passed, stats.duplicates, stats.dead_letters)
    return stats
