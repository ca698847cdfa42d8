"""A real Superset (its own venv, SQLite metadata in tmp) bootstrapped twice by hubbub.

About 1.5 minutes with the venv in place (Superset's migrations, ``init`` and start-up are
most of it), so ``make test`` runs it; it is marked ``superset`` so ``-m "not superset"``
leaves it out. It brings ``.venv-superset`` up to date with ``make superset`` first (a no-op
when it is) and prints how long each step took (``-s`` shows them).
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from hubbub.cli import app as cli
from hubbub.enrich.enricher import Enricher
from hubbub.enrich.users import LookupResult
from hubbub.sources.simulator import WorldCupSimulator
from hubbub.sources.users_pool import UserPool
from hubbub.store.duckdb import DuckDBStore
from hubbub.store.snapshot import write_snapshot
from hubbub.superset import assets
from hubbub.superset.bootstrap import bootstrap
from hubbub.superset.client import SupersetClient
from hubbub.superset.guest_token import GuestTokens
from tests.support import free_port

pytestmark = [pytest.mark.integration, pytest.mark.superset, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[3]
VENV = REPO / ".venv-superset"
DEPLOY_CONFIG = REPO / "deploy" / "superset" / "superset_config.py"
ADMIN, PASSWORD = "admin", secrets.token_urlsafe(12)
TIMINGS: dict[str, float] = {}


class _Timer:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.t0 = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        TIMINGS[self.name] = round(time.monotonic() - self.t0, 1)
        print(f"[superset] {self.name}: {TIMINGS[self.name]} s")


def _superset_venv() -> Path:
    with _Timer("make superset (venv install or no-op)"):
        subprocess.run(["make", "-s", "superset"], cwd=REPO, env=_outside_venv(), check=True)
    return VENV / "bin" / "superset"


def _outside_venv() -> dict[str, str]:
    """The environment minus hubbub's venv (``make`` wants the machine's python3 and uv)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))}
    venv_bin = os.environ.get("VIRTUAL_ENV", str(REPO / ".venv")) + "/bin"
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def _run(superset: Path, env: dict[str, str], *args: str) -> None:
    out = subprocess.run(
        [str(superset), *args], env=env, cwd=env["SUPERSET_HOME"], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise AssertionError(f"superset {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")


@pytest.fixture(scope="module")
def superset_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    t0 = time.monotonic()
    superset = _superset_venv()
    home = tmp_path_factory.mktemp("superset_home")
    config = home / "superset_config.py"
    config.write_text(
        f"exec(open({str(DEPLOY_CONFIG)!r}).read())\n"
        f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{home}/superset.db?check_same_thread=false'\n"
    )
    env = {k: v for k, v in _outside_venv().items() if not k.startswith(("PYTHON", "HUBBUB_"))}
    env.update(
        SUPERSET_CONFIG_PATH=str(config),
        SUPERSET_HOME=str(home),
        SUPERSET_SECRET_KEY=secrets.token_urlsafe(32),
        FLASK_APP="superset",
    )
    with _Timer("superset db upgrade"):
        _run(superset, env, "db", "upgrade")
    with _Timer("superset fab create-admin"):
        _run(
            superset, env, "fab", "create-admin", "--username", ADMIN, "--firstname", "Hub",
            "--lastname", "Bub", "--email", "admin@example.invalid", "--password", PASSWORD,
        )  # fmt: skip
    with _Timer("superset init"):
        _run(superset, env, "init")
    port = free_port()
    log = (home / "server.log").open("w")
    with _Timer("superset run (until /health answers)"):
        proc = subprocess.Popen(
            [str(superset), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (home / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "Superset did not answer /health in 180 s"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    TIMINGS["superset ready (total)"] = round(time.monotonic() - t0, 1)
    try:
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server we started, and its children
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()
        print(f"[superset] timings: {json.dumps(TIMINGS)}")


class _PoolLookup:
    """The simulator's users, answered in-process (what /2/users serves in `hubbub up`)."""

    def __init__(self, pool: UserPool) -> None:
        self.pool = pool

    def lookup(self, ids: Any) -> LookupResult:
        ids = list(ids)
        users = {u.id: u for u in self.pool.get_users(ids)}
        return LookupResult(users, set(ids) - set(users), set())


def _fill(store: DuckDBStore, start: datetime, end: datetime) -> int:
    pool = UserPool(seed=7)
    sim = WorldCupSimulator(seed=7, start=start, end=end, rate=0.05, users=pool)
    enricher = Enricher(users=_PoolLookup(pool))
    n = 0
    for batch in sim.batches(2_000):
        n += store.write(enricher.enrich(batch.posts)).inserted
    return n


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DuckDBStore, Path]]:
    root = tmp_path_factory.mktemp("hubbub")
    store = DuckDBStore(root / "store.duckdb")
    store.setup()
    with _Timer("simulate + enrich + snapshot"):
        _fill(store, datetime(2022, 11, 20, tzinfo=UTC), datetime(2022, 11, 23, tzinfo=UTC))
        path = write_snapshot(store, root / "bi" / "hubbub_bi.duckdb").path
    try:
        yield store, path  # the store stays open: Superset must not need it
    finally:
        store.close()


def _chart_rows(client: SupersetClient, chart_id: int) -> list[dict[str, Any]]:
    body = client.get(f"/api/v1/chart/{chart_id}/data/", params={"force": "true"})
    rows: list[dict[str, Any]] = body["result"][0]["data"]
    return rows


def test_bootstrap_twice_then_charts_return_data(
    superset_url: str, snapshot: tuple[DuckDBStore, Path]
) -> None:
    store, path = snapshot
    with SupersetClient(superset_url, ADMIN, PASSWORD) as client:
        with _Timer("bootstrap (first run)"):
            first = bootstrap(client, path, embed_domains=[])
        assert {o.action for o in first.outcomes} <= {"created", "updated"}

        # the second run goes through the CLI, as a user would, and changes nothing
        with _Timer("bootstrap (second run, CLI)"):
            result = CliRunner().invoke(
                cli,
                ["superset", "bootstrap", "--url", superset_url, "--snapshot", str(path),
                 "--log-level", "WARNING"],
                env={"HUBBUB_SUPERSET_PASSWORD": PASSWORD, "HUBBUB_SUPERSET_EMBED_DOMAINS": "[]"},
            )  # fmt: skip
        assert result.exit_code == 0, result.output
        outcomes = [ln.split()[0] for ln in result.output.splitlines() if ln.endswith(")")]
        assert outcomes == ["unchanged"] * len(first.outcomes), result.output

        # exactly one of each object
        assert len(client.find("dashboard", slug=assets.DASHBOARD_SLUG)) == 1
        assert len(client.find("database", database_name=assets.DATABASE_NAME)) == 1
        for spec in assets.DATASETS:
            assert len(client.find("dataset", table_name=spec.name)) == 1, spec.name
        for chart in assets.CHARTS:
            assert len(client.find("chart", slice_name=chart.name)) == 1, chart.name
        on_dashboard = client.get(f"/api/v1/dashboard/{assets.DASHBOARD_SLUG}/charts")["result"]
        assert sorted(c["slice_name"] for c in on_dashboard) == sorted(
            c.name for c in assets.CHARTS
        )

        # a changed spec updates the object in place (found by name), never duplicates it
        chart = assets.CHARTS[1]
        changed = dataclasses.replace(chart, params={**chart.params, "row_limit": 5})
        spec = dataclasses.replace(
            assets.DASHBOARD, charts=(assets.CHARTS[0], changed, *assets.CHARTS[2:])
        )
        again = bootstrap(client, path, dashboard=spec, embed_domains=[])
        updated = [(o.kind, o.name) for o in again.outcomes if o.action != "unchanged"]
        assert updated == [("chart", chart.name)]
        restored = bootstrap(client, path, embed_domains=[])
        assert [o.action for o in restored.outcomes if o.kind == "chart"] == [
            "unchanged",
            "updated",
            "unchanged",
        ]
        assert restored.chart_ids == first.chart_ids

        # every chart's data endpoint answers with rows from the snapshot
        ids = first.chart_ids
        per_day = _chart_rows(client, ids["Posts per day"])
        assert len(per_day) == 3 and all(r["posts"] > 0 for r in per_day)
        nations = _chart_rows(client, ids["Posts by nation"])
        assert len(nations) >= 10 and nations[0]["posts"] >= nations[-1]["posts"]
        top = _chart_rows(client, ids["Top poster per nation"])
        assert len(top) >= 10 and all(r["username"] and r["posts"] >= 1 for r in top)
        stored = sum(r["posts"] for r in store.counts_per_day())
        assert sum(r["posts"] for r in per_day) == stored

        # a refreshed snapshot (atomic replace) is what Superset reads next
        with _Timer("refresh snapshot"):
            added = _fill(
                store, datetime(2022, 11, 23, tzinfo=UTC), datetime(2022, 11, 24, tzinfo=UTC)
            )
            write_snapshot(store, path)
        assert added > 0
        assert sum(r["posts"] for r in _chart_rows(client, ids["Posts per day"])) == stored + added

        # a real guest token for the embedded dashboard, with Superset's 5-minute expiry
        tokens = GuestTokens(client, assets.DASHBOARD_SLUG)
        token = tokens.get()
        assert token.dashboard_id == first.embedded_uuid
        assert 200 < token.expires_at - time.time() <= 300
        assert tokens.get() is token
