"""`hubbub up` (what `make up` runs) as a real subprocess: it serves the API, the counts grow while
it runs, and SIGTERM drains the pipeline and stops cleanly with nothing lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import duckdb
import httpx
import pytest

from hubbub.sources.simulator import WorldCupSimulator

pytestmark = pytest.mark.e2e
SEED = 11


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"hubbub up exited early: {proc.log_path.read_text()}"
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("hubbub up never became ready")


def _posts(base: str) -> int:
    return int(httpx.get(f"{base}/api/v1/stats", timeout=5).json()["posts"])


def _start(store, port: int, speed: str = "20000") -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "hubbub",
        "up",
        "--port",
        str(port),
        "--store",
        str(store),
        "--seed",
        str(SEED),
        "--start",
        "2022-11-20",
        "--end",
        "2022-11-23",
        "--speed",
        speed,
    ]
    # the log goes to a file: an unread pipe would stall the server once it filled up
    log_path = store.parent / f"up-{time.monotonic_ns()}.log"
    proc = subprocess.Popen(cmd, stdout=log_path.open("w"), stderr=subprocess.STDOUT, text=True)
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


def _finish(proc: subprocess.Popen, *, kill: bool = False, twice: bool = False) -> str:
    """Stop with SIGTERM (or SIGKILL), wait, and return everything it logged.

    ``twice``: the stop arrives twice at once, as when Ctrl-C reaches make, uv and hubbub and uv
    forwards it too; that is still one request to drain, not a forced exit."""
    if kill:
        proc.kill()
    else:
        proc.send_signal(signal.SIGTERM)
        if twice:
            time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    return proc.log_path.read_text()  # type: ignore[attr-defined]


def test_up_serves_growing_counts_and_stops_cleanly_on_sigterm(tmp_path, port):
    store = tmp_path / "hubbub.duckdb"
    proc = _start(store, port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        seen = [_posts(base)]
        for _ in range(3):
            time.sleep(1.5)
            seen.append(_posts(base))
        assert seen[-1] > seen[0], f"counts did not grow while running: {seen}"
        assert httpx.get(f"{base}/api/v1/counts/day").status_code == 200
    finally:
        output = _finish(proc, twice=True)
    assert proc.returncode == 0, output
    assert "stopped cleanly" in output, output

    summary = json.loads((tmp_path / "hubbub.duckdb.last-run.json").read_text())
    assert summary["clean"] is True
    assert summary["emitted"] > 0
    assert summary["emitted"] == summary["stored"] + summary["duplicates"] + summary["dead_letters"]

    with duckdb.connect(str(store), read_only=True) as con:
        stored_ids = [r[0] for r in con.execute("select id from posts").fetchall()]
    assert len(stored_ids) == len(set(stored_ids)) == summary["stored"]
    # the posts the source emitted are exactly the first `emitted` posts of the same simulation
    sim = WorldCupSimulator(
        seed=SEED, start=datetime(2022, 11, 20, tzinfo=UTC), end=datetime(2022, 11, 24, tzinfo=UTC)
    )
    expected: list[str] = []
    for batch in sim.batches(5_000):
        expected.extend(p.id for p in batch.posts)
        if len(expected) >= summary["emitted"]:
            break
    assert set(stored_ids) == set(expected[: summary["emitted"]])


def test_a_crashed_stack_resumes_without_loss_or_duplicates(tmp_path, port):
    """kill -9 mid-stream, start again: the store is still a gap-free, duplicate-free prefix."""
    store = tmp_path / "hubbub.duckdb"
    base = f"http://127.0.0.1:{port}"
    first = _start(store, port)
    try:
        _wait_ready(base, first)
        deadline = time.monotonic() + 60
        while _posts(base) < 2_000 and time.monotonic() < deadline:
            time.sleep(0.3)
        before_crash = _posts(base)
    finally:
        _finish(first, kill=True)  # SIGKILL: no drain, no summary
    assert before_crash > 0

    second = _start(store, port)
    try:
        _wait_ready(base, second)
        deadline = time.monotonic() + 60
        while _posts(base) <= before_crash + 2_000 and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        output = _finish(second)
    assert second.returncode == 0, output
    assert "resuming the simulator" in output, output

    with duckdb.connect(str(store), read_only=True) as con:
        stored = [r[0] for r in con.execute("select id from posts").fetchall()]
    assert len(stored) == len(set(stored)), "a post was stored twice"
    assert len(stored) > before_crash
    sim = WorldCupSimulator(
        seed=SEED, start=datetime(2022, 11, 20, tzinfo=UTC), end=datetime(2022, 11, 24, tzinfo=UTC)
    )
    expected: list[str] = []
    for batch in sim.batches(5_000):
        expected.extend(p.id for p in batch.posts)
        if len(expected) >= len(stored):
            break
    assert set(stored) == set(expected[: len(stored)]), "the store has a gap"
