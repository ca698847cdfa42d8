"""The Redis user cache against the machine's real Redis (127.0.0.1:6379): every test uses its
own key prefix and deletes its keys afterwards."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hubbub.config import Settings
from hubbub.enrich.users import MemoryUserCache, UserCache, UserLookupClient
from hubbub.enrich.users_redis import RedisUserCache, cache_from_settings
from hubbub.models import User

pytestmark = pytest.mark.integration
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def server() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("no Redis on 127.0.0.1:6379: `.ci/run` starts it if it is down")
    yield client
    client.close()


@pytest.fixture
def prefix(server: redis.Redis) -> Iterator[str]:
    prefix = f"hubbub-test:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(server.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        server.delete(*keys)


def user(i: int) -> User:
    return User(id=str(i), username=f"fan{i}", name=f"Fan {i}", location="Rosario, Argentina",
                verified=i % 2 == 0, profile_image_url=f"https://pbs.twimg.com/{i}.jpg",
                created_at="2013-12-14T04:35:55.000Z")


def test_round_trip_with_negative_entries_and_ttls(server, prefix):
    cache = RedisUserCache(REDIS_URL, ttl_s=3600, negative_ttl_s=60, prefix=prefix)
    assert isinstance(cache, UserCache)
    cache.put_many({"1": user(1), "2": user(2)})
    cache.put_missing(["404"])
    got = cache.get_many(["1", "2", "404", "999", "1"])
    assert got == {"1": user(1), "2": user(2), "404": None}
    assert got["1"].created_at is not None and got["1"].created_at.tzinfo is not None
    assert 3_590_000 < server.pttl(f"{prefix}1") <= 3_600_000
    assert 50_000 < server.pttl(f"{prefix}404") <= 60_000
    assert server.get(f"{prefix}404") == b"null"
    assert cache.get_many([]) == {}
    cache.close()


def test_entries_expire(prefix):
    cache = RedisUserCache(REDIS_URL, ttl_s=0.3, negative_ttl_s=0.15, prefix=prefix)
    cache.put_many({"1": user(1)})
    cache.put_missing(["2"])
    assert cache.get_many(["1", "2"]) == {"1": user(1), "2": None}
    time.sleep(0.2)
    assert cache.get_many(["1", "2"]) == {"1": user(1)}
    time.sleep(0.2)
    assert cache.get_many(["1", "2"]) == {}
    disabled = RedisUserCache(REDIS_URL, ttl_s=0, negative_ttl_s=0, prefix=prefix)
    disabled.put_many({"3": user(3)})
    assert disabled.get_many(["3"]) == {}


def test_many_ids_in_chunks_and_clear(prefix):
    cache = RedisUserCache(REDIS_URL, prefix=prefix)
    users = {str(i): user(i) for i in range(2_500)}
    cache.put_many(users)
    cache.put_missing([f"gone{i}" for i in range(1_200)])
    got = cache.get_many([*users, *(f"gone{i}" for i in range(1_200))])
    assert len(got) == 3_700 and got["2499"] == users["2499"] and got["gone0"] is None
    assert cache.clear() == 3_700
    assert cache.get_many(["1", "gone1"]) == {}


def test_unreadable_values_are_misses(server, prefix):
    cache = RedisUserCache(REDIS_URL, prefix=prefix)
    server.set(f"{prefix}7", b"{not json", px=60_000)
    server.set(f"{prefix}8", json.dumps({"id": "8"}), px=60_000)  # no username
    cache.put_many({"9": user(9)})
    assert cache.get_many(["7", "8", "9"]) == {"9": user(9)}


def test_replicas_share_lookups(httpserver: HTTPServer, prefix):
    """Two enricher replicas, each with its own client and cache object: what one looked up,
    the other finds in Redis without calling the users endpoint."""
    asked: list[list[str]] = []

    def users_endpoint(request: Request) -> Response:
        ids = request.args["ids"].split(",")
        asked.append(ids)
        data = [user(int(i)).model_dump(mode="json") for i in ids if int(i) < 100]
        errors = [{"value": i, "resource_id": i, "title": "Not Found Error",
                   "type": "https://api.twitter.com/2/problems/resource-not-found"}
                  for i in ids if int(i) >= 100]
        return Response(json.dumps({"data": data, "errors": errors}),
                        content_type="application/json")

    httpserver.expect_request("/2/users").respond_with_handler(users_endpoint)
    replicas = [UserLookupClient(httpserver.url_for(""), "t",
                                 cache=RedisUserCache(REDIS_URL, prefix=prefix))
                for _ in range(2)]
    first = replicas[0].lookup(["1", "2", "100"])
    assert set(first.users) == {"1", "2"} and first.not_found == {"100"}
    second = replicas[1].lookup(["1", "2", "100", "3"])
    assert set(second.users) == {"1", "2", "3"} and second.not_found == {"100"}
    assert asked == [["1", "2", "100"], ["3"]]
    assert second.users["1"] == user(1)
    for client in replicas:
        client.close()


def test_redis_down_never_stops_the_stream():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = RedisUserCache(f"redis://127.0.0.1:{port}/0", prefix="hubbub-test:down:",
                           timeout_s=0.2)
    start = time.monotonic()
    assert cache.get_many(["1", "2"]) == {}
    cache.put_many({"1": user(1)})
    cache.put_missing(["2"])
    assert cache.errors == 3 and time.monotonic() - start < 3


def test_cache_from_settings(prefix):
    redis_cache = cache_from_settings(Settings(_env_file=None, users_cache="redis",
                                               redis_url=REDIS_URL, users_cache_ttl_s=120))
    assert isinstance(redis_cache, RedisUserCache)
    assert (redis_cache.ttl_s, redis_cache.negative_ttl_s) == (120, 120)
    memory = cache_from_settings(Settings(_env_file=None))
    assert isinstance(memory, MemoryUserCache)
    assert cache_from_settings(Settings(_env_file=None, users_cache_size=0)) is None
    redis_cache.close()
