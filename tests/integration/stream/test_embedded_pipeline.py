"""The embedded pipeline end to end on real parts: simulator → HTTP users endpoint → DuckDB → API.

≥100k simulated posts plus injected duplicates and malformed records: every valid post is stored
exactly once, every malformed one is a dead letter with a reason, and the API's per-day and
per-country counts equal counts computed independently from the generated posts.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from hubbub.api.app import create_app
from hubbub.enrich.enricher import Enricher
from hubbub.enrich.geo import resolve_location
from hubbub.enrich.users import UserLookupClient
from hubbub.models import Post
from hubbub.sources.base import Source, SourceBatch
from hubbub.sources.simulator import WorldCupSimulator
from hubbub.sources.users_pool import UserPool
from hubbub.store.duckdb import DuckDBStore
from hubbub.stream.pipeline import EmbeddedPipeline
from tests.support import serve_app

pytestmark = pytest.mark.integration

START = datetime(2022, 12, 2, tzinfo=UTC)
END = datetime(2022, 12, 7, tzinfo=UTC)


def malformed_messages(posts: list[Post], rng: random.Random) -> list[bytes]:
    """Realistic bad input: broken JSON, missing fields, wrong types, naive time, oversized."""
    good = json.loads(posts[0].model_dump_json())
    bad: list[bytes] = [b"{not json", b"", b"[]", b'"just a string"', b"\xff\xfe\x00"]
    for field in ("id", "created_at", "author_id", "text"):
        d = dict(good, id=f"bad-{field}")
        d.pop(field)
        bad.append(json.dumps(d).encode())
    bad.append(json.dumps(dict(good, id="bad-naive", created_at="2022-12-03T10:00:00")).encode())
    bad.append(json.dumps(dict(good, id="bad-source", source="myspace")).encode())
    bad.append(json.dumps(dict(good, id="bad-metrics", metrics={"like_count": -3})).encode())
    bad.append(json.dumps(dict(good, id="bad id with spaces")).encode())
    bad.append(json.dumps(dict(good, id="bad-huge", text="x" * 70_000)).encode())
    rng.shuffle(bad)
    return bad


class InjectingSource(Source):
    """Interleaves the simulator's posts with duplicates (objects and JSON) and malformed bytes."""

    name = "test"

    def __init__(self, posts: list[Post], duplicates: list[Post], bad: list[bytes]) -> None:
        self.posts, self.duplicates, self.bad = posts, duplicates, bad

    def batches(self, size: int) -> Iterator[SourceBatch]:
        extra: list[object] = [
            *self.duplicates[::2],
            *(p.model_dump_json().encode() for p in self.duplicates[1::2]),
            *self.bad,
        ]
        step = max(1, len(self.posts) // (len(extra) + 1))
        out: list[object] = []
        for i, post in enumerate(self.posts):
            out.append(post)
            if i % step == step - 1 and extra:
                out.append(extra.pop())
        out.extend(extra)
        for i in range(0, len(out), size):
            yield SourceBatch(posts=out[i : i + size], dead_letters=[])  # type: ignore[arg-type]


def test_100k_posts_exactly_once_with_dead_letters_and_matching_counts(tmp_path):
    users = UserPool(seed=7)
    posts = [
        p
        for b in WorldCupSimulator(seed=7, start=START, end=END, rate=2.0, users=users).batches(
            5_000
        )
        for p in b.posts
    ]
    assert len(posts) >= 100_000, f"simulator gave only {len(posts)} posts; raise the rate"
    rng = random.Random(1)
    duplicates = rng.sample(posts, 2_000)
    bad = malformed_messages(posts, rng)

    store = DuckDBStore(tmp_path / "store.duckdb")
    store.setup()
    with serve_app(create_app(store, users=users, ready=lambda: True)) as base_url:
        client = UserLookupClient(base_url)
        pipeline = EmbeddedPipeline(
            InjectingSource(posts, duplicates, bad), Enricher(client), store, batch_size=2_000
        )
        stats = pipeline.run()

        # every valid post exactly once
        ids = store.post_ids()
        assert len(ids) == len(set(ids)), "a post id is stored more than once"
        assert set(ids) == {p.id for p in posts}
        assert stats.stored == len(posts) and stats.duplicates == len(duplicates)
        # every malformed message is a dead letter with a reason
        letters = store.dead_letter_counts()
        assert sum(row["count"] for row in letters) == len(bad)
        assert all(row["reason"] for row in letters)
        # nothing was left unenriched while the users endpoint was up
        assert store.stats()["user_lookup_failed"] == 0

        per_day = httpx.get(f"{base_url}/api/v1/counts/day").json()
        per_country = httpx.get(f"{base_url}/api/v1/counts/country").json()

    store.close()
    expected_days = Counter(p.created_at.date().isoformat() for p in posts)
    got_days = {row["day"]: row["posts"] for row in _rows(per_day)}
    assert got_days == dict(expected_days)

    locations = {u.id: u.location for u in users.get_users(sorted({p.author_id for p in posts}))}
    expected_countries: Counter[str] = Counter()
    for p in posts:
        match = resolve_location(locations.get(p.author_id))
        if match:
            expected_countries[match.country_code] += 1
    got_countries = {
        row["country_code"]: row["posts"] for row in _rows(per_country) if row["country_code"]
    }
    assert got_countries == dict(expected_countries)
    assert expected_countries.most_common(1)[0][0] == "NG"


def _rows(payload):
    """Accept a bare list or an object with the rows under ``items``/``data``."""
    if isinstance(payload, list):
        return payload
    for key in ("items", "data", "rows"):
        if key in payload:
            return payload[key]
    raise AssertionError(f"unexpected payload shape: {list(payload)}")
