"""DuckDB and ClickHouse (on chdb) give the same answers on the same ~20k enriched posts.

The posts come from the World Cup simulator through the real enricher (a user lookup that
finds most authors, misses some and fails for others), are written to both stores in
overlapping batches (duplicates within and across batches, one Arrow bulk batch), then some
failed lookups are re-enriched. Every query method, with no filter and with each filter
(and a few combinations), must agree; ClickHouse is asked both through its rollups and
through the posts table. Order must be the same; floats within 1e-9, except average
sentiment (see ``assert_same``): ClickHouse computes it exactly, DuckDB from a double sum.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hubbub.enrich.enricher import Enricher
from hubbub.enrich.users import LookupResult
from hubbub.models import DeadLetter, EnrichedPost
from hubbub.sources.simulator import WorldCupSimulator
from hubbub.sources.users_pool import UserPool
from hubbub.store.base import Filters, Store
from hubbub.store.clickhouse import ClickHouseStore
from hubbub.store.duckdb import DuckDBStore
from hubbub.store.rows import posts_to_table
from tests.unit.store.test_clickhouse_store import assert_same

pytestmark = pytest.mark.integration

START = datetime(2022, 12, 9, 6, tzinfo=UTC)
END = datetime(2022, 12, 11, 6, tzinfo=UTC)
BATCH = 2_000


class PoolLookup:
    """The simulator's users, with ~1/12 of authors failing and ~1/25 unknown (by id hash)."""

    def __init__(self, pool: UserPool) -> None:
        self.pool = pool

    def lookup(self, ids: Iterable[str]) -> LookupResult:
        out = LookupResult()
        for uid in ids:
            h = zlib.crc32(uid.encode())
            if h % 12 == 0:
                out.failed.add(uid)
            elif h % 25 == 0:
                out.not_found.add(uid)
            else:
                out.users.update({u.id: u for u in self.pool.get_users([uid])})
        return out


def _simulated() -> list[EnrichedPost]:
    pool = UserPool(seed=11)
    posts = list(WorldCupSimulator(seed=11, start=START, end=END, rate=0.45, users=pool).posts())
    enriched = Enricher(PoolLookup(pool)).enrich(posts)
    # ingested_at fixed per post, so both stores report the same freshness
    return [
        p.model_copy(update={"ingested_at": p.created_at + timedelta(seconds=2)}) for p in enriched
    ]


def _batches(posts: list[EnrichedPost]) -> Iterator[list[EnrichedPost]]:
    """Overlapping batches (the last 300 of each again in the next) with repeats inside."""
    for i in range(0, len(posts), BATCH):
        batch = posts[max(0, i - 300) : i + BATCH]
        yield batch + batch[::97]


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> Iterator[tuple[DuckDBStore, ClickHouseStore, list[EnrichedPost]]]:
    posts = _simulated()
    assert 15_000 <= len(posts) <= 30_000
    assert len({p.enrichment_status for p in posts}) == 3
    tmp = tmp_path_factory.mktemp("parity")
    duck, ch = DuckDBStore(tmp / "d.duckdb"), ClickHouseStore.chdb(tmp / "ch")
    duck.setup()
    ch.setup()
    try:
        bulk = posts_to_table(posts[:500] + posts[:50], START)  # the Arrow path, with repeats
        for s in (duck, ch):
            assert s.write_arrow(bulk).inserted == 500
            received = inserted = 0
            for batch in _batches(posts):
                r = s.write(batch)
                received, inserted = received + r.received, inserted + r.inserted
            assert inserted == len(posts) - 500 and received > len(posts)
            s.write_dead_letters(
                [
                    DeadLetter(
                        stage="validate", reason=f"r{i % 3}", raw="{", at=START + timedelta(i)
                    )
                    for i in range(7)
                ]
            )
        # re-enrich half of the failed lookups (found in a second attempt, or still unknown)
        todo = duck.posts_needing_reenrichment(10_000)
        assert [p.id for p in ch.posts_needing_reenrichment(10_000)] == [p.id for p in todo]
        fixed = [
            p.model_copy(
                update={
                    "enrichment_status": "complete",
                    "username": f"found{i}",
                    "country_code": ("AR", "FR", "MA")[i % 3],
                    "country_name": ("Argentina", "France", "Morocco")[i % 3],
                }
            )
            for i, p in enumerate(todo[::2])
        ]
        assert duck.update_enrichment(fixed) == ch.update_enrichment(fixed) == len(fixed) > 100
        yield duck, ch, posts
    finally:
        ch.close()
        duck.close()


def _filters(posts: list[EnrichedPost]) -> list[Filters]:
    country = Counter(p.country_code for p in posts if p.country_code).most_common(2)
    team = Counter(t for p in posts for t in p.teams).most_common(3)
    keyword = Counter(k for p in posts for k in p.keywords).most_common(4)
    tag = Counter(h.lower() for p in posts for h in p.hashtags).most_common(2)
    day = datetime(2022, 12, 10, tzinfo=UTC)
    return [
        Filters(),
        Filters(since=day),  # day-aligned
        Filters(until=day + timedelta(hours=5)),  # hour-aligned
        Filters(since=day - timedelta(hours=7, minutes=13), until=day + timedelta(seconds=90)),
        Filters(country=country[0][0].lower()),
        Filters(country=country[1][0]),
        Filters(country="MA"),  # only re-enriched posts
        Filters(team=team[0][0].upper()),
        Filters(team=team[2][0]),
        Filters(keyword=keyword[3][0]),
        Filters(keyword=f"#{tag[1][0]}"),
        Filters(lang="es"),
        Filters(lang="pt", country=country[0][0]),
        Filters(team=team[1][0], country=country[0][0], lang="en", since=day),
        Filters(keyword=keyword[0][0], since=day, until=day + timedelta(hours=6)),
        Filters(country="ZZ"),
    ]


def _answers(s: Store, f: Filters) -> dict[str, Any]:
    out: dict[str, Any] = {
        "recent_posts": s.recent_posts(25, f),
        "counts_per_day": s.counts_per_day(f),
        "counts_per_country": s.counts_per_country(f),
        "counts_per_country_3": s.counts_per_country(f, limit=3),
        "sentiment_by_country": s.sentiment_by_country(f),
        "sentiment_by_team": s.sentiment_by_team(f),
        "top_hashtags": s.top_hashtags(15, f),
        "busiest_day": s.busiest_day(f),
        "overview": s.overview(f),
        "top_posters": s.top_posters(f),
        "top_posters_2": s.top_posters(f, limit=2),
    }
    for bucket in ("minute", "hour", "day"):
        out[f"timeline_{bucket}"] = s.timeline(bucket, f)  # type: ignore[arg-type]
    return out


def test_every_query_with_every_filter(stores) -> None:
    duck, ch, posts = stores
    non_empty = 0
    for f in _filters(posts):
        expected = _answers(duck, f)
        non_empty += bool(expected["counts_per_day"])
        for rollups in (True, False):
            ch.use_rollups = rollups
            assert_same(_answers(ch, f), expected, f"{f} rollups={rollups}")
    ch.use_rollups = True
    assert non_empty >= 14


def test_totals_and_ids(stores) -> None:
    duck, ch, posts = stores
    assert_same(ch.stats(), duck.stats())
    assert ch.stats()["posts"] == len(posts)
    assert sorted(ch.post_ids()) == sorted(duck.post_ids()) == sorted(p.id for p in posts)
    assert ch.dead_letter_counts() == duck.dead_letter_counts()
    assert ch.facets() == duck.facets()
    left_ch = ch.posts_needing_reenrichment(10_000)
    left_duck = duck.posts_needing_reenrichment(10_000)
    assert [p.model_dump() for p in left_ch] == [p.model_dump() for p in left_duck]
    assert left_ch and all(p.enrichment_status != "complete" for p in left_ch)


def test_rebuilt_rollups_agree(stores) -> None:
    duck, ch, posts = stores
    ch.rebuild_rollups()
    f = Filters()
    assert_same(_answers(ch, f), _answers(duck, f))
    assert_same(ch.stats(), duck.stats())
