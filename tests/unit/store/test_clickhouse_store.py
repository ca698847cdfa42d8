"""ClickHouseStore on chdb (in-process ClickHouse): idempotency, rollups, re-enrichment, filters.

Every DDL statement, insert path and query of the store runs here. chdb opens one directory
per process at a time, so each test closes its store before the next opens one.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from hubbub.models import DeadLetter
from hubbub.store.base import Filters
from hubbub.store.clickhouse import ClickHouseStore
from hubbub.store.clickhouse_exec import _text_value
from hubbub.store.clickhouse_queries import round_like_duckdb
from hubbub.store.duckdb import DuckDBStore
from hubbub.store.rows import posts_to_table
from tests.unit.store.test_duckdb_store import FILTERS, POSTS, T0, make_post

QUERIES = (
    "counts_per_day",
    "counts_per_country",
    "sentiment_by_country",
    "sentiment_by_team",
    "busiest_day",
)


@pytest.fixture
def store(tmp_path):
    s = ClickHouseStore.chdb(tmp_path / "ch")
    s.setup()
    yield s
    s.close()


@pytest.fixture
def duck(tmp_path):
    s = DuckDBStore(tmp_path / "d.duckdb")
    s.setup()
    yield s
    s.close()


def answers(s, f: Filters) -> dict:
    out = {name: getattr(s, name)(f) for name in QUERIES}
    for bucket in ("minute", "hour", "day"):
        out[bucket] = s.timeline(bucket, f)
    out["hashtags"] = s.top_hashtags(10, f)
    out["recent"] = s.recent_posts(7, f)
    return out


def test_idempotent_within_and_across_batches(store: ClickHouseStore) -> None:
    r1 = store.write(POSTS[:100] + POSTS[:10])  # duplicates inside the batch
    assert (r1.received, r1.inserted) == (110, 100)
    r2 = store.write(POSTS[50:150])  # half already stored
    assert (r2.received, r2.inserted) == (100, 50)
    assert store.write(POSTS[:150]).inserted == 0
    assert sorted(store.post_ids()) == sorted(p.id for p in POSTS[:150])
    assert store.stats()["posts"] == 150
    assert sum(d["posts"] for d in store.counts_per_day()) == 150
    # no FINAL anywhere, and no duplicate rows to collapse either
    assert store._ex.query("SELECT count() AS n FROM posts")["n"][0].as_py() == 150


def test_write_arrow_dedups_and_uppercases(store: ClickHouseStore) -> None:
    table = posts_to_table(POSTS[:30], datetime.now(UTC))
    lower = pa.array([c.lower() if c else c for c in table["country_code"].to_pylist()])
    table = table.set_column(table.schema.get_field_index("country_code"), "country_code", lower)
    r = store.write_arrow(pa.concat_tables([table, table.slice(0, 5)]))
    assert (r.received, r.inserted) == (35, 30)
    assert store.write_arrow(table).inserted == 0
    assert {c["country_code"] for c in store.counts_per_country()} <= {"AR", "FR", "US"}


def test_survives_reopen(tmp_path) -> None:
    with ClickHouseStore.chdb(tmp_path / "ch") as s:
        s.write(POSTS[:20])
    with ClickHouseStore.chdb(tmp_path / "ch") as s:  # setup() again is a no-op on the schema
        assert s.stats()["posts"] == 20
        assert s.write(POSTS[:20]).inserted == 0
        assert len(s.recent_posts(5)) == 5


def test_answers_match_duckdb_and_base_table(store: ClickHouseStore, duck: DuckDBStore) -> None:
    for i in range(0, len(POSTS), 97):  # incremental upkeep over many batches, with repeats
        store.write(POSTS[i : i + 120])
        duck.write(POSTS[i : i + 120])
    assert store.stats() | {"last_ingested_at": None} == duck.stats() | {"last_ingested_at": None}
    for f in FILTERS:
        expected = answers(duck, f)
        store.use_rollups = True
        assert answers(store, f) == expected, f
        store.use_rollups = False
        assert answers(store, f) == expected, f


def test_rebuild_rollups_matches_incremental(store: ClickHouseStore) -> None:
    store.write(POSTS[:300])
    store.write(POSTS[200:])
    before = (store.counts_per_country(), store.top_hashtags(20), store.sentiment_by_team())
    stats = store.stats()
    store.rebuild_rollups()
    assert (store.counts_per_country(), store.top_hashtags(20), store.sentiment_by_team()) == before
    assert store.stats() == stats


def test_dead_letters(store: ClickHouseStore) -> None:
    store.write_dead_letters(
        [
            DeadLetter(stage="validate", reason="schema", raw="{bad", offset=1),
            DeadLetter(stage="validate", reason="schema", raw="{worse", source="x"),
            DeadLetter(stage="enrich", reason="timeout", raw="{}"),
        ]
    )
    store.write_dead_letters([])
    counts = store.dead_letter_counts()
    assert counts[0]["stage"] == "validate" and counts[0]["count"] == 2
    assert {(c["stage"], c["reason"]) for c in counts} == {
        ("validate", "schema"),
        ("enrich", "timeout"),
    }
    assert counts[0]["last_at"].endswith("Z")
    assert store.stats()["dead_letters"] == 3


def _failed(n: int = 40) -> list:
    return [
        make_post(
            i,
            enrichment_status="user_lookup_failed",
            username=None,
            country_code=None,
            country_name=None,
        )
        for i in range(1000, 1000 + n)
    ]


def _fixed(posts: list, code: str, name: str) -> list:
    return [
        p.model_copy(
            update={
                "enrichment_status": "complete",
                "username": "found",
                "country_code": code,
                "country_name": name,
                "sentiment_compound": 0.5,
                "sentiment_label": "positive",
            }
        )
        for p in posts
    ]


def test_reenrichment_replaces_rows_and_rollups(store: ClickHouseStore, duck: DuckDBStore) -> None:
    failed = _failed()
    for s in (store, duck):
        s.write(POSTS[:100] + failed)
    assert store.stats()["user_lookup_failed"] == 40
    todo = store.posts_needing_reenrichment(100)
    assert todo == duck.posts_needing_reenrichment(100)  # same posts, same order, same fields
    fixed = _fixed(todo, "MA", "Morocco")
    assert store.update_enrichment(fixed + [make_post(99999)]) == 40
    assert duck.update_enrichment(fixed + [make_post(99999)]) == 40
    assert store.posts_needing_reenrichment(100) == []
    # the old versions are still on disk (no merge yet): queries skip them without FINAL
    assert store._ex.query("SELECT count() AS n FROM posts")["n"][0].as_py() == 180
    check = [Filters(), Filters(country="MA"), Filters(team="brazil"), Filters(keyword="goal")]

    def same() -> None:
        assert store.stats() | {"last_ingested_at": None} == duck.stats() | {
            "last_ingested_at": None
        }
        for f in check:
            for rollups in (True, False):
                store.use_rollups = rollups
                assert answers(store, f) == answers(duck, f), (f, rollups)
        store.use_rollups = True

    same()
    # a second re-enrichment of the same posts moves them again
    again = _fixed(todo[:10], "FR", "France")
    assert store.update_enrichment(again) == duck.update_enrichment(again) == 10
    same()
    # after the merge only the newest versions remain, and every answer stays the same
    store._ex.command("OPTIMIZE TABLE posts FINAL")
    assert store._ex.query("SELECT count() AS n FROM posts")["n"][0].as_py() == 140
    same()
    store.rebuild_rollups()
    same()
    assert store.post_ids().__len__() == 140


def test_reenrichment_keeps_stored_fields(store: ClickHouseStore) -> None:
    post = _failed(1)[0]
    store.write([post])
    changed = post.model_copy(update={"text": "edited", "username": "found", "hashtags": ["X"]})
    assert store.update_enrichment([changed]) == 1
    (row,) = store.recent_posts(5)
    assert (row["text"], row["username"], row["hashtags"]) == (post.text, "found", post.hashtags)


def test_filters_with_awkward_values(store: ClickHouseStore) -> None:
    store.write(POSTS[:50])
    for value in ("it's", "a\\b", "tab\there", "new\nline", "{p0:String}", "ü"):
        f = Filters(country=value, team=value, keyword=value, lang=value)
        assert store.counts_per_country(f) == []
        assert store.recent_posts(5, Filters(keyword=value)) == []
        assert store.top_hashtags(5, Filters(team=value)) == []
    assert store.busiest_day(Filters(country="ZZ")) is None


def test_empty_store(store: ClickHouseStore) -> None:
    assert store.stats()["posts"] == 0 and store.stats()["first_created_at"] is None
    assert store.recent_posts(5) == [] and store.timeline("minute") == []
    assert store.busiest_day() is None and store.post_ids() == []
    assert store.update_enrichment(POSTS[:3]) == 0


def test_concurrent_reads_during_writes(store: ClickHouseStore) -> None:
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(10):
                store.counts_per_country()
                store.recent_posts(5)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(0, len(POSTS), 100):
        store.write(POSTS[i : i + 100])
    for t in threads:
        t.join()
    assert not errors
    assert store.stats()["posts"] == len(POSTS)


def test_round_like_duckdb() -> None:
    rng = random.Random(5)
    values = [rng.uniform(-1, 1) for _ in range(2000)]
    values += [k / 20000 for k in range(-200, 200)]  # halfway cases
    values += [sum(rng.choice([0.0001, 0.0002, 0.0003]) for _ in range(n)) / n for n in (2, 4)]
    con = duckdb.connect()
    (expected,) = con.execute("SELECT list_transform(?, v -> round(v, 4))", [values]).fetchone()
    assert [round_like_duckdb(v) for v in values] == expected


def test_parameter_text() -> None:
    assert _text_value(datetime(2022, 11, 20, 1, 2, 3, 4), top=True) == "2022-11-20 01:02:03.000004"
    assert _text_value(date(2022, 11, 20), top=True) == "2022-11-20"
    assert _text_value(["a'b", "c\\d"], top=True) == "['a\\'b','c\\\\d']"
    assert _text_value("x\ty", top=True) == "x\\ty"
    assert _text_value(T0 + timedelta(0), top=False).startswith("'2022-11-20 00:00:00")
