"""The DuckDB store: an embedded file, one writer connection, one cursor per reading thread.

DuckDB allows one process per database file. Inside it, ``write`` and the other mutating
methods are serialised by a lock on the writer connection, while each API thread queries
through its own ``cursor()``, so reads never wait for writes.

Writes are micro-batches through Arrow: ``INSERT OR IGNORE`` on the primary key keeps posts
idempotent by id, and the ids the insert returns are the only rows folded into the rollups
(``sql/rollups.sql``), so a duplicate delivery never counts twice. The dashboard queries
live in :mod:`hubbub.store.duckdb_queries`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hubbub.models import DeadLetter, EnrichedPost
from hubbub.store.base import StoreError, StoreUnavailable, WriteResult
from hubbub.store.duckdb_queries import DuckDBQueries
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
from hubbub.store.sqlfiles import named_statements, sql_text

log = logging.getLogger(__name__)
ROLLUP_TABLES = (
    "rollup_hour",
    "rollup_team_day",
    "rollup_team_hour",
    "rollup_hashtag_team_day",
    "rollup_hashtag_hour",
    "rollup_hashtag_day",
    "country_names",
)


class DuckDBStore(DuckDBQueries):
    """Store backed by a DuckDB file (``":memory:"`` works too, for throwaway use).

    ``use_rollups=False`` answers every query from the posts table (tests compare the two).
    ``threads``/``memory_limit`` are passed to DuckDB when given.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        use_rollups: bool = True,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        super().__init__()
        self.path = str(path)
        self.use_rollups = use_rollups
        self._config: dict[str, Any] = {}
        if threads is not None:
            self._config["threads"] = threads
        if memory_limit is not None:
            self._config["memory_limit"] = memory_limit
        self._con: duckdb.DuckDBPyConnection | None = None
        self._write_lock = threading.Lock()
        self._cursor_lock = threading.Lock()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._generation = 0

    # --- lifecycle ---
    def setup(self) -> None:
        with self._write_lock:
            if self._con is not None:
                return
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            con = None
            try:
                con = duckdb.connect(self.path, config=self._config)
                tables = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
                existing = {r[0] for r in tables}
                con.execute(sql_text("schema.sql"))
            except duckdb.Error as e:
                if con is not None:
                    con.close()
                raise StoreUnavailable(f"cannot open DuckDB store at {self.path}: {e}") from e
            self._con = con
            self._generation += 1
            added = [t for t in ROLLUP_TABLES if t not in existing]
        if "posts" in existing and added:  # a store made by an older hubbub: fill new rollups
            log.info("building new rollup tables %s from the stored posts", ", ".join(added))
            self.rebuild_rollups()
        with self._write_lock:
            rows = con.execute("SELECT max(max_created_at) FROM rollup_hour").fetchall()
            self._max_created = rows[0][0]

    def close(self) -> None:
        with self._write_lock, self._cursor_lock:
            for cur in self._cursors:
                cur.close()
            self._cursors.clear()
            if self._con is not None:
                self._con.close()
                self._con = None
            self._generation += 1

    def __enter__(self) -> DuckDBStore:
        self.setup()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self, **tables: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writer connection inside BEGIN … COMMIT, holding the write lock.

        ``tables`` are registered as views for the transaction; so is anything the body
        registers under ``_delta``. They are dropped after COMMIT/ROLLBACK (an aborted
        transaction refuses to unregister).
        """
        with self._write_lock:
            con = self._con
            if con is None:
                raise StoreUnavailable("the store is not set up (or already closed)")
            for name, table in tables.items():
                con.register(name, table)
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                for name in (*tables, "_delta"):
                    con.unregister(name)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's read cursor (created on first use, renewed after a re-open)."""
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            with self._cursor_lock:
                if self._con is None:
                    raise StoreUnavailable("the store is not set up (or already closed)")
                local.cursor = self._con.cursor()
                local.generation = self._generation
                self._cursors.append(local.cursor)
        cursor: duckdb.DuckDBPyConnection = local.cursor
        return cursor

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._cursor().execute(sql, list(params)).fetchall()
        except duckdb.Error as e:
            raise StoreError(f"DuckDB query failed: {e}") from e

    # --- writes ---
    def write(self, posts: Sequence[EnrichedPost]) -> WriteResult:
        if not posts:
            return WriteResult(received=0, inserted=0)
        unique = dedupe(posts, keep="first")
        table = posts_to_table(unique, datetime.now(UTC))
        inserted = self._insert(table)
        return WriteResult(received=len(posts), inserted=inserted)

    def write_arrow(self, table: pa.Table) -> WriteResult:
        """Write posts already in Arrow form (columns of ``rows.POSTS_SCHEMA``): the bulk path.

        Same semantics as ``write``: idempotent by id, rollups maintained from new rows only.
        """
        received = table.num_rows
        if received == 0:
            return WriteResult(received=0, inserted=0)
        table = normalize_table(table, datetime.now(UTC))
        if pc.count_distinct(table["id"]).as_py() != received:
            table = first_per_id(table)
        return WriteResult(received=received, inserted=self._insert(table))

    def _insert(self, table: pa.Table) -> int:
        """Insert new ids and fold them into the rollups; returns how many were new.

        Optimistic: a plain INSERT is ~2x faster than INSERT OR IGNORE, and duplicates are
        rare (redeliveries), so try it first and redo with OR IGNORE on a key conflict.
        """
        try:
            try:
                return self._insert_once(table, optimistic=True)
            except duckdb.ConstraintException:
                return self._insert_once(table, optimistic=False)
        except duckdb.Error as e:
            raise StoreError(f"DuckDB write failed: {e}") from e

    def _insert_once(self, table: pa.Table, *, optimistic: bool) -> int:
        with self._transaction(_batch=table) as con:
            if optimistic:
                con.execute("INSERT INTO posts BY NAME SELECT * FROM _batch")
                inserted, delta = table.num_rows, table
            else:
                ids = con.execute(
                    "INSERT OR IGNORE INTO posts BY NAME SELECT * FROM _batch RETURNING id"
                ).fetchall()
                inserted, delta = len(ids), table
                if inserted == 0:
                    return 0
                if inserted != table.num_rows:
                    keep = pc.is_in(table["id"], value_set=pa.array([i[0] for i in ids]))
                    delta = table.filter(keep)
            con.register("_delta", delta)
            self._fold_rollups(con, "_delta", +1)
        newest = pc.max(delta["created_at"]).as_py()
        if self._max_created is None or newest > self._max_created:
            self._max_created = newest
        return inserted

    @staticmethod
    def _fold_rollups(con: duckdb.DuckDBPyConnection, src: str, sign: int) -> None:
        for sql in named_statements("rollups.sql").values():
            con.execute(sql.format(src=src), {"sign": sign})

    def rebuild_rollups(self) -> None:
        """Recompute every rollup from the posts table (same SQL as incremental upkeep)."""
        with self._transaction() as con:
            for table in ROLLUP_TABLES:
                con.execute(f"DROP TABLE {table}")
            con.execute(sql_text("schema.sql"))
            self._fold_rollups(con, "posts", +1)

    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        with self._transaction(_letters=dead_letters_to_table(letters)) as con:
            con.execute("INSERT INTO dead_letters BY NAME SELECT * FROM _letters")

    def update_enrichment(self, posts: Sequence[EnrichedPost]) -> int:
        """Replace the enrichment of stored posts; rollups move the old rows out, new rows in.

        Only ``ENRICHMENT_COLUMNS`` change. Rollups are adjusted by folding the old versions
        in with sign -1 and the new versions with +1, so they stay right whatever changed
        (country, sentiment, status). Posts not stored are ignored.
        """
        if not posts:
            return 0
        table = normalize_table(
            posts_to_table(dedupe(posts, keep="last"), datetime.now(UTC)), datetime.now(UTC)
        )
        sets = ", ".join(f"{c} = u.{c}" for c in ENRICHMENT_COLUMNS)
        with self._transaction(_upd=table) as con:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _old AS "
                "SELECT * FROM posts WHERE id IN (SELECT id FROM _upd)"
            )
            found = int(con.execute("SELECT count(*) FROM _old").fetchall()[0][0])
            if found:
                self._fold_rollups(con, "_old", -1)
                con.execute(f"UPDATE posts SET {sets} FROM _upd u WHERE posts.id = u.id")
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE _new AS "
                    "SELECT * FROM posts WHERE id IN (SELECT id FROM _old)"
                )
                self._fold_rollups(con, "_new", +1)
                con.execute("DROP TABLE _new")
            con.execute("DROP TABLE _old")
        return found

    # --- reads that are not dashboard queries ---
    def post_ids(self) -> list[str]:
        return [r[0] for r in self._query("SELECT id FROM posts")]

    def posts_needing_reenrichment(self, limit: int) -> list[EnrichedPost]:
        cols = ", ".join(POST_COLUMNS)
        rows = self._query(
            f"SELECT {cols} FROM posts WHERE enrichment_status <> 'complete' "
            "ORDER BY created_at, id LIMIT ?",
            [limit],
        )
        return [row_to_post(dict(zip(POST_COLUMNS, r, strict=True))) for r in rows]
