"""DuckDBStore on real files: idempotency, rollups == base table, dead letters, re-enrichment."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from hubbub.models import DeadLetter, EnrichedPost
from hubbub.store.base import Filters
from hubbub.store.duckdb import DuckDBStore

T0 = datetime(2022, 11, 20, tzinfo=UTC)
COUNTRIES = [("AR", "Argentina"), ("FR", "France"), ("US", "United States"), (None, None)]
TEAMS = ["Argentina", "France", "Brazil", "Morocco"]
TAGS = ["WorldCup", "Qatar2022", "ARG", "FRA", "#Messi", "worldcup"]


def make_post(i: int, **over: object) -> EnrichedPost:
    rng = random.Random(i)
    code, name = rng.choice(COUNTRIES)
    compound = round(rng.uniform(-1, 1), 4)
    label = "positive" if compound > 0.05 else "negative" if compound < -0.05 else "neutral"
    data: dict[str, object] = {
        "id": f"p{i}",
        "source": "sim",
        "created_at": T0 + timedelta(minutes=17 * i),
        "text": f"post {i}",
        "lang": rng.choice(["en", "es", "fr", None]),
        "author_id": f"a{i % 40}",
        "username": "" if i % 11 == 0 else f"user{i % 40}",
        "name": f"User {i % 40}",
        "country_code": code,
        "country_name": name,
        "sentiment_compound": compound,
        "sentiment_label": label,
        "hashtags": rng.sample(TAGS, rng.randint(0, 3)),
        "keywords": ["goal"] if i % 3 == 0 else [],
        "teams": rng.sample(TEAMS, rng.randint(0, 2)),
        "metrics": {"like_count": i % 7},
        "enriched_at": T0,
    }
    data.update(over)
    return EnrichedPost.model_validate(data)


POSTS = [make_post(i) for i in range(600)]  # ~7 days


@pytest.fixture
def store(tmp_path):
    s = DuckDBStore(tmp_path / "store.duckdb")
    s.setup()
    yield s
    s.close()


def test_idempotent_within_and_across_batches(store: DuckDBStore) -> None:
    batch = POSTS[:100] + POSTS[:10]  # duplicates inside the batch
    r1 = store.write(batch)
    assert (r1.received, r1.inserted) == (110, 100)
    r2 = store.write(POSTS[50:150])  # half already stored
    assert (r2.received, r2.inserted) == (100, 50)
    r3 = store.write(POSTS[:150])
    assert r3.inserted == 0
    assert sorted(store.post_ids()) == sorted(p.id for p in POSTS[:150])
    assert store.stats()["posts"] == 150
    assert sum(d["posts"] for d in store.counts_per_day()) == 150


def test_ingested_at_set_and_reopen(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    with DuckDBStore(path) as s:
        s.write(POSTS[:20])
        assert s.stats()["last_ingested_at"] is not None
    with DuckDBStore(path) as s:  # survives a re-open, rollups included
        assert s.stats()["posts"] == 20
        assert s.write(POSTS[:20]).inserted == 0
        assert len(s.recent_posts(5)) == 5


FILTERS = [
    Filters(),
    Filters(country="ar"),
    Filters(lang="es"),
    Filters(team="argentina"),
    Filters(team="France", country="FR", lang="fr"),
    Filters(since=T0 + timedelta(days=1), until=T0 + timedelta(days=4)),  # day-aligned
    Filters(since=T0 + timedelta(hours=30)),  # hour-aligned
    Filters(since=T0 + timedelta(hours=30, minutes=7)),  # not aligned: base table
    Filters(keyword="goal"),
    Filters(keyword="#worldcup", country="US"),
    Filters(country="FR", since=T0 + timedelta(days=2), until=T0 + timedelta(days=3)),
]


@pytest.mark.parametrize("f", FILTERS, ids=repr)
def test_rollups_equal_base_table(tmp_path, f: Filters) -> None:
    rolled = DuckDBStore(tmp_path / "r.duckdb")
    rolled.setup()
    for i in range(0, len(POSTS), 97):  # incremental upkeep over many batches, with repeats
        rolled.write(POSTS[i : i + 120])
    base = DuckDBStore(tmp_path / "b.duckdb", use_rollups=False)
    base.setup()
    base.write(POSTS)
    try:
        for name in (
            "counts_per_day",
            "counts_per_country",
            "sentiment_by_country",
            "sentiment_by_team",
            "busiest_day",
        ):
            a, b = getattr(rolled, name)(f), getattr(base, name)(f)
            assert a == b, name
        for bucket in ("hour", "day"):
            assert rolled.timeline(bucket, f) == base.timeline(bucket, f)
        assert rolled.top_hashtags(10, f) == base.top_hashtags(10, f)
        assert rolled.recent_posts(7, f) == base.recent_posts(7, f)
        # and the rollup store's own answers from the base table agree too
        rolled.use_rollups = False
        assert rolled.counts_per_country(f) == base.counts_per_country(f)
    finally:
        rolled.close()
        base.close()


def test_rebuild_rollups_matches_incremental(store: DuckDBStore) -> None:
    store.write(POSTS[:300])
    store.write(POSTS[200:])
    before = (store.counts_per_country(), store.top_hashtags(20), store.sentiment_by_team())
    store.rebuild_rollups()
    assert (store.counts_per_country(), store.top_hashtags(20), store.sentiment_by_team()) == before


def test_query_shapes(store: DuckDBStore) -> None:
    store.write(POSTS)
    days = store.counts_per_day()
    assert days == sorted(days, key=lambda d: d["day"]) and len(days[0]["day"]) == 10
    countries = store.counts_per_country()
    assert {c["country_code"] for c in countries} == {"AR", "FR", "US"}
    assert countries[0]["posts"] >= countries[-1]["posts"]
    stats = store.stats()
    assert stats["posts"] == sum(c["posts"] for c in countries) + stats["posts_unknown_country"]
    assert stats["countries"] == 3 and stats["first_created_at"] == "2022-11-20T00:00:00Z"
    tags = {t["hashtag"] for t in store.top_hashtags(10)}
    assert "worldcup" in tags and "messi" in tags and "WorldCup" not in tags
    recent = store.recent_posts(10)
    assert all(r["username"] for r in recent)
    keys = [(r["created_at"], r["id"]) for r in recent]
    assert keys == sorted(keys, reverse=True)
    assert recent[0]["metrics"]["like_count"] >= 0 and "country_name" in recent[0]
    minute = store.timeline("minute")
    assert sum(m["posts"] for m in minute) < len(POSTS)  # capped to the last 48 h
    assert store.busiest_day(Filters(country="ZZ")) is None
    since = T0 + timedelta(days=2)
    assert all(
        r["created_at"] >= "2022-11-22" for r in store.recent_posts(500, Filters(since=since))
    )


def test_dead_letters(store: DuckDBStore) -> None:
    letters = [
        DeadLetter(stage="validate", reason="schema", raw="{bad", offset=1),
        DeadLetter(stage="validate", reason="schema", raw="{worse", source="x"),
        DeadLetter(stage="enrich", reason="timeout", raw="{}"),
    ]
    store.write_dead_letters(letters)
    counts = store.dead_letter_counts()
    assert counts[0]["stage"] == "validate" and counts[0]["count"] == 2
    assert {(c["stage"], c["reason"]) for c in counts} == {
        ("validate", "schema"),
        ("enrich", "timeout"),
    }
    assert store.stats()["dead_letters"] == 3


def test_reenrichment_updates_rows_and_rollups(tmp_path) -> None:
    failed = [
        make_post(
            i,
            enrichment_status="user_lookup_failed",
            username=None,
            country_code=None,
            country_name=None,
        )
        for i in range(1000, 1040)
    ]
    s = DuckDBStore(tmp_path / "s.duckdb")
    s.setup()
    s.write(POSTS[:100] + failed)
    assert s.stats()["user_lookup_failed"] == 40
    todo = s.posts_needing_reenrichment(100)
    assert {p.id for p in todo} == {p.id for p in failed}
    fixed = [
        p.model_copy(
            update={
                "enrichment_status": "complete",
                "username": "found",
                "country_code": "MA",
                "country_name": "Morocco",
            }
        )
        for p in todo
    ]
    assert s.update_enrichment(fixed + [make_post(99999)]) == 40
    assert s.posts_needing_reenrichment(100) == []
    assert s.stats()["user_lookup_failed"] == 0
    base = DuckDBStore(tmp_path / "b.duckdb", use_rollups=False)
    base.setup()
    base.write(POSTS[:100] + fixed)
    for f in (Filters(), Filters(country="MA"), Filters(team="brazil")):
        assert s.counts_per_country(f) == base.counts_per_country(f)
        assert s.sentiment_by_country(f) == base.sentiment_by_country(f)
        assert s.top_hashtags(10, f) == base.top_hashtags(10, f)
    assert s.stats()["posts"] == 140
    s.close()
    base.close()


def test_concurrent_reads_during_writes(store: DuckDBStore) -> None:
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(30):
                store.counts_per_country()
                store.recent_posts(5)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(0, len(POSTS), 50):
        store.write(POSTS[i : i + 50])
    for t in threads:
        t.join()
    assert not errors
    assert store.stats()["posts"] == len(POSTS)


def test_a_store_from_before_a_rollup_existed_gets_it_built_on_open(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    with DuckDBStore(path) as s:
        s.write([make_post(i) for i in range(300)])
        expected = (
            s.timeline("hour", Filters(team="argentina")),
            s.top_hashtags(10, Filters(team="argentina")),
        )
        s._con.execute("DROP TABLE rollup_team_hour; DROP TABLE rollup_hashtag_team_day")
    with DuckDBStore(path) as s:  # reopened by a newer hubbub: the rollups are rebuilt
        count = s._query("SELECT sum(posts) FROM rollup_team_hour")[0][0]
        assert count and count > 0
        got = (
            s.timeline("hour", Filters(team="argentina")),
            s.top_hashtags(10, Filters(team="argentina")),
        )
    assert got == expected
