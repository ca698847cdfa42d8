"""Producer, enricher and sink as separate OS processes on a real Kafka-protocol broker (Tansu):
every produced post is stored exactly once, and SIGTERM drains and exits cleanly."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.kafka_support import (
    Service,
    expected_sim_ids,
    kafka_env,
    settings_from,
    sim_args,
    stored_ids,
    users_endpoint,
    wait_pipeline_done,
)

pytestmark = pytest.mark.integration
SEED, DAY, RATE = 7, "2022-12-18", 2.5  # 111,647 posts


def test_three_services_store_exactly_the_produced_posts(kafka_bootstrap: str, tmp_path: Path):
    with ThreadPoolExecutor(1) as pool, users_endpoint(tmp_path, SEED) as users_url:
        expected = pool.submit(expected_sim_ids, SEED, DAY, RATE)
        store = tmp_path / "sink.duckdb"
        env = kafka_env(kafka_bootstrap, users_base_url=users_url, store_path=store)
        settings = settings_from(env)
        enricher = Service("enrich", env, tmp_path / "enrich.log").start()
        sink = Service("sink", env, tmp_path / "sink.log").start()
        producer = Service("produce", env, tmp_path / "produce.log", *sim_args(SEED, DAY, RATE))
        try:
            assert producer.start().wait(120) == 0, producer.log()
            on_tweets, on_enriched = wait_pipeline_done(kafka_bootstrap, settings, timeout=240)
        finally:
            codes = (enricher.stop(), sink.stop())
        assert codes == (0, 0), enricher.log()[-3000:] + sink.log()[-3000:]
        want = expected.result()

    assert len(want) >= 100_000
    assert on_tweets == len(want) and on_enriched >= len(want)
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == len(want)
    assert set(ids) == want
    summary = json.loads(Path(f"{store}.sink-last-run.json").read_text())
    assert summary["passed"] == len(want) and summary["freshness_p99_s"] is not None
    assert "finishing the batch in flight" in sink.log()
