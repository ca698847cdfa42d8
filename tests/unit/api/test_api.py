"""The API over a real DuckDB store file (no mocks of the store)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from hubbub.api.app import create_app
from hubbub.models import DeadLetter, EnrichedPost, User
from hubbub.store.duckdb import DuckDBStore

T0 = datetime(2022, 11, 20, tzinfo=UTC)


def make_post(i: int) -> EnrichedPost:
    rng = random.Random(i)
    code, name = rng.choice([("AR", "Argentina"), ("FR", "France"), (None, None)])
    return EnrichedPost.model_validate(
        {
            "id": str(i),
            "source": "sim",
            "created_at": T0 + timedelta(minutes=37 * i),
            "text": f"post {i}",
            "lang": rng.choice(["en", "es"]),
            "author_id": str(i % 9),
            "username": f"user{i % 9}",
            "country_code": code,
            "country_name": name,
            "sentiment_compound": 0.5 if i % 2 else -0.5,
            "sentiment_label": "positive" if i % 2 else "negative",
            "hashtags": ["WorldCup"] + (["ARG"] if code == "AR" else []),
            "teams": ["Argentina"] if code == "AR" else ["France"],
            "keywords": ["goal"] if i % 4 == 0 else [],
            "enriched_at": T0,
        }
    )


class Directory:
    def __init__(self) -> None:
        self.users = {
            str(i): User(
                id=str(i),
                username=f"u{i}",
                name=f"U {i}",
                location="Rosario",
                verified=i % 2 == 0,
                created_at=T0,
            )
            for i in range(5)
        }

    def get_users(self, ids: Sequence[str]) -> list[User]:
        return [self.users[i] for i in ids if i in self.users]


@pytest.fixture
def store(tmp_path):
    s = DuckDBStore(tmp_path / "api.duckdb")
    s.setup()
    s.write([make_post(i) for i in range(300)])
    s.write_dead_letters([DeadLetter(stage="validate", reason="schema", raw="{")])
    yield s
    s.close()


@pytest.fixture
def client(store):
    return TestClient(create_app(store, users=Directory()))


DATA_ENDPOINTS = [
    "/api/v1/posts/recent",
    "/api/v1/counts/day",
    "/api/v1/counts/country",
    "/api/v1/timeline",
    "/api/v1/hashtags/top",
    "/api/v1/sentiment/country",
    "/api/v1/sentiment/team",
    "/api/v1/busiest-day",
]


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_data_endpoints_with_and_without_filters(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
    r = client.get(
        path,
        params={
            "country": "ar",
            "since": "2022-11-21T00:00:00Z",
            "until": "2022-11-24T00:00:00+01:00",
            "lang": "es",
        },
    )
    assert r.status_code == 200, r.text
    r = client.get(path, params={"team": "Argentina", "keyword": "goal"})
    assert r.status_code == 200, r.text


def test_answers(client: TestClient, store: DuckDBStore) -> None:
    recent = client.get("/api/v1/posts/recent", params={"limit": 3}).json()
    assert [p["id"] for p in recent] == ["299", "298", "297"]
    assert recent[0]["created_at"].endswith("Z") and "metrics" in recent[0]
    countries = client.get("/api/v1/counts/country").json()
    assert {c["country_code"] for c in countries} == {"AR", "FR"}
    assert countries[0]["country_name"] in ("Argentina", "France")
    ar = client.get("/api/v1/counts/day", params={"country": "ar"}).json()
    assert sum(d["posts"] for d in ar) == next(
        c["posts"] for c in countries if c["country_code"] == "AR"
    )
    tags = client.get("/api/v1/hashtags/top", params={"limit": 1}).json()
    assert tags == [{"hashtag": "worldcup", "posts": 300}]
    teams = client.get("/api/v1/sentiment/team").json()
    assert {t["team"] for t in teams} == {"Argentina", "France"}
    stats = client.get("/api/v1/stats").json()
    assert stats["posts"] == 300 and stats["dead_letters"] == 1
    assert client.get("/api/v1/dead-letters").json()[0]["count"] == 1
    day = client.get("/api/v1/timeline", params={"bucket": "day"}).json()
    assert day[0]["ts"].startswith("2022-11-20T00:00:00")
    assert client.get("/api/v1/busiest-day", params={"country": "ZZ"}).json() is None
    assert client.get("/api/v1/busiest-day").json()["posts"] > 0


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"since": "2022-11-21T00:00:00"}, "add 'Z' or an offset"),
        ({"until": "yesterday"}, "time zone"),
        ({"country": "ARG"}, "two-letter"),
        ({"since": "2022-11-22T00:00:00Z", "until": "2022-11-21T00:00:00Z"}, "before 'until'"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
    ],
)
def test_422_messages(client: TestClient, params: dict, needle: str) -> None:
    r = client.get("/api/v1/posts/recent", params=params)
    assert r.status_code == 422
    body = r.json()
    assert needle in body["detail"] + body["hint"]


def test_bad_bucket(client: TestClient) -> None:
    r = client.get("/api/v1/timeline", params={"bucket": "week"})
    assert r.status_code == 422 and "bucket=minute" in r.json()["hint"]


def test_store_errors_are_not_200(tmp_path) -> None:
    s = DuckDBStore(tmp_path / "x.duckdb")  # never set up: unavailable
    client = TestClient(create_app(s), raise_server_exceptions=False)
    r = client.get("/api/v1/counts/day")
    assert r.status_code == 503 and "detail" in r.json()
    assert client.get("/readyz").status_code == 503
    s.setup()
    assert client.get("/api/v1/counts/day").status_code == 200
    with s._transaction() as con:  # break the store under the API
        con.execute("DROP TABLE rollup_hour")
    r = client.get("/api/v1/counts/day")
    assert r.status_code == 500 and r.json()["detail"].startswith("store error")
    s.close()


def test_users_lookup(client: TestClient) -> None:
    r = client.get("/2/users", params={"ids": "1,2,77", "user.fields": "location,verified"})
    assert r.status_code == 200
    body = r.json()
    assert body["data"] == [
        {"id": "1", "name": "U 1", "username": "u1", "location": "Rosario", "verified": False},
        {"id": "2", "name": "U 2", "username": "u2", "location": "Rosario", "verified": True},
    ]
    assert body["errors"] == [
        {
            "value": "77",
            "detail": "Could not find user with ids: [77].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "ids",
            "resource_id": "77",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
    plain = client.get("/2/users", params={"ids": "3"}).json()
    assert plain == {"data": [{"id": "3", "name": "U 3", "username": "u3"}]}
    created = client.get("/2/users", params={"ids": "3", "user.fields": "created_at"}).json()
    assert created["data"][0]["created_at"] == "2022-11-20T00:00:00.000Z"


@pytest.mark.parametrize("ids", ["", ",".join(str(i) for i in range(101))])
def test_users_lookup_invalid(client: TestClient, ids: str) -> None:
    r = client.get("/2/users", params={"ids": ids})
    assert r.status_code == 400
    body = r.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"][0]["parameters"] == {"ids": [ids]}


def test_users_without_directory(store: DuckDBStore) -> None:
    assert TestClient(create_app(store)).get("/2/users", params={"ids": "1"}).status_code == 503


def test_health_ready_metrics(store: DuckDBStore) -> None:
    state = {"ready": False}
    client = TestClient(create_app(store, ready=lambda: state["ready"]))
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 503
    state["ready"] = True
    assert client.get("/readyz").status_code == 200
    text = client.get("/metrics").text
    assert "hubbub_store_posts 300.0" in text
    assert "hubbub_store_freshness_seconds" in text
    assert "python_info" in text or "process_" in text or "hubbub_" in text


def test_root_page_and_static(store: DuckDBStore, tmp_path) -> None:
    r = TestClient(create_app(store)).get("/")
    assert r.status_code == 200 and "/docs" in r.text
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<html>dashboard</html>")
    (web / "app.js").write_text("console.log(1)")
    client = TestClient(create_app(store, static_dir=web))
    assert "dashboard" in client.get("/").text
    assert client.get("/app.js").status_code == 200
    assert client.get("/api/v1/stats").status_code == 200


def test_openapi_documents_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in [*DATA_ENDPOINTS, "/api/v1/stats", "/api/v1/dead-letters", "/2/users", "/readyz"]:
        assert p in paths
