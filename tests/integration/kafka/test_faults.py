"""Crashes and scale-out: kill -9 the enricher and the sink at random moments, restart them, and
nothing is lost or stored twice; two sink replicas in one group share the partitions."""

from __future__ import annotations

import random
import re
import time
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


def test_kill_9_enricher_and_sink_loses_and_duplicates_nothing(
    kafka_bootstrap: str, tmp_path: Path
):
    seed, day, rate = 11, "2022-12-10", 1.5  # ~30k posts, produced over ~20 s
    rng = random.Random(5)
    with ThreadPoolExecutor(1) as pool, users_endpoint(tmp_path, seed) as users_url:
        expected = pool.submit(expected_sim_ids, seed, day, rate)
        store = tmp_path / "sink.duckdb"
        env = kafka_env(kafka_bootstrap, users_base_url=users_url, store_path=store,
                        batch_size=500, kafka_sink_batch_size=2000)
        settings = settings_from(env)
        services = {
            "enrich": Service("enrich", env, tmp_path / "enrich.log").start(),
            "sink": Service("sink", env, tmp_path / "sink.log").start(),
        }
        producer = Service("produce", env, tmp_path / "produce.log",
                           *sim_args(seed, day, rate, speed=86_400 / 20)).start()
        kills: list[str] = []
        try:
            time.sleep(6)  # let both join their groups and start working
            while producer.alive or len(kills) < 6:
                time.sleep(rng.uniform(1.0, 3.0))
                victim = rng.choice(sorted(services))
                services[victim].kill9()
                kills.append(victim)
                time.sleep(rng.uniform(0.0, 1.0))
                services[victim].start()
            assert producer.wait(120) == 0, producer.log()

            def restart_dead() -> None:
                for s in services.values():
                    if not s.alive:
                        s.start()

            on_tweets, on_enriched = wait_pipeline_done(kafka_bootstrap, settings, 240,
                                                        restart_dead)
        finally:
            codes = [s.stop() for s in services.values()]
        assert codes == [0, 0]
        want = expected.result()

    assert {"enrich", "sink"} <= set(kills) and len(kills) >= 6
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)), "a post was stored twice"
    assert set(ids) == want, f"lost {len(want - set(ids))}, unexpected {len(set(ids) - want)}"
    assert on_tweets == len(want)
    # the crashes did cause redelivery (more enriched messages than posts), absorbed by the store
    assert on_enriched >= len(want)


def _assigned(log: str) -> bool:
    return bool(re.search(r"assigned tweets", log))


def test_two_sink_replicas_share_the_partitions(kafka_bootstrap: str, tmp_path: Path):
    """DuckDB allows one process per file, so each replica writes its own file; together they
    must hold exactly the produced posts, each post in one file only (a stable group: no
    rebalance while data flows), and both must have done part of the work."""
    seed, day, rate = 13, "2022-12-06", 1.0
    with ThreadPoolExecutor(1) as pool, users_endpoint(tmp_path, seed) as users_url:
        expected = pool.submit(expected_sim_ids, seed, day, rate)
        env = kafka_env(kafka_bootstrap, users_base_url=users_url)
        settings = settings_from(env)
        stores = [tmp_path / "sink-a.duckdb", tmp_path / "sink-b.duckdb"]
        sinks = [Service("sink", env, tmp_path / f"sink-{i}.log", "--store", str(p)).start()
                 for i, p in enumerate(stores)]
        enricher = Service("enrich", env, tmp_path / "enrich.log").start()
        try:
            deadline = time.monotonic() + 60
            while not all(_assigned(s.log()) for s in sinks):
                assert time.monotonic() < deadline, "the sinks did not join their group"
                time.sleep(0.2)
            time.sleep(2)
            producer = Service("produce", env, tmp_path / "produce.log",
                               *sim_args(seed, day, rate)).start()
            assert producer.wait(120) == 0, producer.log()
            wait_pipeline_done(kafka_bootstrap, settings, 240)
        finally:
            codes = [s.stop() for s in (*sinks, enricher)]
        assert codes == [0, 0, 0]
        want = expected.result()

    a, b = (set(stored_ids(p)) for p in stores)
    assert a and b, f"one replica did nothing: {len(a)} / {len(b)}"
    assert a | b == want
    assert not a & b, f"{len(a & b)} posts stored by both replicas"
