"""Kafka transport (confluent-kafka): the same ``Topic`` interface as the in-memory one.

On the wire a message is the JSON of a ``Post`` (topic ``tweets``) or an ``EnrichedPost`` (topic
``tweets.enriched``), keyed by the post id. Consumers take batches with
``consume(num_messages, timeout)`` and never auto-commit: ``ack(envelope)`` commits the batch's
offsets once its effects are durable downstream, so a crash means redelivery, never loss (the
store drops what it already has). Works with any Kafka-protocol broker: Apache Kafka, Confluent
Cloud (SASL_SSL + PLAIN/SCRAM), Redpanda, Tansu.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from pydantic import BaseModel

from hubbub.config import Settings
from hubbub.stream.kafka_metrics import (
    COMMITS,
    DELIVERIES,
    MESSAGES_CONSUMED,
    MESSAGES_PRODUCED,
    stats_callback,
)
from hubbub.stream.transport import Envelope, Topic

log = logging.getLogger(__name__)
Role = Literal["producer", "consumer", "admin"]
Header = tuple[str, bytes]


class DeliveryFailed(RuntimeError):
    """Some messages were not acknowledged by the broker: their batch must not be committed."""


def kafka_config(
    settings: Settings, role: Role, *, group_id: str | None = None
) -> dict[str, Any]:
    """The librdkafka configuration for ``role``, from ``settings`` (the one place that knows).

    Plain local brokers use PLAINTEXT; Confluent Cloud uses ``SASL_SSL`` with ``PLAIN`` (API key
    and secret as username/password); SCRAM-SHA-256/512 work the same way.
    """
    s = settings
    conf: dict[str, Any] = {
        "bootstrap.servers": s.kafka_bootstrap_servers,
        "client.id": s.kafka_client_id,
        "security.protocol": s.kafka_security_protocol,
    }
    if s.kafka_security_protocol.startswith("SASL"):
        if not s.kafka_username or s.kafka_password is None:
            raise ValueError(
                f"security protocol {s.kafka_security_protocol} needs HUBBUB_KAFKA_USERNAME and "
                "HUBBUB_KAFKA_PASSWORD (Confluent Cloud: the API key and secret)"
            )
        conf["sasl.mechanisms"] = s.kafka_sasl_mechanism
        conf["sasl.username"] = s.kafka_username
        conf["sasl.password"] = s.kafka_password.get_secret_value()
    if s.kafka_ssl_ca_location and s.kafka_security_protocol.endswith("SSL"):
        conf["ssl.ca.location"] = s.kafka_ssl_ca_location
    if role == "producer":
        conf.update(
            {
                "enable.idempotence": True,  # implies acks=all and ordered retries
                "acks": "all",
                "compression.type": "lz4",
                "linger.ms": 5,
                "batch.num.messages": 10_000,
                "queue.buffering.max.messages": 500_000,
                "queue.buffering.max.kbytes": 256 * 1024,
                "message.timeout.ms": 120_000,
            }
        )
    elif role == "consumer":
        if not group_id:
            raise ValueError("a consumer needs a group id")
        conf.update(
            {
                "group.id": group_id,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": s.kafka_session_timeout_ms,
                "heartbeat.interval.ms": max(500, s.kafka_session_timeout_ms // 6),
                "max.poll.interval.ms": 300_000,
                "statistics.interval.ms": 5_000,
                "queued.min.messages": 20_000,
            }
        )
    return conf


def ensure_topics(settings: Settings, topics: Iterable[str] | None = None) -> dict[str, int]:
    """Create the topics that are missing, with the configured partitions; returns
    ``{topic: partitions}`` of every wanted topic as the broker reports it."""
    wanted = list(topics or _all_topics(settings))
    admin = AdminClient(kafka_config(settings, "admin"))
    existing = admin.list_topics(timeout=10).topics
    missing = [t for t in wanted if t not in existing]
    if missing:
        futures = admin.create_topics(
            [
                NewTopic(t, settings.kafka_partitions, settings.kafka_replication_factor)
                for t in missing
            ],
            operation_timeout=10,
        )
        for topic, future in futures.items():
            try:
                future.result()
                log.info("created topic %s (%d partitions)", topic, settings.kafka_partitions)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
        existing = admin.list_topics(timeout=10).topics
    return {t: len(existing[t].partitions) for t in wanted if t in existing}


def _all_topics(settings: Settings) -> list[str]:
    return [settings.kafka_topic_raw, settings.kafka_topic_enriched, settings.kafka_topic_dlq]


class KafkaPublisher:
    """An idempotent producer that counts delivery reports; ``flush`` raises if any failed."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._producer = Producer(config)
        self.delivered = 0
        self.failed = 0
        self._failed_since_flush = 0
        self._first_error: KafkaError | None = None
        self._counters: dict[str, tuple[Any, Any, Any]] = {}

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        ok, failed, _ = self._topic_counters(msg.topic() or "?")
        if err is None:
            self.delivered += 1
            ok.inc()
        else:
            self.failed += 1
            self._failed_since_flush += 1
            self._first_error = self._first_error or err
            failed.inc()

    def _topic_counters(self, topic: str) -> tuple[Any, Any, Any]:
        c = self._counters.get(topic)
        if c is None:
            c = self._counters[topic] = (
                DELIVERIES.labels(topic=topic, outcome="ok"),
                DELIVERIES.labels(topic=topic, outcome="failed"),
                MESSAGES_PRODUCED.labels(topic=topic),
            )
        return c

    def send(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        *,
        timestamp: int = 0,
        headers: Sequence[Header] | None = None,
    ) -> None:
        """Queue one message; waits (serving delivery reports) while the local queue is full."""
        while True:
            try:
                self._producer.produce(
                    topic,
                    value,
                    key,
                    on_delivery=self._on_delivery,
                    timestamp=timestamp,
                    headers=list(headers) if headers else None,
                )
                break
            except BufferError:
                self._producer.poll(0.05)
        self._topic_counters(topic)[2].inc()

    def send_many(self, topic: str, messages: Iterable[tuple[bytes, bytes | None, int]]) -> int:
        """Queue ``(value, key, timestamp_ms)`` messages; returns how many."""
        produce, on_delivery, n = self._producer.produce, self._on_delivery, 0
        for value, key, ts in messages:
            while True:
                try:
                    produce(topic, value, key, on_delivery=on_delivery, timestamp=ts)
                    break
                except BufferError:
                    self._producer.poll(0.05)
            n += 1
            if n % 1000 == 0:
                self._producer.poll(0)
        self._producer.poll(0)
        self._topic_counters(topic)[2].inc(n)
        return n

    def poll(self, timeout: float = 0.0) -> None:
        self._producer.poll(timeout)

    def flush(self, timeout: float = 120.0) -> None:
        """Wait until every queued message is acknowledged; raise ``DeliveryFailed`` otherwise."""
        left = self._producer.flush(timeout)
        failed, self._failed_since_flush = self._failed_since_flush, 0
        if left or failed:
            err, self._first_error = self._first_error, None
            raise DeliveryFailed(f"{failed} message(s) failed, {left} undelivered; first: {err}")

    def close(self, timeout: float = 30.0) -> None:
        left = self._producer.flush(timeout)
        if left:
            log.warning("closing the producer with %d undelivered message(s)", left)


@dataclass(slots=True)
class KafkaEnvelope(Envelope[bytes]):
    """A consumed batch: ``items`` are the raw values, ``messages`` the Kafka messages."""

    messages: list[Message] = field(default_factory=list)

    def offsets_to_commit(self) -> list[TopicPartition]:
        """The next offset of each (topic, partition) in the batch."""
        last: dict[tuple[str, int], int] = {}
        for m in self.messages:
            key = (m.topic() or "", m.partition() or 0)
            off = m.offset() or 0
            if off > last.get(key, -1):
                last[key] = off
        return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]


def _to_bytes(item: Any) -> tuple[bytes, bytes | None]:
    if isinstance(item, BaseModel):
        return item.model_dump_json().encode(), str(getattr(item, "id", "")).encode() or None
    if isinstance(item, str):
        return item.encode(), None
    return bytes(item), None


class KafkaTopic(Topic[Any]):
    """One Kafka topic seen as a ``Topic``: publish posts (JSON, key = id), consume raw batches.

    A topic object is either a producer side (``publisher`` given) or a consumer side
    (``group`` given); a service uses one of each.
    """

    def __init__(
        self,
        settings: Settings,
        name: str | Sequence[str],
        *,
        group: str | None = None,
        publisher: KafkaPublisher | None = None,
        batch_size: int = 2_000,
    ) -> None:
        names = [name] if isinstance(name, str) else list(name)
        self.name = names[0]
        self.group = group
        self.batch_size = batch_size
        self.publisher = publisher
        self.consumer: Consumer | None = None
        self._consumed = {n: MESSAGES_CONSUMED.labels(topic=n) for n in names}
        if group is not None:
            conf = kafka_config(settings, "consumer", group_id=group)
            conf["stats_cb"] = stats_callback(group)
            self.consumer = Consumer(conf)
            self.consumer.subscribe(names, on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("%s: assigned %s", self.group, _describe(partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # every batch is committed before the next consume(), so nothing is in flight here
        log.info("%s: revoked %s", self.group, _describe(partitions))

    def publish(self, envelope: Envelope[Any]) -> None:
        if self.publisher is None:
            raise RuntimeError(f"topic {self.name!r} was opened for consuming only")
        ts = int(envelope.entered_at * 1000)
        self.publisher.send_many(
            self.name, ((v, k, ts) for v, k in map(_to_bytes, envelope.items))
        )

    def consume(self, timeout: float) -> KafkaEnvelope | None:
        if self.consumer is None:
            raise RuntimeError(f"topic {self.name!r} was opened for publishing only")
        batch = self.consumer.consume(self.batch_size, timeout)
        if not batch:
            return None
        messages: list[Message] = []
        for m in batch:
            err = m.error()
            if err is None:
                messages.append(m)
            elif err.code() != KafkaError._PARTITION_EOF:
                if err.fatal():
                    raise KafkaException(err)
                log.warning("%s: consumer error: %s", self.group, err)
        if not messages:
            return None
        for m in messages:
            self._consumed[m.topic() or self.name].inc()
        stamps = [m.timestamp()[1] for m in messages]
        first = min((s for s in stamps if s > 0), default=int(time.time() * 1000))
        return KafkaEnvelope(
            [m.value() or b"" for m in messages],
            entered_at=first / 1000,
            offset=messages[0].offset() or 0,
            messages=messages,
        )

    def ack(self, envelope: Envelope[Any]) -> None:
        """Commit the batch's offsets synchronously. A failed commit (e.g. the partition was
        reassigned meanwhile) is logged: the batch will be redelivered and deduplicated."""
        if self.consumer is None or not isinstance(envelope, KafkaEnvelope):
            return
        offsets = envelope.offsets_to_commit()
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
            COMMITS.labels(group=self.group, outcome="ok").inc()
        except KafkaException as exc:
            COMMITS.labels(group=self.group, outcome="failed").inc()
            log.warning("%s: commit of %s failed (%s); the batch will be redelivered",
                        self.group, _describe(offsets), exc.args[0])

    def close(self) -> None:
        if self.consumer is not None:
            self.consumer.close()  # leaves the group at once: its partitions move on
            self.consumer = None
        if self.publisher is not None:
            self.publisher.flush()


def _describe(partitions: Sequence[TopicPartition]) -> str:
    return ", ".join(f"{p.topic}[{p.partition}]@{p.offset}" for p in partitions) or "nothing"


def dead_letter_headers(
    reason: str, stage: str, topic: str | None, partition: int | None, offset: int | None
) -> list[Header]:
    """The headers of a message on ``tweets.dlq``: why, where, and where it came from."""
    return [
        ("reason", reason[:1000].encode()),
        ("stage", stage.encode()),
        ("source_topic", (topic or "").encode()),
        ("partition", str(-1 if partition is None else partition).encode()),
        ("offset", str(-1 if offset is None else offset).encode()),
    ]
