"""Guest tokens are cached and refreshed before they expire (a fake Superset, a fake clock)."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from hubbub.api.app import create_app
from hubbub.store.duckdb import DuckDBStore
from hubbub.superset.client import SupersetClient, SupersetError
from hubbub.superset.guest_token import GuestTokens, jwt_expiry
from tests.integration.superset.fake_superset import (
    EMBEDDED_UUID,
    FakeClock,
    FakeSuperset,
    make_jwt,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(httpserver: HTTPServer, clock: FakeClock) -> FakeSuperset:
    return FakeSuperset(httpserver, clock).install()


@pytest.fixture
def client(httpserver: HTTPServer):
    with SupersetClient(httpserver.url_for("/"), "admin", "secret", timeout_s=5) as c:
        yield c


def tokens(client: SupersetClient, clock: FakeClock, **kw) -> GuestTokens:
    return GuestTokens(client, EMBEDDED_UUID, refresh_margin_s=60, clock=clock, **kw)


def test_jwt_expiry_reads_the_exp_claim() -> None:
    assert jwt_expiry(make_jwt({"exp": 1234})) == 1234.0
    assert jwt_expiry(make_jwt({"user": "x"})) is None
    assert jwt_expiry("not-a-jwt") is None


def test_token_is_cached_until_the_refresh_margin(fake: FakeSuperset, client, clock) -> None:
    gt = tokens(client, clock)
    first = gt.get()
    assert first.token == fake.issued[0]
    assert first.expires_at == clock() + 300
    assert first.dashboard_id == EMBEDDED_UUID
    assert fake.guest_bodies[0]["resources"] == [{"type": "dashboard", "id": EMBEDDED_UUID}]

    clock.advance(239)  # 61 s left: still good
    assert gt.get() is first
    assert len(fake.issued) == 1

    clock.advance(1)  # 60 s left: inside the margin, refresh
    second = gt.get()
    assert second.token == fake.issued[1] != first.token
    assert second.expires_at == clock() + 300
    assert gt.fetches == 2
    assert fake.logins == 1  # the access token was still good


def test_tokens_stay_valid_over_a_long_session(fake: FakeSuperset, client, clock) -> None:
    """The original's static token broke after 5 minutes; here every answer has >= 60 s left."""
    gt = tokens(client, clock)
    for _ in range(120):  # one hour in 30 s steps
        token = gt.get()
        assert token.expires_at - clock() >= 60
        clock.advance(30)
    assert 12 <= len(fake.issued) <= 16  # one fetch per ~4 minutes, not one per call


def test_expired_access_token_logs_in_again(fake: FakeSuperset, client, clock) -> None:
    gt = tokens(client, clock)
    gt.get()
    fake.expire_access_tokens()
    clock.advance(300)
    assert gt.get().token == fake.issued[1]
    assert fake.logins == 2


def test_failed_refresh_serves_the_current_token_until_it_expires(
    fake: FakeSuperset, client, clock
) -> None:
    gt = tokens(client, clock)
    first = gt.get()
    fake.fail_guest_tokens = True
    clock.advance(250)  # inside the margin, but not expired
    assert gt.get() is first
    clock.advance(60)  # expired: nothing left to serve
    with pytest.raises(SupersetError, match="HTTP 500"):
        gt.get()
    fake.fail_guest_tokens = False
    assert gt.get().token == fake.issued[-1]


def test_token_without_exp_uses_the_fallback_ttl(fake: FakeSuperset, client, clock) -> None:
    fake.with_exp = False
    gt = tokens(client, clock, fallback_ttl_s=120)
    assert gt.get().expires_at == clock() + 120
    clock.advance(61)
    gt.get()
    assert len(fake.issued) == 2


def test_embedded_id_is_looked_up_from_the_slug(fake: FakeSuperset, client, clock) -> None:
    gt = GuestTokens(client, "hubbub", clock=clock)
    assert gt.get().dashboard_id == EMBEDDED_UUID
    assert fake.guest_bodies[0]["resources"][0]["id"] == EMBEDDED_UUID


def test_concurrent_callers_share_one_fetch(fake: FakeSuperset, client, clock) -> None:
    fake.guest_delay_s = 0.2
    gt = tokens(client, clock)
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(gt.get().token)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.issued) == 1
    assert got == [fake.issued[0]] * 8


def test_bad_credentials_are_reported(fake: FakeSuperset, httpserver: HTTPServer, clock) -> None:
    with SupersetClient(httpserver.url_for("/"), "admin", "wrong") as c:
        with pytest.raises(SupersetError, match="login .* failed"):
            tokens(c, clock).get()


def test_api_serves_and_refreshes_guest_tokens(fake: FakeSuperset, client, clock) -> None:
    app = create_app(DuckDBStore(":memory:"))
    app.state.superset_guest_tokens = tokens(client, clock)
    with TestClient(app) as http:
        r = http.get("/api/v1/superset/guest-token")
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        assert body["token"] == fake.issued[0]
        assert body["dashboard_id"] == EMBEDDED_UUID
        assert body["superset_url"] == client.url
        assert http.get("/api/v1/superset/guest-token").json()["token"] == fake.issued[0]
        clock.advance(241)
        assert http.get("/api/v1/superset/guest-token").json()["token"] == fake.issued[1]


def test_api_answers_502_when_superset_fails(fake: FakeSuperset, client, clock) -> None:
    fake.fail_guest_tokens = True
    app = create_app(DuckDBStore(":memory:"))
    app.state.superset_guest_tokens = tokens(client, clock)
    with TestClient(app) as http:
        r = http.get("/api/v1/superset/guest-token")
    assert r.status_code == 502
    assert "guest token" in r.json()["detail"]


def test_api_answers_404_when_embedding_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from hubbub.config import get_settings

    monkeypatch.delenv("HUBBUB_SUPERSET_GUEST_ENABLED", raising=False)
    get_settings.cache_clear()
    app = create_app(DuckDBStore(":memory:"))
    with TestClient(app) as http:
        r = http.get("/api/v1/superset/guest-token")
    get_settings.cache_clear()
    assert r.status_code == 404
    assert "HUBBUB_SUPERSET_GUEST_ENABLED" in r.json()["hint"]
    assert "/api/v1/superset/guest-token" not in app.openapi()["paths"]


def test_api_answers_503_when_enabled_without_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from hubbub.config import get_settings

    monkeypatch.setenv("HUBBUB_SUPERSET_GUEST_ENABLED", "true")
    monkeypatch.delenv("HUBBUB_SUPERSET_PASSWORD", raising=False)
    get_settings.cache_clear()
    try:
        with TestClient(create_app(DuckDBStore(":memory:"))) as http:
            r = http.get("/api/v1/superset/guest-token")
    finally:
        get_settings.cache_clear()
    assert r.status_code == 503
    assert "HUBBUB_SUPERSET_PASSWORD" in r.json()["detail"]


def test_api_builds_the_token_source_from_settings(
    fake: FakeSuperset, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hubbub.config import get_settings

    monkeypatch.setenv("HUBBUB_SUPERSET_GUEST_ENABLED", "true")
    monkeypatch.setenv("HUBBUB_SUPERSET_URL", httpserver.url_for("/"))
    monkeypatch.setenv("HUBBUB_SUPERSET_PASSWORD", "secret")
    get_settings.cache_clear()
    try:
        with TestClient(create_app(DuckDBStore(":memory:"))) as http:
            body = http.get("/api/v1/superset/guest-token").json()
    finally:
        get_settings.cache_clear()
    assert body["token"] == fake.issued[0]
    assert body["dashboard_id"] == EMBEDDED_UUID  # looked up from the slug "hubbub"
