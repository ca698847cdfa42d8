"""The CLI's errors say what was wrong and how to fix it (exit code 2, no traceback)."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from hubbub.cli import app

runner = CliRunner()


def _fails(args: list[str], *expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())  # rich wraps lines in a box
    for fragment in expected:
        assert fragment in text, text
    assert "Traceback" not in result.output


def test_help_lists_the_commands_and_env_vars():
    result = runner.invoke(app, ["up", "--help"])
    assert result.exit_code == 0
    for option in ("--source", "--speed", "--start", "--end", "--store", "--port"):
        assert option in result.output
    assert "HUBBUB_PORT" in result.output


def test_bad_date_says_the_format(tmp_path):
    _fails(
        ["up", "--start", "2022-13-01", "--store", str(tmp_path / "s.duckdb")],
        "2022-13-01",
        "YYYY-MM-DD",
    )


def test_unknown_source_is_rejected(tmp_path):
    _fails(
        ["up", "--source", "myspace", "--store", str(tmp_path / "s.duckdb")],
        "source",
        "sim",
        "replay",
    )


def test_replay_without_a_file_says_which_option(tmp_path, port):
    _fails(
        ["up", "--source", "replay", "--port", str(port), "--store", str(tmp_path / "s.duckdb")],
        "--replay-path",
    )


def test_replay_of_a_missing_file_names_it(tmp_path, port):
    missing = tmp_path / "nope.jsonl"
    _fails(
        [
            "up",
            "--source",
            "replay",
            "--replay-path",
            str(missing),
            "--port",
            str(port),
            "--store",
            str(tmp_path / "s.duckdb"),
        ],
        "nope.jsonl",
        "does not exist",
    )


def test_port_in_use_suggests_another(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        _fails(
            ["up", "--port", str(taken), "--store", str(tmp_path / "s.duckdb")],
            f"127.0.0.1:{taken}",
            "--port",
        )


def test_serve_without_a_store_says_run_up_first(tmp_path):
    _fails(["serve", "--store", str(tmp_path / "missing.duckdb")], "hubbub up")


def test_negative_speed_is_rejected(tmp_path):
    _fails(["up", "--speed", "-1", "--store", str(tmp_path / "s.duckdb")], "speed")


def test_simulate_writes_posts_that_replay_reads_back(tmp_path):
    out = tmp_path / "posts.jsonl"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--out",
            str(out),
            "--start",
            "2022-11-20",
            "--end",
            "2022-11-20",
            "--rate",
            "0.2",
        ],
    )
    assert result.exit_code == 0, result.output
    from hubbub.sources.replay import open_replay

    lines = out.read_text().splitlines()
    replayed = [p for b in open_replay(out).batches(1000) for p in b.posts]
    assert len(replayed) == len(lines) > 0


def test_serve_create_store_serves_the_simulated_users(tmp_path, port):
    """`hubbub serve --create-store` is a users endpoint for Kafka enrichers (deploy/compose)."""
    import subprocess
    import sys
    import time

    import httpx

    store = tmp_path / "users.duckdb"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hubbub",
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--create-store",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        from hubbub.sources.users_pool import UserPool

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        pool = UserPool(seed=2022)
        ids = ",".join(pool.ids[:3])
        body = httpx.get(f"http://127.0.0.1:{port}/2/users", params={"ids": ids}).json()
        assert [u["id"] for u in body["data"]] == pool.ids[:3]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
