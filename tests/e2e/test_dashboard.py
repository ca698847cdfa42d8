"""The dashboard in a real browser (Debian's Chromium driven by Playwright) against a running
`hubbub up`: live updates arrive, every panel shows data that agrees with the API, the
recent-post cards are the API's recent posts, a nation filter changes every panel and the URL,
and the page works at phone width. Screenshots and page metrics go to test-artifacts/; one
desktop screenshot is copied to docs/dashboard.png for the README."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts"
DOCS_SHOT = ROOT / "docs" / "dashboard.png"
CHROMIUM = "/usr/bin/chromium"
# shared/COMPONENTS.md: Chromium on this machine (Playwright adds a fresh --user-data-dir)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PANELS = [
    "headline",
    "timeline",
    "map",
    "nations",
    "per-day",
    "posts",
    "sentiment-team",
    "sentiment-nation",
    "top-posters",
]
CARDS = 12
SENTIMENT_MIN = 5  # web/src/components/SentimentPanels.tsx: MIN_POSTS
END_OF_STREAM = "2022-12-18T23:00"  # the simulated range ends at midnight
METRICS_JS = """() => new Promise((resolve) => {
  let cls = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (!e.hadRecentInput) cls += e.value;
  }).observe({ type: "layout-shift", buffered: true });
  let lcp = 0;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) lcp = e.startTime; })
    .observe({ type: "largest-contentful-paint", buffered: true });
  setTimeout(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    const paint = Object.fromEntries(
      performance.getEntriesByType("paint").map((p) => [p.name, p.startTime]));
    const local = res.filter(
      (r) => r.name.startsWith(location.origin) && !r.name.includes("/api/"));
    resolve({
      first_paint_ms: paint["first-paint"],
      first_contentful_paint_ms: paint["first-contentful-paint"],
      largest_contentful_paint_ms: lcp,
      dom_content_loaded_ms: nav.domContentLoadedEventEnd,
      load_ms: nav.loadEventEnd,
      cumulative_layout_shift: cls,
      page_transfer_bytes: nav.transferSize + local.reduce((a, r) => a + r.transferSize, 0),
      page_decoded_bytes: nav.decodedBodySize + local.reduce((a, r) => a + r.decodedBodySize, 0),
      files: local.map((r) => ({
        url: r.name.replace(location.origin, ""),
        transfer: r.transferSize,
        decoded: r.decodedBodySize,
      })),
    });
  }, 500);
})"""


def _wait(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (httpx.HTTPError, AssertionError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[str]:
    """`hubbub up` with the World Cup's last two days, replayed at 10,000x (about 17 s)."""
    ARTIFACTS.mkdir(exist_ok=True)
    if not (DIST / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `make web`")
    from tests.support import free_port

    port = free_port()
    tmp = tmp_path_factory.mktemp("dash")
    cmd = [sys.executable, "-m", "hubbub", "up", "--port", str(port)]
    cmd += ["--store", str(tmp / "hubbub.duckdb"), "--speed", "10000"]
    cmd += ["--start", "2022-12-17", "--end", "2022-12-18", "--seed", "5"]
    log = tmp / "hubbub-up.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(
            lambda: proc.poll() is None and httpx.get(f"{base}/readyz", timeout=1).is_success,
            "hubbub up to be ready",
            60,
        )
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        shutil.copy(log, ARTIFACTS / "dashboard-hubbub-up.log")
        assert proc.returncode == 0, log.read_text()[-3000:]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _api(base: str, path: str, **params: Any) -> Any:
    r = httpx.get(f"{base}{path}", params=params, timeout=10)
    r.raise_for_status()
    return r.json()


def _panel(page: Any, name: str) -> dict[str, Any]:
    return page.eval_on_selector(
        f'[data-panel="{name}"]', "e => ({state: e.dataset.state, total: e.dataset.total})"
    )


def _totals(page: Any) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for name in PANELS:
        t = _panel(page, name)["total"]
        out[name] = int(t) if t not in (None, "") else None
    return out


def _settled(base: str) -> int:
    """Wait until the stream has delivered its last day (and the totals stop changing)."""
    seen = [-1]

    def check() -> int | None:
        time.sleep(1.5)
        stats = _api(base, "/api/v1/stats")
        n, last = int(stats["posts"]), stats["last_created_at"] or ""
        done = n == seen[-1] and last >= END_OF_STREAM
        seen.append(n)
        return n if done else None

    try:
        return _wait(check, "the stream to finish", 240)
    except AssertionError as e:
        raise AssertionError(f"{e}; posts seen: {seen[-5:]}") from None


def _expected(base: str, **f: str) -> dict[str, int]:
    """What each panel's data-total must be under filters ``f``, from the API."""
    overview = _api(base, "/api/v1/overview", **f)
    countries = _api(base, "/api/v1/counts/country", **f)
    with_country = sum(c["posts"] for c in countries)
    return {
        "headline": overview["posts"],
        "timeline": sum(p["posts"] for p in _api(base, "/api/v1/timeline", bucket="minute", **f)),
        "per-day": sum(d["posts"] for d in _api(base, "/api/v1/counts/day", **f)),
        "nations": with_country,
        "posts": CARDS,
        # the sentiment charts leave out groups of fewer than SENTIMENT_MIN posts
        "sentiment-team": sum(
            t["posts"]
            for t in _api(base, "/api/v1/sentiment/team", **f)
            if t["posts"] >= SENTIMENT_MIN
        ),
        "sentiment-nation": sum(
            c["posts"]
            for c in _api(base, "/api/v1/sentiment/country", limit=20, **f)
            if c["posts"] >= SENTIMENT_MIN
        ),
        "top-posters": with_country,
    }


def _card_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("[data-post-id]", "es => es.map(e => e.dataset.postId)")


def test_dashboard_live_panels_filter_and_phone(stack: str, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(stack)

    # live: the posts count grows without a reload, pushed over server-sent events
    page.wait_for_selector('[data-live="live"]', timeout=15_000)
    headline = '[data-panel="headline"]'
    page.wait_for_function(f"document.querySelector('{headline}').dataset.total > 0")
    first = int(page.eval_on_selector(headline, "e => e.dataset.total"))
    page.wait_for_function(
        f"Number(document.querySelector('{headline}').dataset.total) > {first}", timeout=30_000
    )

    # once the stream has finished, every panel shows data that agrees with the API
    _settled(stack)
    expected = _expected(stack)
    _wait(lambda: _totals(page) | {"map": None} == expected | {"map": None}, "panels = API", 20)
    for name in PANELS:
        assert _panel(page, name)["state"] == "ready", name
    assert int(_panel(page, "map")["total"]) > 0
    _wait(
        lambda: page.eval_on_selector("[data-matches]", "e => Number(e.dataset.matches)") >= 2,
        "the matches marked on the timeline",
        10,
    )
    busiest = _api(stack, "/api/v1/busiest-day")
    assert page.eval_on_selector("[data-busiest]", "e => e.dataset.busiest") == busiest["day"]
    # the cards are the API's newest posts, in order
    recent = [p["id"] for p in _api(stack, "/api/v1/posts/recent", limit=CARDS)]
    assert _card_ids(page) == recent
    metrics = page.evaluate(METRICS_JS)  # paint times are kept; shifts counted through updates
    page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)
    _save_docs_screenshot(page)

    # keyboard: the first Tab reaches the skip link, and the nation filter is reachable
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"

    # a nation filter changes every panel and the URL
    nation = page.eval_on_selector('[data-panel="nations"] tbody tr', "e => e.dataset.country")
    page.select_option('select[name="country"]', nation)
    page.wait_for_url(re.compile(rf"[?&]country={nation}\b"))
    filtered = _expected(stack, country=nation)
    _wait(lambda: _totals(page) | {"map": None} == filtered | {"map": None}, "filtered panels", 20)
    before, after = expected, _totals(page)
    changed = [n for n in PANELS if n not in ("map", "posts") and after[n] != before[n]]
    assert sorted(changed) == sorted(set(PANELS) - {"map", "posts"}), (before, after)
    assert int(_panel(page, "map")["total"]) == filtered["nations"]
    assert page.eval_on_selector_all(
        '[data-panel="nations"] tbody tr', "es => es.map(e => e.dataset.country)"
    ) == [nation]
    ids = [p["id"] for p in _api(stack, "/api/v1/posts/recent", limit=CARDS, country=nation)]
    _wait(lambda: _card_ids(page) == ids, "filtered cards")
    assert _card_ids(page) != recent
    page.screenshot(path=str(ARTIFACTS / "dashboard-filtered.png"), full_page=True)
    # the shared URL opens the same view
    shared = browser.new_page(viewport={"width": 1280, "height": 900})
    shared.goto(page.url)
    shared.wait_for_function(
        f"document.querySelector('{headline}').dataset.total == {filtered['headline']}"
    )
    assert shared.input_value('select[name="country"]') == nation
    shared.close()

    # a hashtag in a card filters by it (and the nation stays)
    tag = page.inner_text('[data-panel="posts"] button.tag >> nth=0').lstrip("#")
    page.click('[data-panel="posts"] button.tag >> nth=0')
    page.wait_for_url(re.compile(rf"[?&]keyword={re.escape(tag)}\b"))
    tagged = _api(stack, "/api/v1/overview", country=nation, keyword=tag)["posts"]
    page.wait_for_function(
        f"document.querySelector('{headline}').dataset.total == {tagged}", timeout=15_000
    )
    assert 0 < tagged < filtered["headline"]

    # dark mode
    page.click("text=Dark")
    page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
    page.screenshot(path=str(ARTIFACTS / "dashboard-dark.png"))
    assert not errors, errors
    page.close()

    # phone width: no sideways scrolling, every panel still there
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(stack)
    _wait(lambda: _totals(phone)["posts"] == CARDS, "phone panels")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for name in PANELS:
        assert _panel(phone, name)["state"] == "ready", name
    phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    phone.close()

    # empty and error states show in the page, not only in the console
    states = browser.new_page(viewport={"width": 1280, "height": 900})
    states.route(
        "**/api/v1/sentiment/team*",
        lambda route: route.fulfill(
            status=500, content_type="application/json", body='{"detail": "store error: boom"}'
        ),
    )
    states.goto(f"{stack}/?keyword=nobody-says-this")
    _wait(lambda: _panel(states, "sentiment-team")["state"] == "error", "the error state")
    assert "boom" in states.inner_text('[data-panel="sentiment-team"] [role="alert"]')
    for name in ("per-day", "timeline", "nations", "posts", "top-posters", "sentiment-nation"):
        _wait(lambda n=name: _panel(states, n)["state"] == "empty", f"{name}'s empty state")
    assert states.input_value('input[name="keyword"]') == "nobody-says-this"
    states.screenshot(path=str(ARTIFACTS / "dashboard-states.png"))
    states.close()

    (ARTIFACTS / "web-metrics.json").write_text(json.dumps(metrics, indent=2))
    assert metrics["cumulative_layout_shift"] < 0.1, metrics
    assert metrics["first_contentful_paint_ms"] < 5000, metrics


def _save_docs_screenshot(page: Any) -> None:
    """The top of the desktop page (header to the cards), small enough to commit."""
    DOCS_SHOT.parent.mkdir(exist_ok=True)
    for height in (1700, 1300, 900):
        clip = {"x": 0, "y": 0, "width": 1280, "height": height}
        page.screenshot(path=str(DOCS_SHOT), clip=clip, full_page=True)
        if DOCS_SHOT.stat().st_size < 500_000:
            return
    raise AssertionError(f"{DOCS_SHOT} is {DOCS_SHOT.stat().st_size} bytes")
