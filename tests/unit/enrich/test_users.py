"""The users-lookup client against a real local HTTP server speaking the X API v2 shape."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate

import pytest
from prometheus_client import REGISTRY
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hubbub.config import Settings
from hubbub.enrich.users import (
    DEFAULT_USER_FIELDS,
    CircuitBreaker,
    LookupResult,
    MemoryUserCache,
    UserCache,
    UserLookupClient,
)
from hubbub.models import User

PATH = "/2/users"


def x_user(id_: str) -> dict[str, object]:
    """A user object as the X API v2 returns it with our user.fields."""
    return {
        "id": id_,
        "username": f"fan{id_}",
        "name": f"Fan {id_}",
        "location": "Buenos Aires, Argentina",
        "verified": False,
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{id_}/a_normal.jpg",
        "description": "Vamos Argentina",
        "created_at": "2013-12-14T04:35:55.000Z",
    }


def x_not_found(id_: str) -> dict[str, object]:
    return {
        "value": id_,
        "detail": f"Could not find user with ids: [{id_}].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": "ids",
        "resource_id": id_,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def directory(exists: Callable[[str], bool] = lambda i: True) -> Callable[[Request], Response]:
    """A handler answering like the X API: ``data`` for known ids, ``errors`` for the others."""

    def handler(request: Request) -> Response:
        ids = request.args["ids"].split(",")
        body: dict[str, object] = {}
        found = [x_user(i) for i in ids if exists(i)]
        missing = [x_not_found(i) for i in ids if not exists(i)]
        if found:
            body["data"] = found
        if missing:
            body["errors"] = missing
        return Response(json.dumps(body), content_type="application/json")

    return handler


def requested_ids(server: HTTPServer) -> list[list[str]]:
    return [req.args["ids"].split(",") for req, _ in server.log]


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def counter(outcome: str) -> float:
    return REGISTRY.get_sample_value("hubbub_user_lookups_total", {"outcome": outcome}) or 0.0


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(
    httpserver: HTTPServer, sleeps: list[float]
) -> Iterator[Callable[..., UserLookupClient]]:
    clients: list[UserLookupClient] = []

    def make(**kwargs: object) -> UserLookupClient:
        kwargs.setdefault("backoff_s", 0.01)
        kwargs.setdefault("sleep", sleeps.append)
        client = UserLookupClient(httpserver.url_for("/"), **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_looks_up_in_batches_of_at_most_100(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_handler(directory())
    ids = [str(10_000 + i) for i in range(250)]
    result = make_client().lookup(ids + ids[:20])  # duplicates are looked up once

    batches = requested_ids(httpserver)
    assert [len(b) for b in batches] == [100, 100, 50]
    assert sorted(i for b in batches for i in b) == sorted(ids)
    assert httpserver.log[0][0].args["user.fields"] == ",".join(DEFAULT_USER_FIELDS)
    assert result.users.keys() == set(ids)
    assert not result.not_found and not result.failed
    user = result.users["10007"]
    assert isinstance(user, User)
    assert (user.username, user.location, user.created_at.year) == (
        "fan10007",
        "Buenos Aires, Argentina",
        2013,
    )


def test_ids_that_cannot_be_sent_fail_without_a_request(
    httpserver: HTTPServer, make_client
) -> None:
    httpserver.expect_request(PATH).respond_with_handler(directory())
    result = make_client().lookup(["1,2", "", "3"])
    assert result.failed == {"1,2"} and result.users.keys() == {"3"}
    assert requested_ids(httpserver) == [["3"]]


def test_sends_the_bearer_token(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH).respond_with_handler(directory())
    assert make_client(token="s3cret").lookup(["1"]).users.keys() == {"1"}
    make_client().lookup(["2"])
    (with_token, _), (without, _) = httpserver.log
    assert with_token.headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in without.headers


def test_cache_hits_avoid_requests(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH).respond_with_handler(directory(lambda i: i != "404"))
    client = make_client(cache=MemoryUserCache())
    first = client.lookup(["1", "2", "404"])
    hits_before = counter("cache_hit")

    second = client.lookup(["2", "1", "404"])
    assert len(httpserver.log) == 1
    assert second.users == first.users and second.not_found == {"404"}
    assert counter("cache_hit") == hits_before + 3

    client.lookup(["1", "3"])  # only the new id goes out
    assert requested_ids(httpserver)[-1] == ["3"]


def test_cache_entries_expire_after_their_ttl(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH).respond_with_handler(directory(lambda i: i != "404"))
    clock = FakeClock()
    client = make_client(cache=MemoryUserCache(ttl_s=60, negative_ttl_s=10, clock=clock))
    client.lookup(["1", "404"])
    clock.now += 9
    client.lookup(["1", "404"])
    assert len(httpserver.log) == 1
    clock.now += 2  # the negative entry (10 s) has expired, the user (60 s) has not
    assert client.lookup(["1", "404"]).not_found == {"404"}
    assert requested_ids(httpserver)[-1] == ["404"]
    clock.now += 40  # t+51: the user (until t+60) is still cached
    client.lookup(["1"])
    assert len(httpserver.log) == 2
    clock.now += 10  # t+61: now it has expired too
    client.lookup(["1"])
    assert requested_ids(httpserver)[-1] == ["1"]


def test_memory_cache_is_a_bounded_lru() -> None:
    cache = MemoryUserCache(max_size=2)
    users = {i: User(id=i, username=f"u{i}") for i in "abc"}
    cache.put_many({"a": users["a"], "b": users["b"]})
    cache.get_many(["a"])  # a is now the most recently used
    cache.put_many({"c": users["c"]})
    assert set(cache.get_many("abc")) == {"a", "c"}
    cache.put_missing(["x"])
    assert cache.get_many(["x", "a", "c"]) == {"x": None, "c": users["c"]}
    assert len(cache) == 2
    assert isinstance(cache, UserCache)


def test_partial_errors_are_not_found(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH).respond_with_json(
        {"data": [x_user("1")], "errors": [x_not_found("2")]}
    )
    before = counter("not_found")
    result = make_client().lookup(["1", "2", "3"])  # 3: answered with neither data nor error
    assert result.users.keys() == {"1"}
    assert result.not_found == {"2", "3"}
    assert not result.failed
    assert counter("not_found") == before + 2


def test_all_unknown_ids_come_back_with_errors_only(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH).respond_with_handler(directory(lambda i: False))
    assert make_client().lookup(["7", "8"]) == LookupResult({}, {"7", "8"}, set())


def test_retries_a_500_then_succeeds(httpserver: HTTPServer, make_client, sleeps) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("boom", status=500)
    httpserver.expect_request(PATH).respond_with_handler(directory())
    result = make_client(retries=2).lookup(["1", "2"])
    assert result.users.keys() == {"1", "2"} and not result.failed
    assert len(httpserver.log) == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.01


def test_backoff_grows_exponentially_up_to_the_cap(
    httpserver: HTTPServer, make_client, sleeps
) -> None:
    httpserver.expect_request(PATH).respond_with_data("unavailable", status=503)
    make_client(retries=5, backoff_s=1.0, max_backoff_s=4.0).lookup(["1"])
    assert len(sleeps) == 5
    for delay, base in zip(sleeps, [1, 2, 4, 4, 4], strict=True):
        assert base / 2 <= delay <= base  # "equal jitter"


def test_429_waits_until_x_rate_limit_reset(httpserver: HTTPServer, make_client, sleeps) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "Too Many Requests", status=429, headers={"x-rate-limit-reset": "1002"}
    )
    httpserver.expect_request(PATH).respond_with_handler(directory())
    client = make_client(wall_clock=lambda: 1000.5, max_backoff_s=5.0)
    assert client.lookup(["1"]).users.keys() == {"1"}
    assert sleeps == [1.5]


def test_429_honours_retry_after(httpserver: HTTPServer, make_client, sleeps) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=429, headers={"retry-after": "3"}
    )
    httpserver.expect_request(PATH).respond_with_handler(directory())
    assert make_client().lookup(["1"]).users.keys() == {"1"}
    assert sleeps == [3.0]


def test_429_honours_retry_after_as_an_http_date(
    httpserver: HTTPServer, make_client, sleeps
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=429, headers={"retry-after": formatdate(1002.0, usegmt=True)}
    )
    httpserver.expect_request(PATH).respond_with_handler(directory())
    assert make_client(wall_clock=lambda: 1000.0).lookup(["1"]).users.keys() == {"1"}
    assert sleeps == [2.0]


def test_429_with_a_long_reset_fails_instead_of_blocking(
    httpserver: HTTPServer, make_client, sleeps
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "", status=429, headers={"x-rate-limit-reset": str(int(time.time()) + 900)}
    )
    result = make_client(retries=3, max_backoff_s=5.0).lookup(["1", "2"])
    assert result.failed == {"1", "2"}
    assert sleeps == [] and len(httpserver.log) == 1


def test_persistent_500_fails_the_batch_without_raising(
    httpserver: HTTPServer, make_client
) -> None:
    httpserver.expect_request(PATH).respond_with_data("boom", status=500)
    before = counter("failed")
    result = make_client(retries=2).lookup(["1", "2"])
    assert result == LookupResult({}, set(), {"1", "2"})
    assert len(httpserver.log) == 3
    assert counter("failed") == before + 2


def test_client_errors_are_not_retried(httpserver: HTTPServer, make_client) -> None:
    httpserver.expect_request(PATH).respond_with_json({"title": "Unauthorized"}, status=401)
    assert make_client(retries=3).lookup(["1"]).failed == {"1"}
    assert len(httpserver.log) == 1


def test_a_slow_endpoint_times_out(httpserver: HTTPServer, make_client) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return directory()(request)

    httpserver.expect_request(PATH).respond_with_handler(slow)
    started = time.monotonic()
    result = make_client(timeout_s=0.2, retries=0).lookup(["1"])
    assert result.failed == {"1"}
    assert time.monotonic() - started < 0.5


def test_an_unreachable_endpoint_fails(port: int, sleeps: list[float]) -> None:
    with UserLookupClient(
        f"http://127.0.0.1:{port}", retries=1, backoff_s=0.01, sleep=sleeps.append
    ) as client:
        assert client.lookup(["1"]).failed == {"1"}
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"meta": {}}', b'{"data": {"id": "1"}}', b""],
    ids=["malformed", "list", "no-data-no-errors", "data-not-a-list", "empty"],
)
def test_a_bad_payload_fails_the_batch(httpserver: HTTPServer, make_client, body: bytes) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/json")
    assert make_client().lookup(["1", "2"]).failed == {"1", "2"}


def test_an_invalid_user_object_fails_only_that_id(httpserver: HTTPServer, make_client) -> None:
    broken = {"id": "2", "name": "no username"}
    httpserver.expect_request(PATH).respond_with_json({"data": [x_user("1"), broken]})
    result = make_client().lookup(["1", "2"])
    assert result.users.keys() == {"1"} and result.failed == {"2"}


def test_circuit_breaker_opens_and_closes(httpserver: HTTPServer, make_client) -> None:
    clock = FakeClock()
    client = make_client(retries=0, breaker_threshold=2, breaker_cooldown_s=30, clock=clock)
    httpserver.expect_request(PATH).respond_with_data("down", status=502)
    client.lookup(["1"])
    client.lookup(["2"])
    assert len(httpserver.log) == 2 and client.breaker.is_open

    result = client.lookup([str(i) for i in range(250)])  # open: no calls, all failed at once
    assert len(result.failed) == 250 and len(httpserver.log) == 2

    clock.now += 31  # half-open: one trial call, which fails → open again
    client.lookup(["3"])
    assert len(httpserver.log) == 3 and client.breaker.is_open
    client.lookup(["4"])
    assert len(httpserver.log) == 3

    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_handler(directory())
    clock.now += 31  # the endpoint is back: the trial succeeds and the breaker closes
    assert client.lookup(["5"]).users.keys() == {"5"}
    assert not client.breaker.is_open
    assert client.lookup(["6", "7"]).users.keys() == {"6", "7"}


def test_breaker_counts_only_consecutive_failures() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown_s=5, clock=clock)
    for ok in (False, False, True, False, False):
        breaker.record(ok)
    assert breaker.allow()
    breaker.record(False)
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()


def test_from_settings(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH, headers={"Authorization": "Bearer tok"}).respond_with_handler(
        directory()
    )
    settings = Settings(users_base_url=httpserver.url_for("/"), users_token="tok", users_retries=0)
    with UserLookupClient.from_settings(settings) as client:
        assert client.retries == 0 and isinstance(client.cache, MemoryUserCache)
        assert client.lookup(["1"]).users.keys() == {"1"}
        assert client.lookup(["1"]).users.keys() == {"1"}
    assert len(httpserver.log) == 1
