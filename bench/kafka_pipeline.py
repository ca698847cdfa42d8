"""The three-service Kafka pipeline on Tansu next to the embedded pipeline, in one run.

    uv run python bench/kafka_pipeline.py [--posts 200000] [--rate 10000] [--seconds 15]
                                          [--enrichers 1] [--partitions 4]

Kafka: `hubbub enrich` and `hubbub sink` run as OS processes (as in production) against a Tansu
broker; this script is the load generator on topic `tweets` (pre-serialised posts, as fast as the
broker takes them, or at a fixed rate), so the figures are those of the pipeline, not of a source.
posts/s = posts / (first post produced → last post stored, from the store's ``ingested_at``);
freshness = produced on `tweets` → written to the store (the sink's own measure). The embedded
pipeline gets the same posts. Prints one table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from hubbub.api.app import create_app  # noqa: E402
from hubbub.enrich.enricher import Enricher  # noqa: E402
from hubbub.enrich.users import MemoryUserCache, UserLookupClient  # noqa: E402
from hubbub.models import Post  # noqa: E402
from hubbub.sources.memory import ListSource  # noqa: E402
from hubbub.sources.simulator import WorldCupSimulator  # noqa: E402
from hubbub.sources.users_pool import UserPool  # noqa: E402
from hubbub.store.duckdb import DuckDBStore  # noqa: E402
from hubbub.stream.kafka import KafkaPublisher, ensure_topics, kafka_config  # noqa: E402
from hubbub.stream.pipeline import EmbeddedPipeline  # noqa: E402
from tests.kafka_support import (  # noqa: E402
    Service,
    TansuBroker,
    kafka_env,
    settings_from,
    wait_pipeline_done,
)
from tests.support import serve_app  # noqa: E402

Row = tuple[str, float | None, float | None, float | None]


def embedded(posts: list[Post], users_url: str, rate: float, folder: Path) -> Row:
    store = DuckDBStore(folder / f"embedded-{rate}.duckdb")
    store.setup()
    client = UserLookupClient(users_url, cache=MemoryUserCache(max_size=200_000, ttl_s=3600))
    pipeline = EmbeddedPipeline(ListSource(posts, rate, chunk=100), Enricher(client), store,
                                batch_size=2_000, flush_interval_s=0.1 if rate else 0.25)
    t0 = time.perf_counter()
    stats = pipeline.run()
    seconds = time.perf_counter() - t0
    client.close()
    store.close()
    assert stats.stored == len({p.id for p in posts}), "embedded run lost posts"
    return ("embedded", len(posts) / seconds, stats.freshness_quantile(0.5),
            stats.freshness_quantile(0.99))


def _produce(pub: KafkaPublisher, topic: str, values: list[tuple[bytes, bytes]], rate: float
             ) -> None:
    chunk = 100 if rate else 5_000
    t0 = time.monotonic()
    for i in range(0, len(values), chunk):
        if rate:
            time.sleep(max(0.0, t0 + i / rate - time.monotonic()))
        now_ms = int(time.time() * 1000)
        pub.send_many(topic, ((v, k, now_ms) for v, k in values[i : i + chunk]))
    pub.flush()


def kafka(posts: list[Post], bootstrap: str, users_url: str, rate: float, folder: Path,
          enrichers: int, partitions: int) -> Row:
    store = folder / f"kafka-{rate}.duckdb"
    env = kafka_env(bootstrap, users_base_url=users_url, store_path=store,
                    kafka_partitions=partitions, log_level="WARNING")
    settings = settings_from(env)
    ensure_topics(settings)
    services = [Service("enrich", env, folder / f"enrich-{rate}-{i}.log")
                for i in range(enrichers)]
    services.append(Service("sink", env, folder / f"sink-{rate}.log"))
    for s in services:
        s.start()
    values = [(p.model_dump_json().encode(), p.id.encode()) for p in posts]
    pub = KafkaPublisher(kafka_config(settings, "producer"))
    # warm-up: each consumer's first join waits session.timeout/2 on Tansu
    _produce(pub, settings.kafka_topic_raw, values[:1], 0)
    wait_pipeline_done(bootstrap, settings, 120)
    started = time.time()
    _produce(pub, settings.kafka_topic_raw, values[1:], rate)
    wait_pipeline_done(bootstrap, settings, 600)
    for s in services:
        s.stop()
    pub.close()
    summary = json.loads(Path(f"{store}.sink-last-run.json").read_text())
    con = duckdb.connect(str(store), read_only=True)
    n, last = con.execute("SELECT count(DISTINCT id), max(ingested_at) FROM posts").fetchall()[0]
    con.close()
    assert n == len({p.id for p in posts}), f"kafka run stored {n} of {len(posts)}"
    seconds = last.replace(tzinfo=UTC).timestamp() - started
    return (f"kafka ({enrichers} enricher)", (len(posts) - 1) / seconds,
            summary["freshness_p50_s"], summary["freshness_p99_s"])


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--rate", type=float, default=10_000, help="posts/s of the freshness run")
    ap.add_argument("--seconds", type=float, default=15, help="length of the freshness run")
    ap.add_argument("--enrichers", type=int, default=1, help="enricher processes")
    ap.add_argument("--partitions", type=int, default=4)
    args = ap.parse_args()

    users = UserPool(seed=2022)
    sim = WorldCupSimulator(seed=2022, start=datetime(2022, 11, 20, tzinfo=UTC),
                            end=datetime(2022, 12, 19, tzinfo=UTC), rate=3.0, users=users)
    posts: list[Post] = []
    for b in sim.batches(10_000):
        posts.extend(b.posts)
        if len(posts) >= args.posts:
            break
    posts = posts[: args.posts]
    paced = posts[: int(args.rate * args.seconds)]
    print(f"{len(posts):,} simulated posts; freshness runs: {len(paced):,} posts at "
          f"{args.rate:,.0f}/s")

    rows: list[tuple[Row, Row]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        users_store = DuckDBStore(folder / "users.duckdb")
        users_store.setup()
        app = create_app(users_store, users=users, ready=lambda: True)
        with serve_app(app) as users_url, TansuBroker(log_path=folder / "tansu.log") as bs:
            full = embedded(posts, users_url, 0.0, folder)
            steady = embedded(paced, users_url, args.rate, folder)
            rows.append((full, steady))
            full = kafka(posts, bs, users_url, 0.0, folder, args.enrichers, args.partitions)
            steady = kafka(paced, bs, users_url, args.rate, folder, args.enrichers,
                           args.partitions)
            rows.append((full, steady))
        users_store.close()

    print(f"\n{'pipeline':<22} {'posts/s':>10} {'fresh p50':>10} {'fresh p99':>10}"
          f" {'@rate p50':>10} {'@rate p99':>10}")
    for full, steady in rows:
        print(f"{full[0]:<22} {full[1] or 0:>10,.0f} {ms(full[2]):>10} {ms(full[3]):>10} "
              f"{ms(steady[2]):>10} {ms(steady[3]):>10}")
    print(f"\n@rate = {args.rate:,.0f} posts/s offered. Kafka targets: ≥25,000 posts/s, "
          "freshness p99 ≤ 2 s.")


if __name__ == "__main__":
    main()
