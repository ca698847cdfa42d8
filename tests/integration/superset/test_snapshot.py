"""The BI snapshot: another process reads it while the store stays open for writing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from hubbub.cli import app as cli
from hubbub.models import EnrichedPost
from hubbub.store.duckdb import DuckDBStore
from hubbub.store.snapshot import SnapshotRefresher, write_snapshot

pytestmark = pytest.mark.integration
T0 = datetime(2022, 11, 20, 10, tzinfo=UTC)
NATIONS = [("AR", "Argentina"), ("FR", "France"), ("NG", "Nigeria"), (None, None)]


def make_posts(start: int, n: int) -> list[EnrichedPost]:
    posts = []
    for i in range(start, start + n):
        code, name = NATIONS[i % len(NATIONS)]
        posts.append(
            EnrichedPost.model_validate(
                {
                    "id": str(i),
                    "source": "sim",
                    "created_at": T0 + timedelta(hours=7 * i),
                    "text": f"post {i} #WorldCup",
                    "lang": "en",
                    "author_id": f"u{i % 5}",
                    "username": f"user{i % 5}",
                    "name": f"User {i % 5}",
                    "country_code": code,
                    "country_name": name,
                    "sentiment_compound": 0.5 if i % 3 else -0.5,
                    "sentiment_label": "positive" if i % 3 else "negative",
                    "hashtags": ["WorldCup", "ARG"],
                    "teams": ["Argentina"],
                    "enriched_at": T0,
                }
            )
        )
    return posts


READER = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
q = lambda sql: con.execute(sql).fetchall()
print(json.dumps({
    "posts": q("SELECT count(*) FROM posts")[0][0],
    "days": q("SELECT count(*), sum(posts) FROM posts_per_day")[0],
    "nations": q("SELECT country_code, posts FROM posts_per_nation ORDER BY country_code"),
    "hashtags": q("SELECT hashtags FROM posts LIMIT 1")[0][0],
    "info": q("SELECT posts FROM snapshot_info")[0][0],
}))
"""


def read_in_another_process(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", READER, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_snapshot_is_readable_by_another_process_while_the_store_is_open(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "store.duckdb")
    store.setup()
    try:
        store.write(make_posts(0, 40))
        result = write_snapshot(store, tmp_path / "bi" / "hubbub_bi.duckdb")
        assert result.posts == 40
        seen = read_in_another_process(result.path)
        assert seen["posts"] == seen["info"] == 40
        assert seen["days"][1] == 40
        assert seen["nations"] == [["AR", 10], ["FR", 10], ["NG", 10]]
        assert seen["hashtags"] == "WorldCup,ARG"

        # the live store can't be opened by that other process (why the snapshot exists)
        with pytest.raises(subprocess.CalledProcessError):
            read_in_another_process(tmp_path / "store.duckdb")

        # the store keeps taking writes; the next snapshot replaces the file atomically
        store.write(make_posts(40, 20))
        assert write_snapshot(store, result.path).posts == 60
        assert read_in_another_process(result.path)["posts"] == 60
        assert sorted(p.name for p in result.path.parent.iterdir()) == ["hubbub_bi.duckdb"]
    finally:
        store.close()


def test_refresher_keeps_the_snapshot_fresh(tmp_path: Path) -> None:
    dest = tmp_path / "bi.duckdb"
    store = DuckDBStore(tmp_path / "store.duckdb")
    store.setup()
    refresher = SnapshotRefresher(store, dest, interval_s=0.05)
    try:
        store.write(make_posts(0, 10))
        refresher.start()
        deadline = time.monotonic() + 10
        while refresher.last is None or refresher.last.posts < 10:
            assert time.monotonic() < deadline, "no snapshot written"
            time.sleep(0.02)
        store.write(make_posts(10, 15))
        while refresher.last.posts < 25:
            assert time.monotonic() < deadline, "snapshot not refreshed"
            time.sleep(0.02)
    finally:
        refresher.stop(final=True)
        store.close()
    assert refresher.last is not None and refresher.last.posts == 25
    con = duckdb.connect(str(dest), read_only=True)
    assert con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 25
    con.close()


def test_snapshot_cli(tmp_path: Path) -> None:
    store_path, out = tmp_path / "store.duckdb", tmp_path / "bi" / "snap.duckdb"
    with DuckDBStore(store_path) as store:
        store.write(make_posts(0, 12))
    args = ["superset", "snapshot", "--store", str(store_path), "--snapshot", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "wrote 12 posts" in result.output
    assert read_in_another_process(out)["posts"] == 12
