"""Embedded pipeline throughput and freshness, next to a baseline that scores sentiment with the
reference ``vaderSentiment`` per post (everything else identical), in one run.

    uv run python bench/stream.py [--posts 200000] [--rate-test 5000] [--seconds 20]

Prints: end-to-end posts/s, freshness (entered the stream → queryable) p50/p99 at full speed and at
a fixed input rate, for hubbub and the baseline, and the ratio.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from hubbub.api.app import create_app  # noqa: E402
from hubbub.embedded import tune_gc  # noqa: E402
from hubbub.enrich.enricher import Enricher  # noqa: E402
from hubbub.enrich.keywords import KeywordMatcher  # noqa: E402
from hubbub.enrich.sentiment import label_for  # noqa: E402
from hubbub.enrich.text_analysis import Analysis, TextAnalyzer, TextKey  # noqa: E402
from hubbub.enrich.users import MemoryUserCache, UserLookupClient  # noqa: E402
from hubbub.models import Post  # noqa: E402
from hubbub.sources.memory import ListSource  # noqa: E402
from hubbub.sources.simulator import WorldCupSimulator  # noqa: E402
from hubbub.sources.users_pool import UserPool  # noqa: E402
from hubbub.store.duckdb import DuckDBStore  # noqa: E402
from hubbub.stream.pipeline import EmbeddedPipeline, PipelineStats  # noqa: E402
from tests.support import serve_app  # noqa: E402


class ReferenceVader(TextAnalyzer):
    """The baseline: vaderSentiment's own analyzer called once per post; no cache, no workers."""

    def __init__(self) -> None:
        super().__init__(workers=0)
        self._sia = SentimentIntensityAnalyzer()
        self._keywords = KeywordMatcher()

    def analyze(self, keys: Sequence[TextKey]) -> list[Analysis]:
        out = []
        for text, hashtags in keys:
            compound = self._sia.polarity_scores(text)["compound"]
            m = self._keywords.match(text, hashtags)
            out.append(Analysis(compound, label_for(compound), tuple(m.keywords), tuple(m.teams)))
        return out


def run(
    posts: list[Post],
    users: UserPool,
    make_texts: Callable[[], TextAnalyzer],
    rate: float,
    folder: Path,
    name: str,
) -> tuple[float, float, PipelineStats]:
    """Returns (wall seconds, CPU seconds of this process and its workers, stats)."""
    store = DuckDBStore(folder / f"{name}.duckdb")
    store.setup()
    with serve_app(create_app(store, users=users, ready=lambda: True)) as base_url:
        texts = make_texts()
        Enricher(None, texts=texts).warm_up()
        client = UserLookupClient(base_url, cache=MemoryUserCache(max_size=200_000, ttl_s=3600))
        pipeline = EmbeddedPipeline(
            ListSource(posts, rate),
            Enricher(client, texts=texts),
            store,
            batch_size=2_000,
            flush_interval_s=0.1 if rate else 0.25,
        )
        cpu0 = _cpu()
        t0 = time.perf_counter()
        stats = pipeline.run()
        seconds = time.perf_counter() - t0
        client.close()
        texts.close()
        cpu = _cpu() - cpu0
    store.close()
    assert stats.stored == len({p.id for p in posts}), "bench lost posts"
    return seconds, cpu, stats


def _cpu() -> float:
    """CPU seconds used so far by this process (all threads) and its ended child processes."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--rate-test", type=float, default=5_000, help="posts/s for the freshness run")
    ap.add_argument("--workers", type=int, default=1, help="text-analysis worker processes")
    ap.add_argument("--gc", choices=["tuned", "default"], default="tuned")
    ap.add_argument("--seconds", type=float, default=20, help="length of the freshness run")
    args = ap.parse_args()

    if args.gc == "tuned":
        tune_gc()
    users = UserPool(seed=2022)
    sim = WorldCupSimulator(
        seed=2022,
        start=datetime(2022, 11, 20, tzinfo=UTC),
        end=datetime(2022, 12, 19, tzinfo=UTC),
        rate=3.0,
        users=users,
    )
    posts: list[Post] = []
    for b in sim.batches(10_000):
        posts.extend(b.posts)
        if len(posts) >= args.posts:
            break
    posts = posts[: args.posts]
    paced = posts[: int(args.rate_test * args.seconds)]
    print(
        f"{len(posts):,} simulated posts ({len({p.text for p in posts}) / len(posts):.0%} unique "
        f"texts); freshness run: {len(paced):,} posts at {args.rate_test:,.0f}/s"
    )

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        variants: list[tuple[str, Callable[[], TextAnalyzer]]] = [
            ("hubbub", lambda: TextAnalyzer(workers=0)),
            (f"hubbub-{args.workers}w", lambda: TextAnalyzer(workers=args.workers)),
            ("baseline", ReferenceVader),
        ]
        for name, make in variants:
            seconds, cpu, full = run(posts, users, make, 0.0, folder, f"{name}-max")
            _, _, steady = run(paced, users, make, args.rate_test, folder, f"{name}-paced")
            rows.append((name, len(posts) / seconds, 1e6 * cpu / len(posts), full, steady))

    print(
        f"\n{'pipeline':<10} {'posts/s':>10} {'cpu µs/post':>11} {'fresh p50':>10}"
        f" {'fresh p99':>10}"
        f" {'@rate p50':>10} {'@rate p99':>10}"
    )
    for name, pps, cpu_us, full, steady in rows:
        print(
            f"{name:<10} {pps:>10,.0f} {cpu_us:>11,.1f} {ms(full.freshness_quantile(0.5)):>10} "
            f"{ms(full.freshness_quantile(0.99)):>10} {ms(steady.freshness_quantile(0.5)):>10} "
            f"{ms(steady.freshness_quantile(0.99)):>10}"
        )
    print(
        f"\nratio hubbub/baseline: {rows[0][1] / rows[-1][1]:.1f}x  "
        f"(targets: ≥50,000 posts/s, ≥6x, freshness p99 ≤ 1 s at 5k posts/s)"
    )


if __name__ == "__main__":
    main()
