"""The web dashboard's endpoints (overview, top posters, facets, matches, live events), the
built dashboard served at / and the OpenAPI snapshot the web client is typed against."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hubbub.api.app import create_app
from hubbub.api.openapi_web import dashboard_openapi
from hubbub.api.static import IMMUTABLE
from hubbub.models import EnrichedPost
from hubbub.store.base import Store
from hubbub.store.duckdb import DuckDBStore

T0 = datetime(2022, 12, 18, 12, tzinfo=UTC)
WEB = Path(__file__).resolve().parents[3] / "web"
# (country, author) of each post: in AR "a1" posts most, in FR "f2" does; one post has no country
AUTHORS = [("AR", "a1")] * 4 + [("AR", "a2")] * 2 + [("FR", "f1")] + [("FR", "f2")] * 3
AUTHORS += [(None, "x1")]
MATCH = {
    "number": 64,
    "stage": "Final",
    "home": "Argentina",
    "away": "France",
    "home_iso2": "AR",
    "away_iso2": "FR",
    "home_code": "ARG",
    "away_code": "FRA",
    "home_score": 3,
    "away_score": 3,
    "shootout": (4, 2),
    "kickoff": datetime(2022, 12, 18, 15, tzinfo=UTC),
    "end": datetime(2022, 12, 18, 17, 47, tzinfo=UTC),
    "goals": [
        {
            "at": datetime(2022, 12, 18, 15, 23, tzinfo=UTC),
            "minute": "23",
            "side": 0,
            "scorer": "Messi",
            "penalty": True,
        },
    ],
}
SEMI = {
    **MATCH,
    "number": 62,
    "stage": "Semi-finals",
    "away": "Croatia",
    "kickoff": datetime(2022, 12, 13, 19, tzinfo=UTC),
    "end": datetime(2022, 12, 13, 21, tzinfo=UTC),
    "goals": [],
}


def make_post(i: int, country: str | None, author: str) -> EnrichedPost:
    names = {"AR": "Argentina", "FR": "France"}
    return EnrichedPost.model_validate(
        {
            "id": f"p{i}",
            "source": "sim",
            "created_at": T0 + timedelta(minutes=7 * i),
            "text": f"post {i}",
            "lang": "es" if country == "AR" else "fr",
            "author_id": author,
            "username": f"user_{author}",
            "name": author.upper(),
            "location": "somewhere",
            "country_code": country,
            "country_name": names.get(country or ""),
            "sentiment_compound": 0.6 if i % 2 else -0.6,
            "sentiment_label": "positive" if i % 2 else "negative",
            "teams": ["Argentina"] if country == "AR" else ["France"],
            "enriched_at": T0,
        }
    )


@pytest.fixture
def store(tmp_path):
    s = DuckDBStore(tmp_path / "d.duckdb")
    s.setup()
    s.write([make_post(i, c, a) for i, (c, a) in enumerate(AUTHORS)])
    yield s
    s.close()


@pytest.fixture
def dist(tmp_path) -> Path:
    d = tmp_path / "dist"
    (d / "assets").mkdir(parents=True)
    (d / "index.html").write_text("<!doctype html><title>hubbub</title><div id=root></div>")
    (d / "assets" / "index-abc123.js").write_text("export const x = 1;\n" * 200)
    return d


@pytest.fixture
def client(store, dist):
    app = create_app(store, static_dir=dist, matches=[MATCH, SEMI], live_interval=0.01)
    return TestClient(app)


def test_overview_counts_posts_nations_and_sentiment(client):
    o = client.get("/api/v1/overview").json()
    assert o["posts"] == len(AUTHORS)
    assert o["posts_unknown_country"] == 1
    assert o["countries"] == 2
    assert o["positive"] + o["negative"] + o["neutral"] == o["posts"]
    ar = client.get("/api/v1/overview", params={"country": "ar"}).json()
    assert ar["posts"] == 6 and ar["countries"] == 1 and ar["posts_unknown_country"] == 0
    assert client.get("/api/v1/overview", params={"keyword": "nothing"}).json()["posts"] == 0


def test_top_poster_per_nation(client):
    rows = client.get("/api/v1/top-posters").json()
    assert [(r["country_code"], r["author_id"], r["posts"], r["country_posts"]) for r in rows] == [
        ("AR", "a1", 4, 6),
        ("FR", "f2", 3, 4),
    ]
    assert rows[0]["username"] == "user_a1" and rows[0]["country_name"] == "Argentina"
    assert rows[0]["share"] == pytest.approx(4 / 6, abs=1e-4)
    expected = Counter(a for c, a in AUTHORS if c == "FR").most_common(1)[0]
    fr = client.get("/api/v1/top-posters", params={"country": "FR"}).json()
    assert [(r["author_id"], r["posts"]) for r in fr] == [expected]
    assert len(client.get("/api/v1/top-posters", params={"limit": 1}).json()) == 1


def test_facets_list_filter_choices(client):
    f = client.get("/api/v1/facets").json()
    assert [c["country_code"] for c in f["countries"]] == ["AR", "FR"]  # by name
    assert f["countries"][0] == {"country_code": "AR", "country_name": "Argentina", "posts": 6}
    assert f["teams"] == ["Argentina", "France"]
    assert f["langs"] == ["es", "fr"]  # most used first


def test_matches_are_served_in_kickoff_order_and_filtered(client):
    ms = client.get("/api/v1/matches").json()
    assert [m["number"] for m in ms] == [62, 64]
    final = ms[1]
    assert final["shootout"] == [4, 2] and final["kickoff"].startswith("2022-12-18T15:00:00")
    assert final["goals"][0]["scorer"] == "Messi" and final["goals"][0]["penalty"] is True
    after = client.get("/api/v1/matches", params={"since": "2022-12-14T00:00:00Z"}).json()
    assert [m["number"] for m in after] == [64]
    before = client.get("/api/v1/matches", params={"until": "2022-12-14T00:00:00Z"}).json()
    assert [m["number"] for m in before] == [62]
    assert client.get("/api/v1/matches", params={"team": "croatia"}).json()[0]["number"] == 62
    assert client.get("/api/v1/matches", params={"team": "Japan"}).json() == []


def test_no_schedule_means_no_matches(store):
    assert TestClient(create_app(store)).get("/api/v1/matches").json() == []


def test_live_sends_ticks_as_server_sent_events(client, store):
    with client.stream("GET", "/api/v1/live", params={"events": 1}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        assert r.headers["x-accel-buffering"] == "no"
        body = r.read().decode()
    assert body.startswith("retry: ")
    event = body.split("event: tick\n", 1)[1]
    data = json.loads(event.split("data: ", 1)[1].split("\n", 1)[0])
    assert data["posts"] == len(AUTHORS)
    assert data["last_created_at"].endswith("Z")
    assert set(data) == {"posts", "last_created_at", "last_ingested_at", "dead_letters"}


def test_live_stream_closes_after_its_lifetime(store):
    app = create_app(store, live_interval=0.01, live_max_seconds=0.2)
    with TestClient(app).stream("GET", "/api/v1/live") as r:
        body = r.read().decode()  # returns: the stream ended by itself
    assert body.count("event: tick") == 1  # the totals did not change meanwhile


def test_live_rejects_a_bad_event_count(client):
    assert client.get("/api/v1/live", params={"events": 0}).status_code == 422


def test_dashboard_is_served_with_cache_headers(client):
    page = client.get("/")
    assert page.status_code == 200 and "<div id=root>" in page.text
    assert page.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert asset.headers["content-encoding"] == "gzip"
    assert client.get("/assets/nope.js").status_code == 404
    # the API still answers under the mounted site
    assert client.get("/api/v1/stats").json()["posts"] == len(AUTHORS)


def test_placeholder_page_without_a_build(store, tmp_path):
    r = TestClient(create_app(store, static_dir=tmp_path / "missing")).get("/")
    assert r.status_code == 200 and "hubbub" in r.text


class _Bare(DuckDBStore):
    """A store that has not implemented the dashboard extras (like a new backend)."""

    overview = Store.overview  # the interface's defaults
    top_posters = Store.top_posters
    facets = Store.facets


def test_a_store_without_the_extras_answers_501(tmp_path):
    s = _Bare(tmp_path / "b.duckdb")
    s.setup()
    try:
        c = TestClient(create_app(s))
        for path in ("/api/v1/overview", "/api/v1/top-posters", "/api/v1/facets"):
            r = c.get(path)
            assert r.status_code == 501, path
            assert "not supported" in r.json()["detail"]
    finally:
        s.close()


def test_web_client_types_match_the_api():
    """web/openapi.json (what web/src/api/openapi.d.ts is generated from) is up to date:
    refresh both with `make web-api` when the dashboard's API changes."""
    snapshot = json.loads((WEB / "openapi.json").read_text())
    assert snapshot == json.loads(json.dumps(dashboard_openapi())), "run `make web-api`"
    generated = (WEB / "src" / "api" / "openapi.d.ts").read_text()
    for name in snapshot["components"]["schemas"]:
        assert f"        {name}: {{" in generated, f"{name} missing: run `make web-api`"
