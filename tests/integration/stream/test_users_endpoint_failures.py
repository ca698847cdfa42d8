"""The enricher keeps working when the users endpoint times out or answers 500/429: every post is
still stored, marked ``user_lookup_failed``, and re-enriched once the endpoint is back."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime

import pytest
from werkzeug import Request, Response

from hubbub.enrich.enricher import Enricher
from hubbub.enrich.users import MemoryUserCache, UserLookupClient
from hubbub.sources.simulator import WorldCupSimulator
from hubbub.sources.users_pool import UserPool
from hubbub.store.duckdb import DuckDBStore
from hubbub.stream.pipeline import EmbeddedPipeline
from hubbub.stream.reenrich import reenrich_all

pytestmark = pytest.mark.integration


class FlakyUsersEndpoint:
    """``GET /2/users`` in the X API v2 shape, switchable between broken and healthy."""

    def __init__(self, users: UserPool) -> None:
        self.users = users
        self.healthy = False
        self.failures = itertools.cycle(["500", "429", "timeout"])
        self.seen: list[str] = []

    def __call__(self, request: Request) -> Response:
        if not self.healthy:
            kind = next(self.failures)
            self.seen.append(kind)
            if kind == "500":
                return Response(json.dumps({"title": "Internal Error"}), status=500)
            if kind == "429":
                reset = str(int(time.time()) + 1)
                return Response(
                    json.dumps({"title": "Too Many Requests"}),
                    status=429,
                    headers={"x-rate-limit-reset": reset},
                )
            time.sleep(0.6)  # longer than the client's timeout
        ids = request.args["ids"].split(",")
        data = [json.loads(u.model_dump_json(exclude_none=True)) for u in self.users.get_users(ids)]
        return Response(json.dumps({"data": data}), content_type="application/json")


def test_failing_users_endpoint_loses_nothing_and_posts_are_reenriched(httpserver, tmp_path):
    users = UserPool(size=2_000, seed=3)
    sim = WorldCupSimulator(
        seed=3,
        start=datetime(2022, 11, 21, tzinfo=UTC),
        end=datetime(2022, 11, 21, 18, tzinfo=UTC),
        users=users,
    )
    posts = [p for b in sim.batches(1_000) for p in b.posts]
    assert len(posts) > 2_000
    endpoint = FlakyUsersEndpoint(users)
    httpserver.expect_request("/2/users").respond_with_handler(endpoint)

    client = UserLookupClient(
        httpserver.url_for("/"),
        timeout_s=0.2,
        retries=1,
        backoff_s=0.01,
        max_backoff_s=0.05,
        breaker_threshold=3,
        breaker_cooldown_s=0.5,
        cache=MemoryUserCache(),
    )
    enricher = Enricher(client)
    store = DuckDBStore(tmp_path / "store.duckdb")
    store.setup()
    try:
        stats = EmbeddedPipeline(sim, enricher, store, batch_size=500).run()

        # the stream went on: every post is stored, marked, with sentiment/keywords still done
        assert {"500", "429", "timeout"} <= set(endpoint.seen)
        assert stats.stored == len(posts)
        assert sorted(store.post_ids()) == sorted(p.id for p in posts)
        assert store.stats()["user_lookup_failed"] == len(posts)
        assert store.recent_posts(10) == []  # the original query needs a username

        # the endpoint recovers: re-enrichment fills the users in and clears the marks
        endpoint.healthy = True
        time.sleep(0.6)  # let the circuit breaker's cool-down pass
        result = reenrich_all(store, enricher, batch=400)
        assert result.fixed == len(posts)
        assert store.stats()["user_lookup_failed"] == 0
        recent = store.recent_posts(10)
        assert len(recent) == 10 and all(row["username"] for row in recent)
        assert sum(r["posts"] for r in store.counts_per_country()) > 0
    finally:
        client.close()
        store.close()
