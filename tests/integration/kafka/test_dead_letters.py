"""Malformed, invalid and oversized messages on `tweets` go to `tweets.dlq` with reason headers
and their raw bytes; the services keep running and the sink keeps them in the store too."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from hubbub.sources.simulator import WorldCupSimulator
from hubbub.stream.kafka import KafkaPublisher, ensure_topics, kafka_config
from tests.kafka_support import (
    Service,
    kafka_env,
    read_topic,
    settings_from,
    stored_ids,
    users_endpoint,
    wait_pipeline_done,
)

pytestmark = pytest.mark.integration


def _headers(message) -> dict[str, str]:
    return {k: v.decode() for k, v in message.headers() or []}


def test_bad_messages_land_in_the_dlq_and_services_keep_running(
    kafka_bootstrap: str, tmp_path: Path
):
    sim = WorldCupSimulator(seed=3, start=datetime(2022, 11, 21, 12, tzinfo=UTC),
                            end=datetime(2022, 11, 21, 13, tzinfo=UTC))
    posts = [p for b in sim.batches(1000) for p in b.posts][:3000]
    bad = {
        b"{not json": "malformed json",
        b'{"id": "1", "source": "sim"}': "invalid post",
        b'{"id": "2", "source": "sim", "created_at": "2022-12-18T15:00:00Z", "text": "'
        + b"x" * 70_000 + b'", "author_id": "9"}': "oversized",
        b'{"id": "3", "source": "sim", "created_at": "2022-12-18 15:00", "text": "t", '
        b'"author_id": "9"}': "invalid post",
    }
    with users_endpoint(tmp_path, 2022) as users_url:
        store = tmp_path / "sink.duckdb"
        env = kafka_env(kafka_bootstrap, users_base_url=users_url, store_path=store,
                        batch_size=500)
        settings = settings_from(env)
        ensure_topics(settings)
        enricher = Service("enrich", env, tmp_path / "enrich.log").start()
        sink = Service("sink", env, tmp_path / "sink.log").start()
        pub = KafkaPublisher(kafka_config(settings, "producer"))
        try:
            # good posts, the bad messages, then more good posts in later batches
            for part in (posts[:1000], list(bad), posts[1000:]):
                for item in part:
                    value = item if isinstance(item, bytes) else item.model_dump_json().encode()
                    pub.send(settings.kafka_topic_raw, value, b"k")
                pub.flush()
                time.sleep(1.0)
            wait_pipeline_done(kafka_bootstrap, settings, 120)
            assert enricher.alive and sink.alive, "a service stopped on a bad message"
            dlq = read_topic(kafka_bootstrap, settings.kafka_topic_dlq)
        finally:
            codes = (enricher.stop(), sink.stop())
            pub.close()
        assert codes == (0, 0)

    assert sorted(m.value() for m in dlq) == sorted(bad)
    for m in dlq:
        h = _headers(m)
        assert h["reason"].startswith(bad[m.value()]), h
        assert h["stage"] == "enrich"
        assert h["source_topic"] == settings.kafka_topic_raw
        assert int(h["partition"]) >= 0 and int(h["offset"]) >= 0
    assert set(stored_ids(store)) == {p.id for p in posts}
    con = duckdb.connect(str(store), read_only=True)
    reasons = [r[0] for r in con.execute("SELECT reason FROM dead_letters").fetchall()]
    con.close()
    assert len(reasons) >= len(bad)
    assert {r.split(":")[0] for r in reasons} == {"malformed json", "invalid post", "oversized"}
