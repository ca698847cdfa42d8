"""A read-only copy of the DuckDB store for BI tools (Superset).

DuckDB lets one process open a database file; while ``hubbub up`` writes the store, no other
process can open it, not even read-only. So the stack itself copies what BI needs into a
second file every few seconds, and Superset reads that copy:

    live store (hubbub up, writer) ──ATTACH + CREATE TABLE AS──► hubbub_bi.duckdb.tmp
                                    ──os.replace──► hubbub_bi.duckdb (read by Superset)

The copy is taken inside one read transaction of the store (a consistent snapshot; writers
are not blocked) and swapped in with an atomic rename, so a reader opens either the old or the
new file, never a half-written one. Readers that already have the old file open keep it until
they close it (POSIX rename semantics).

What the snapshot holds (names are what Superset's datasets use):

- ``posts``: one row per post, list columns flattened to comma-separated text (BI tools handle
  plain columns better than DuckDB LISTs), the post's UTC day added as ``day``;
- ``posts_per_day`` (view): day, posts, positive, neutral, negative, avg_sentiment;
- ``posts_per_nation`` (view): country_code, country_name, posts, posters, avg_sentiment;
- ``snapshot_info``: when the copy was taken and how many posts it holds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hubbub.store.base import StoreUnavailable
from hubbub.store.duckdb import DuckDBStore

log = logging.getLogger(__name__)

_POSTS = """
CREATE TABLE bi.posts AS
SELECT id, source, created_at, CAST(created_at AS DATE) AS day, text, lang,
       author_id, username, name, location, verified, profile_image_url,
       array_to_string(hashtags, ',') AS hashtags,
       array_to_string(mentions, ',') AS mentions,
       array_to_string(keywords, ',') AS keywords,
       array_to_string(teams, ',') AS teams,
       like_count, retweet_count, reply_count, quote_count,
       country_code, country_name, location_confidence,
       sentiment_compound, sentiment_label, enrichment_status, enriched_at, ingested_at
FROM main.posts
"""
_VIEWS = (
    """
    CREATE VIEW bi.posts_per_day AS
    SELECT day, count(*) AS posts,
           count(*) FILTER (WHERE sentiment_label = 'positive') AS positive,
           count(*) FILTER (WHERE sentiment_label = 'neutral') AS neutral,
           count(*) FILTER (WHERE sentiment_label = 'negative') AS negative,
           avg(sentiment_compound) AS avg_sentiment
    FROM posts GROUP BY day
    """,
    """
    CREATE VIEW bi.posts_per_nation AS
    SELECT country_code, any_value(country_name) AS country_name, count(*) AS posts,
           count(DISTINCT author_id) AS posters, avg(sentiment_compound) AS avg_sentiment
    FROM posts WHERE country_code IS NOT NULL GROUP BY country_code
    """,
)


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    path: Path
    posts: int
    taken_at: datetime
    seconds: float


def write_snapshot(store: DuckDBStore, dest: str | Path) -> SnapshotResult:
    """Copy the store's posts into a fresh DuckDB file at ``dest`` (atomically replaced).

    Runs on a cursor of the store's own connection, so it works while the stack writes.
    """
    dest = Path(dest).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = store._con  # the store package's own helper: a cursor of the writer's connection
    if con is None:
        raise StoreUnavailable("the store is not set up (or already closed)")
    started = time.perf_counter()
    taken_at = datetime.now(UTC)
    cur = con.cursor()
    try:
        cur.execute(f"ATTACH '{_sql_str(tmp)}' AS bi")
        try:
            cur.execute("BEGIN TRANSACTION")
            cur.execute(_POSTS)
            for view in _VIEWS:
                cur.execute(view)
            cur.execute(
                "CREATE TABLE bi.snapshot_info AS SELECT ?::TIMESTAMP AS taken_at, "
                "(SELECT count(*) FROM bi.posts) AS posts",
                [taken_at.replace(tzinfo=None)],
            )
            cur.execute("COMMIT")
            posts = int(cur.execute("SELECT posts FROM bi.snapshot_info").fetchall()[0][0])
            cur.execute("CHECKPOINT bi")
        finally:
            cur.execute("DETACH bi")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        cur.close()
    os.replace(tmp, dest)
    return SnapshotResult(dest, posts, taken_at, time.perf_counter() - started)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


class SnapshotRefresher:
    """Rewrites the snapshot at start and then every ``interval_s`` seconds (a daemon thread).

    A failed refresh is logged and retried at the next tick; the previous snapshot stays.
    """

    def __init__(self, store: DuckDBStore, dest: str | Path, interval_s: float = 60.0) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        self.store = store
        self.dest = Path(dest)
        self.interval_s = interval_s
        self.last: SnapshotResult | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> SnapshotResult | None:
        try:
            self.last = write_snapshot(self.store, self.dest)
        except Exception:
            log.exception("BI snapshot to %s failed", self.dest)
            return None
        log.debug("BI snapshot: %d posts in %.2fs", self.last.posts, self.last.seconds)
        return self.last

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="bi-snapshot", daemon=True)
        self._thread.start()

    def stop(self, final: bool = True) -> None:
        """Stop the thread; with ``final``, write one last snapshot (call before store.close)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if final:
            self.refresh()

    def _run(self) -> None:
        while True:
            self.refresh()
            if self._stop.wait(self.interval_s):
                return
