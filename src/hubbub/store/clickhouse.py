"""The ClickHouse store: a ClickHouse server (clickhouse-connect) or chdb, same SQL on both.

Schema (``sql/clickhouse/schema.sql``): ``posts`` is a ReplacingMergeTree(version) partitioned
by month and ordered by (day, id); rollups are AggregatingMergeTree/SummingMergeTree tables
filled by materialized views on ``posts`` (``sql/clickhouse/rollups.sql``).

Dedup without FINAL. The rollups are only exact if their views never see a post twice, so
duplicates are stopped at insert time: ``write`` asks which ids of the batch are already
stored (within the batch's created_at range: a post's created_at never changes, and the
primary index prunes by day) and inserts only the new ones. That is race-free as long as one
writer handles a given id at a time, which holds for the sink: Kafka partitions by post id and
each partition has one consumer. ReplacingMergeTree still collapses any duplicate that slips
past (two writers racing during a consumer-group rebalance, the Kafka-engine path) once parts
merge; ``rebuild_rollups()`` then recomputes the rollups from the posts.

Re-enrichment inserts a new version of each row (``version`` higher, ``replaces`` = the old
version): the views add the new row to the rollups, and the old row, inserted into the Null
table ``posts_retract``, is taken out by the retract views. Queries on ``posts`` skip replaced
rows (``clickhouse_planner.LATEST``) until a merge removes them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hubbub.models import DeadLetter, EnrichedPost
from hubbub.store.base import StoreUnavailable, WriteResult
from hubbub.store.clickhouse_exec import ChdbExecutor, ConnectExecutor, Executor
from hubbub.store.clickhouse_planner import LATEST, TS
from hubbub.store.clickhouse_queries import ClickHouseQueries, rows_of
from hubbub.store.rows import (
    ENRICHMENT_COLUMNS,
    POST_COLUMNS,
    dead_letters_to_table,
    dedupe,
    first_per_id,
    normalize_table,
    posts_to_table,
    row_to_post,
)
from hubbub.store.sqlfiles import named_statements

SCHEMA = "clickhouse/schema.sql"
ROLLUPS = "clickhouse/rollups.sql"
# rollups that old versions of re-enriched posts are taken out of (country_names only grows)
RETRACTABLE = ("rollup_hour", "rollup_team_day", "rollup_hashtag_hour", "rollup_hashtag_day")
_LISTS = ("edit_history_tweet_ids", "hashtags", "mentions", "urls", "keywords", "teams")
ID_CHUNK = 5_000  # ids per existence check (they travel as one query parameter)


class ClickHouseStore(ClickHouseQueries):
    """Store on ClickHouse through an ``Executor``; see :meth:`connect` and :meth:`chdb`.

    ``use_rollups=False`` answers every query from the posts table (tests compare the two).
    """

    def __init__(self, executor_factory: Any, *, use_rollups: bool = True) -> None:
        self._factory = executor_factory
        self._executor: Executor | None = None
        self.use_rollups = use_rollups
        self._last_version = 0

    @classmethod
    def connect(cls, url: str, database: str = "hubbub", **kw: Any) -> ClickHouseStore:
        """A ClickHouse server, e.g. ``http://user:password@host:8123``."""
        return cls(lambda: ConnectExecutor(url, database), **kw)

    @classmethod
    def chdb(cls, path: str | Path, database: str = "hubbub", **kw: Any) -> ClickHouseStore:
        """chdb (in-process ClickHouse) on a directory; one open directory per process."""
        return cls(lambda: ChdbExecutor(path, database), **kw)

    # --- lifecycle ---
    @property
    def _ex(self) -> Executor:  # type: ignore[override]
        if self._executor is None:
            raise StoreUnavailable("the store is not set up (or already closed)")
        return self._executor

    def setup(self) -> None:
        if self._executor is not None:
            return
        ex: Executor = self._factory()
        try:
            for sql in named_statements(SCHEMA).values():
                ex.command(sql)
            for table, select in named_statements(ROLLUPS).items():
                ex.command(
                    f"CREATE MATERIALIZED VIEW IF NOT EXISTS {table}_mv TO {table} AS "
                    + select.format(src="posts", sign=1)
                )
                if table in RETRACTABLE:
                    ex.command(
                        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {table}_retract_mv TO {table} AS "
                        + select.format(src="posts_retract", sign=-1)
                    )
        except BaseException:
            ex.close()
            raise
        self._executor = ex

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    def __enter__(self) -> ClickHouseStore:
        self.setup()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _version(self) -> int:
        """A new row version: microseconds now, strictly increasing within this process."""
        self._last_version = max(time.time_ns() // 1000, self._last_version + 1)
        return self._last_version

    # --- writes ---
    def write(self, posts: Sequence[EnrichedPost]) -> WriteResult:
        if not posts:
            return WriteResult(received=0, inserted=0)
        table = posts_to_table(dedupe(posts, keep="first"), datetime.now(UTC))
        return WriteResult(received=len(posts), inserted=self._insert(table))

    def write_arrow(self, table: pa.Table) -> WriteResult:
        """Write posts already in Arrow form (columns of ``rows.POSTS_SCHEMA``): the bulk path."""
        received = table.num_rows
        if received == 0:
            return WriteResult(received=0, inserted=0)
        table = normalize_table(table, datetime.now(UTC))
        if pc.count_distinct(table["id"]).as_py() != received:
            table = first_per_id(table)
        return WriteResult(received=received, inserted=self._insert(table))

    def _existing_ids(self, table: pa.Table) -> set[str]:
        """Which ids of ``table`` are stored already (any version)."""
        bounds = pc.min_max(table["created_at"])
        lo, hi = bounds["min"], bounds["max"]
        found: set[str] = set()
        ids = table["id"].to_pylist()
        for i in range(0, len(ids), ID_CHUNK):
            rows = self._ex.query(
                "SELECT DISTINCT id FROM posts WHERE created_at >= {lo:" + TS + "} "
                "AND created_at <= {hi:" + TS + "} AND id IN {ids:Array(String)}",
                {"lo": lo.as_py(), "hi": hi.as_py(), "ids": ids[i : i + ID_CHUNK]},
            )
            found.update(rows["id"].to_pylist())
        return found

    def _insert(self, table: pa.Table) -> int:
        """Insert the rows whose ids are new (the views fold them into the rollups)."""
        existing = self._existing_ids(table)
        if existing:
            table = table.filter(pc.invert(pc.is_in(table["id"], pa.array(list(existing)))))
        if table.num_rows:
            self._ex.insert_arrow("posts", _with_version(table, self._version()))
        return table.num_rows

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        if letters:
            self._ex.insert_arrow("dead_letters", dead_letters_to_table(letters))

    def update_enrichment(self, posts: Sequence[EnrichedPost]) -> int:
        """Replace the enrichment of stored posts: insert new versions, retract the old ones.

        Only ``ENRICHMENT_COLUMNS`` change; posts not stored are ignored. The new versions go
        in first: if the retraction then fails, ``rebuild_rollups()`` repairs the rollups.
        """
        if not posts:
            return 0
        now = datetime.now(UTC)
        upd = normalize_table(posts_to_table(dedupe(posts, keep="last"), now), now)
        old = self._ex.query(
            f"SELECT * FROM posts WHERE {LATEST} AND id IN {{ids:Array(String)}}",
            {"ids": upd["id"].to_pylist()},
        )
        if old.num_rows == 0:
            return 0
        old = _naive(old.select([*POST_COLUMNS, "version", "replaces"]))
        new_by_id = {r["id"]: r for r in upd.select(["id", *ENRICHMENT_COLUMNS]).to_pylist()}
        new_rows = old.to_pylist()
        version = max(self._version(), *(r["version"] + 1 for r in new_rows))
        self._last_version = version
        for row in new_rows:
            row.update(new_by_id[row["id"]], version=version, replaces=row["version"])
        self._ex.insert_arrow("posts", pa.Table.from_pylist(new_rows, schema=old.schema))
        self._ex.insert_arrow("posts_retract", old)
        return len({r["id"] for r in new_rows})

    def rebuild_rollups(self) -> None:
        """Recompute every rollup from the latest version of each post (same SQL as the views).

        Run it while nothing writes (the rollups are empty for a moment).
        """
        latest = f"(SELECT * FROM posts WHERE {LATEST} LIMIT 1 BY id)"
        for table, select in named_statements(ROLLUPS).items():
            self._ex.command(f"TRUNCATE TABLE {table}")
            self._ex.command(f"INSERT INTO {table} " + select.format(src=latest, sign=1))

    # --- reads that are not dashboard queries ---
    def post_ids(self) -> list[str]:
        return [r[0] for r in rows_of(self._ex.query("SELECT DISTINCT id FROM posts"))]

    def posts_needing_reenrichment(self, limit: int) -> list[EnrichedPost]:
        cols = ", ".join(POST_COLUMNS)
        table = self._ex.query(
            f"SELECT {cols} FROM posts WHERE {LATEST} AND enrichment_status <> 'complete' "
            "ORDER BY created_at, id LIMIT {n:UInt64}",
            {"n": limit},
        )
        return [row_to_post(r) for r in _naive(table).to_pylist()]


def _naive(table: pa.Table) -> pa.Table:
    """Aware-UTC timestamp columns (as ClickHouse returns them) as naive UTC, like ``rows``."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("us")))
    return table


def _with_version(table: pa.Table, version: int) -> pa.Table:
    """The posts of ``table`` ready for ``posts``: lists never null, the row version added."""
    for name in _LISTS:
        col = table[name]
        if col.null_count:
            empty = pa.scalar([], type=col.type)
            table = table.set_column(table.schema.get_field_index(name), name, col.fill_null(empty))
    return table.append_column("version", pa.array([version] * table.num_rows, pa.uint64()))
