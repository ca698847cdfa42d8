"""deploy/nginx/hubbub.conf in front of a running API: Debian's nginx on a free loopback port
serves the dashboard's files (with cache and security headers, gzip, SPA fallback), proxies
the API, and passes server-sent events through unbuffered."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hubbub.api.app import create_app
from hubbub.models import EnrichedPost
from hubbub.store.duckdb import DuckDBStore
from tests.support import free_port, serve_app

pytestmark = pytest.mark.integration
CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "hubbub.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
T0 = datetime(2022, 12, 18, 15, tzinfo=UTC)
ASSET = "assets/index-Ab12Cd34.js"


def _post(i: int) -> EnrichedPost:
    return EnrichedPost.model_validate(
        {
            "id": f"n{i}",
            "source": "sim",
            "created_at": T0 + timedelta(seconds=i),
            "text": f"Vamos #ARG {i}",
            "lang": "es",
            "author_id": str(i % 3),
            "username": f"fan{i % 3}",
            "country_code": "AR",
            "country_name": "Argentina",
            "sentiment_compound": 0.5,
            "sentiment_label": "positive",
            "hashtags": ["ARG"],
            "teams": ["Argentina"],
            "enriched_at": T0,
        }
    )


def _conf(api_port: int, port: int, dist: Path) -> str:
    """The shipped config, pointed at this test's API, port and files."""
    text = CONF.read_text()
    for old, new in (
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{api_port};"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("root /srv/hubbub/web/dist;", f"root {dist};"),
    ):
        assert text.count(old) == 1, f"{old!r} not found once in {CONF}"
        text = text.replace(old, new)
    return text


def _main_conf(prefix: Path, site: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "".join(
        f"    {name}_temp_path {prefix / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\nerror_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 128; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {prefix / 'access.log'};\n{temps}    include {site};\n}}\n"
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is not installed: `make browser` installs it")
    tmp = tmp_path_factory.mktemp("nginx")
    dist = tmp / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        f'<!doctype html><html><head><script type="module" src="/{ASSET}"></script></head>'
        '<body><div id="root"></div></body></html>'
    )
    (dist / ASSET).write_text("console.log('hubbub');\n" * 200)  # > gzip_min_length
    store = DuckDBStore(tmp / "s.duckdb")
    store.setup()
    store.write([_post(i) for i in range(10)])
    app = create_app(store, static_dir=dist, live_interval=0.1, live_max_seconds=30)
    with serve_app(app) as api:
        api_port = int(api.rsplit(":", 1)[1])
        port = free_port()
        site = tmp / "hubbub.conf"
        site.write_text(_conf(api_port, port, dist))
        main = tmp / "nginx.conf"
        main.write_text(_main_conf(tmp, site))
        check = subprocess.run(
            [NGINX, "-t", "-c", str(main), "-p", str(tmp), "-g", f"pid {tmp / 'nginx.pid'};"],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        proc = subprocess.Popen(
            [NGINX, "-c", str(main), "-p", str(tmp), "-g", f"daemon off; pid {tmp / 'nginx.pid'};"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 10
            while True:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else b""
                try:
                    httpx.get(base, timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
            yield {"base": base, "api": api, "store": store, "tmp": tmp}
        finally:
            proc.terminate()
            proc.wait(10)
            store.close()


def test_pages_come_with_security_headers_and_revalidate(stack):
    r = httpx.get(stack["base"] + "/")
    assert r.status_code == 200
    assert '<div id="root">' in r.text
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in r.headers or "/" not in r.headers["server"]  # no version shown


def test_a_shared_dashboard_link_falls_back_to_the_page(stack):
    r = httpx.get(stack["base"] + "/nation/AR?country=AR")
    assert r.status_code == 200
    assert '<div id="root">' in r.text


def test_hashed_assets_are_cached_for_a_year_and_gzipped(stack):
    r = httpx.get(f"{stack['base']}/{ASSET}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert "console.log" in r.text
    assert httpx.get(f"{stack['base']}/assets/missing-123.js").status_code == 404


def test_the_api_is_proxied_unchanged(stack):
    via = httpx.get(stack["base"] + "/api/v1/counts/country")
    direct = httpx.get(stack["api"] + "/api/v1/counts/country")
    assert via.status_code == 200
    assert (
        via.json()
        == direct.json()
        == [{"country_code": "AR", "country_name": "Argentina", "posts": 10}]
    )
    assert "cache-control" not in via.headers or via.headers["cache-control"] != "no-cache"
    assert via.headers["x-content-type-options"] == "nosniff"
    bad = httpx.get(stack["base"] + "/api/v1/counts/country?country=ARG")
    assert bad.status_code == 422 and "hint" in bad.json()
    assert httpx.get(stack["base"] + "/healthz").status_code == 200
    docs = httpx.get(stack["base"] + "/docs")
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers


def test_the_users_endpoint_is_not_public(stack):
    assert httpx.get(stack["base"] + "/2/users?ids=1").status_code == 404


def test_live_updates_pass_through_unbuffered(stack):
    """The first tick arrives at once, and a write shows up as a new tick within a second."""
    ticks: list[int] = []
    started = time.monotonic()
    with httpx.stream("GET", stack["base"] + "/api/v1/live", timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in r.headers
        for line in r.iter_lines():
            m = re.match(r'data: \{"posts":(\d+)', line)
            if not m:
                continue
            ticks.append(int(m[1]))
            if len(ticks) == 1:
                assert time.monotonic() - started < 2, "the first tick was held back"
                wrote_at = time.monotonic()
                stack["store"].write([_post(i) for i in range(10, 15)])
            else:
                assert time.monotonic() - wrote_at < 2, "the update was buffered"
                break
    assert ticks == [10, 15]
