"""deploy/clickhouse/kafka_engine.sql for real: ClickHouse's Kafka table engine (on chdb)
consuming topic ``tweets.enriched`` from a Tansu broker into the ClickHouse store.

A few hundred enriched posts (simulator → enricher, as ``hubbub enrich`` publishes them) and one
malformed message go to the topic; the DDL file runs unchanged except for its broker list and
consumer group; the engine must bring every post into ``posts`` (and the rollups), the bad
message into ``dead_letters``, and the store must then answer like the DuckDB store holding
the same posts.

chdb quirks (chdb 4.4, ClickHouse 26.9 engine):
- ``CREATE TABLE … ENGINE = Kafka`` reports ``Code: 49 … Shutdown was called (LOGICAL_ERROR)``
  although the table is created, started and consumes. (Its message-broker pool is fine:
  ``system.server_settings`` shows 0 only until the pool exists; it then has 2 threads, and
  ``background_message_broker_schedule_pool_size`` in a config file does resize it.)
  ``_create_kafka_table`` accepts exactly that error, and only if the table exists afterwards.
- The error comes from the table's startup: reopening a database that holds a Kafka table
  fails (``Load job 'startup table …' failed: … Shutdown was called``), so the table and its
  views are dropped before the store closes (the test then reopens it).
- Tansu delays a consumer's first join by half its ``session.timeout.ms`` (librdkafka's default:
  45 s). ClickHouse takes librdkafka settings only from the server config (``<kafka>``), which
  chdb reads when its engine starts: from ``$HOME/.clickhouse-local/config.xml`` among others.
  The ``short_kafka_sessions`` fixture points HOME at such a file (6 s sessions). If chdb's
  engine is already running in this process, the file is not read and ingestion just takes
  ~25 s longer.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from hubbub.enrich.directory_lookup import DirectoryLookup
from hubbub.enrich.enricher import Enricher
from hubbub.models import EnrichedPost
from hubbub.sources.simulator import WorldCupSimulator
from hubbub.sources.users_pool import UserPool
from hubbub.store.base import Filters, StoreError
from hubbub.store.clickhouse import ClickHouseStore
from hubbub.store.duckdb import DuckDBStore
from tests.kafka_support import TansuBroker
from tests.unit.store.test_clickhouse_store import assert_same

pytestmark = pytest.mark.integration

DDL = Path(__file__).resolve().parents[3] / "deploy" / "clickhouse" / "kafka_engine.sql"
TOPIC = "tweets.enriched"
START = datetime(2022, 12, 9, 6, tzinfo=UTC)
END = datetime(2022, 12, 10, 18, tzinfo=UTC)
MALFORMED = b'{"id": "broken", "created_at": '
INGEST_TIMEOUT_S = 45


def _posts() -> list[EnrichedPost]:
    pool = UserPool(seed=5)
    sim = WorldCupSimulator(seed=5, start=START, end=END, rate=0.02, users=pool)
    return Enricher(DirectoryLookup(pool)).enrich(list(sim.posts()))


def _statements(bootstrap: str, group: str) -> list[str]:
    """The DDL file's three statements, pointed at ``bootstrap`` with consumer group ``group``."""
    text = DDL.read_text(encoding="utf-8")
    text, n_brokers = re.subn(
        r"kafka_broker_list\s*=\s*'[^']*'", f"kafka_broker_list = '{bootstrap}'", text
    )
    text, n_groups = re.subn(
        r"kafka_group_name\s*=\s*'[^']*'", f"kafka_group_name = '{group}'", text
    )
    assert n_brokers == n_groups == 1
    assert f"kafka_topic_list = '{TOPIC}'" in text
    statements = [s for s in re.split(r";\s*$", text, flags=re.M) if _sql_only(s)]
    assert len(statements) == 3
    return statements


def _sql_only(statement: str) -> str:
    return re.sub(r"--[^\n]*", "", statement).strip()


def _create_kafka_table(store: ClickHouseStore, sql: str) -> None:
    try:
        store._ex.command(sql)
    except StoreError as e:  # chdb's spurious error, see the module docstring
        if "Shutdown was called" not in str(e):
            raise
    engines = (
        store._ex.query(
            "SELECT engine FROM system.tables WHERE database = currentDatabase() "
            "AND name = 'posts_kafka'"
        )
        .column("engine")
        .to_pylist()
    )
    assert engines == ["Kafka"], "the Kafka table was not created"


def _produce(bootstrap: str, posts: list[EnrichedPost]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(TOPIC, num_partitions=2)]).values():
        future.result(10)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i, post in enumerate(posts):
        producer.produce(TOPIC, key=post.id, value=post.model_dump_json())
        if i == len(posts) // 2:
            producer.produce(TOPIC, key="broken", value=MALFORMED)
    assert producer.flush(15) == 0


@pytest.fixture
def short_kafka_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """librdkafka ``session.timeout.ms`` = 6000 for the engine's consumers (see the docstring)."""
    home = tmp_path / "home"
    (home / ".clickhouse-local").mkdir(parents=True)
    (home / ".clickhouse-local" / "config.xml").write_text(
        "<clickhouse><kafka><session_timeout_ms>6000</session_timeout_ms></kafka></clickhouse>\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def stores(
    tmp_path: Path, short_kafka_sessions: None
) -> Iterator[tuple[ClickHouseStore, DuckDBStore]]:
    ch, duck = ClickHouseStore.chdb(tmp_path / "ch"), DuckDBStore(tmp_path / "d.duckdb")
    ch.setup()
    duck.setup()
    try:
        yield ch, duck
    finally:
        ch.close()
        duck.close()


def test_kafka_engine_ingests_the_topic(
    stores: tuple[ClickHouseStore, DuckDBStore], tmp_path: Path
) -> None:
    ch, duck = stores
    posts = _posts()
    assert 200 <= len(posts) <= 1_000
    assert len({p.id for p in posts}) == len(posts)
    assert any(p.country_code for p in posts)
    expected_ids = sorted(p.id for p in posts)

    with TansuBroker(log_path=tmp_path / "tansu.log") as bootstrap:
        _produce(bootstrap, posts)
        table, *views = _statements(bootstrap, f"hubbub-clickhouse-{uuid.uuid4().hex[:6]}")
        try:
            _create_kafka_table(ch, table)
            for sql in views:
                ch._ex.command(sql)

            deadline = time.monotonic() + INGEST_TIMEOUT_S
            while True:
                stats = ch.stats()
                if stats["posts"] >= len(posts) and stats["dead_letters"] >= 1:
                    break
                if time.monotonic() > deadline:
                    consumers = ch._ex.query("SELECT * FROM system.kafka_consumers").to_pylist()
                    pytest.fail(f"after {INGEST_TIMEOUT_S} s: {stats}; consumers: {consumers}")
                time.sleep(0.5)
        finally:
            # a database holding a Kafka table cannot be reopened in chdb: drop it first
            for name in ("posts_kafka_mv", "posts_kafka_errors_mv"):
                ch._ex.command(f"DROP VIEW IF EXISTS {name}")
            ch._ex.command("DROP TABLE IF EXISTS posts_kafka")

    assert sorted(ch.post_ids()) == expected_ids
    assert ch.stats()["posts"] == len(posts)  # each message once (no redelivery here)
    (letter,) = ch._ex.query("SELECT stage, reason, raw, source FROM dead_letters").to_pylist()
    assert letter["stage"] == "clickhouse_kafka"
    assert letter["raw"] == MALFORMED.decode()
    assert letter["reason"] and letter["source"].startswith(f"{TOPIC}/")

    duck.write(posts)
    assert sorted(duck.post_ids()) == expected_ids
    for f in (Filters(), Filters(country="ar"), Filters(team="argentina"), Filters(keyword="goal")):
        for query in (
            "counts_per_day",
            "counts_per_country",
            "sentiment_by_country",
            "sentiment_by_team",
            "busiest_day",
        ):
            assert_same(getattr(ch, query)(f), getattr(duck, query)(f), f"{query} {f!r}")
        assert_same(ch.top_hashtags(10, f), duck.top_hashtags(10, f), f"top_hashtags {f!r}")
    assert ch.counts_per_country()  # countries resolved, so the comparison above means something

    # without the Kafka table, the database reopens (chdb) with everything in it
    ch.close()
    ch.setup()
    assert sorted(ch.post_ids()) == expected_ids
    assert ch.stats()["dead_letters"] == 1
