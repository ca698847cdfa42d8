"""The Bluesky Jetstream source against a local websocket server sending Jetstream events
(posts, likes, deletes, identity/account events, malformed JSON), closing connections, and a
local HTTP server answering ``app.bsky.actor.getProfiles``."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve
from werkzeug import Request, Response

from hubbub.config import Settings
from hubbub.models import DeadLetter, Post
from hubbub.sources._live import ReconnectPolicy
from hubbub.sources.bluesky import (
    BlueskyJetstream,
    JetstreamError,
    post_id,
    post_id_from_uri,
)
from hubbub.sources.bluesky_profiles import BlueskyProfiles

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bluesky"
EVENTS = [json.loads(x) for x in (FIXTURES / "jetstream_events.jsonl").read_text().splitlines()]
PROFILES = json.loads((FIXTURES / "get_profiles.json").read_text())["profiles"]
IDENTITY, WORLDCUP, LIKE, DELETE, CAT, ACCOUNT, BRASIL = EVENTS
FAST = ReconnectPolicy(network_s=0.01, network_max_s=0.04, http_s=0.02, http_max_s=0.16,
                       rate_limit_s=0.05, rate_limit_max_s=1.0)
KEYWORDS = ["world cup", "copa do mundo"]
HOLD = "<hold the connection open>"


def post_event(did: str, rkey: str, time_us: int, text: str, **record: Any) -> dict[str, Any]:
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": {
        "rev": rkey, "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
        "cid": "bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5lfxvfmmv4g7cpa",
        "record": {"$type": "app.bsky.feed.post", "text": text, "langs": ["en"],
                   "createdAt": "2024-09-09T19:46:10.000Z", **record}}}


class FakeJetstream:
    """A websocket server: each connection gets the next scripted list of messages and is then
    closed, unless the list ends with :data:`HOLD`; once the script is used up, connections are
    held open (silent) until the client leaves."""

    def __init__(self, refuse: int | None = None) -> None:
        self.script: list[list[str]] = []
        self.paths: list[str] = []
        self.refuse = refuse

        def process_request(connection: ServerConnection, request: Any) -> Any:
            self.paths.append(request.path)
            if self.refuse is not None:
                return connection.respond(self.refuse, "busy\n")
            return None

        def handler(ws: ServerConnection) -> None:
            messages = self.script.pop(0) if self.script else [HOLD]
            for message in messages:
                if message is HOLD:
                    try:
                        while True:
                            ws.recv()
                    except ConnectionClosed:
                        return
                ws.send(message)
            ws.close()

        self.server = serve(handler, "127.0.0.1", 0, process_request=process_request)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/subscribe"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(p).query) for p in self.paths]

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def jetstream() -> Iterator[FakeJetstream]:
    fake = FakeJetstream()
    yield fake
    fake.close()


@pytest.fixture
def profiles_api(httpserver: HTTPServer) -> list[list[str]]:
    """``getProfiles`` answering from the fixture; records the actors of each call."""
    calls: list[list[str]] = []

    def handler(request: Request) -> Response:
        actors = request.args.getlist("actors")
        calls.append(actors)
        known = [p for p in PROFILES if p["did"] in actors]
        return Response(json.dumps({"profiles": known}), content_type="application/json")

    httpserver.expect_request("/xrpc/app.bsky.actor.getProfiles").respond_with_handler(handler)
    return calls


def collect(source: BlueskyJetstream, size: int = 100) -> tuple[list[Post], list[DeadLetter]]:
    posts: list[Post] = []
    dead: list[DeadLetter] = []
    deadline = time.monotonic() + 10
    for batch in source.batches(size):
        posts += batch.posts
        dead += batch.dead_letters
        assert time.monotonic() < deadline, "the source did not end"
    return posts, dead


def test_filters_posts_resumes_from_the_cursor_without_duplicates(jetstream, httpserver,
                                                                  profiles_api):
    later = post_event("did:plc:eygmaihciaxprqvxpfvl6flk", "3l3qo2xnew12b", 1725911163900000,
                       "Who wins the World Cup 2026?")
    latest = post_event("did:plc:unknownxxxxxxxxxxxxxxxxx", "3l3qo2xnew22b", 1725911164000000,
                        "world cup draw is today")
    first = [json.dumps(e) for e in (IDENTITY, WORLDCUP, LIKE, DELETE, CAT, ACCOUNT, BRASIL)]
    first.insert(3, '{"did": "did:plc:x", "time_us": 17259111625')  # cut off mid-message
    # Jetstream replays from the cursor: the overlap repeats the last events, then new ones
    replay = [json.dumps(e) for e in (CAT, ACCOUNT, BRASIL, later, latest)]
    jetstream.script = [first, [*replay, HOLD]]
    profiles = BlueskyProfiles(httpserver.url_for("/"))
    source = BlueskyJetstream(jetstream.url, profiles, KEYWORDS, overlap_s=1.0, policy=FAST,
                              flush_s=0.05, max_posts=4)
    posts, dead = collect(source)

    assert [p.id for p in posts] == [
        "did:plc:eygmaihciaxprqvxpfvl6flk/3l3qo2vuowo2b",
        "did:plc:vc7f4oafdgxsihk4cry2xpze/3l3qo2wa7ek2b",
        "did:plc:eygmaihciaxprqvxpfvl6flk/3l3qo2xnew12b",
        "did:plc:unknownxxxxxxxxxxxxxxxxx/3l3qo2xnew22b",
    ]
    assert [d.reason.split(":")[0] for d in dead] == ["invalid JSON"]
    assert dead[0].source == "bluesky" and dead[0].stage == "source"
    # the second connection resumed one overlap (1 s) before the last event of the first
    first_q, second_q = jetstream.queries()[:2]
    assert first_q == {"wantedCollections": ["app.bsky.feed.post"]}
    assert second_q["cursor"] == [str(BRASIL["time_us"] - 1_000_000)]
    assert second_q["wantedCollections"] == ["app.bsky.feed.post"]
    assert source.stats.duplicates == 1 and source.disconnects == 1
    assert source.cursor == latest["time_us"]
    # authors from getProfiles: handle, display name, avatar; never a location
    worldcup, brasil, again, unknown = posts
    assert (worldcup.username, worldcup.name, worldcup.location) == (
        "futebolfan.bsky.social", "Futebol Fan", None)
    assert worldcup.profile_image_url.startswith("https://cdn.bsky.app/img/avatar/")
    assert brasil.username == "torcedora.bsky.social" and brasil.name == ""
    assert brasil.verified is True and worldcup.verified is False
    assert again.username == "futebolfan.bsky.social"
    assert unknown.needs_user() and unknown.location is None  # not on Bluesky: left as is
    # one lookup per batch for the authors not cached yet; the unknown did cached as missing
    assert all(len(call) <= 25 for call in profiles_api)
    assert sum(c.count("did:plc:eygmaihciaxprqvxpfvl6flk") for c in profiles_api) == 1
    assert profiles.lookup(["did:plc:unknownxxxxxxxxxxxxxxxxx"]) == {
        "did:plc:unknownxxxxxxxxxxxxxxxxx": None}


def test_event_mapping():
    source = BlueskyJetstream("ws://unused", keywords=KEYWORDS)
    post = source.read_event(json.dumps(BRASIL))
    assert isinstance(post, Post)
    assert post.source == "bluesky" and post.author_id == "did:plc:vc7f4oafdgxsihk4cry2xpze"
    assert post.created_at == datetime(2024, 9, 9, 19, 46, 2, 880000, tzinfo=UTC)
    assert post.lang == "pt-BR" and post.text.startswith("Vai Brasil!")
    assert post.mentions == ["neymar.bsky.social"]  # the handle as written (byte offsets)
    assert post.urls == ["https://www.fifa.com/"]
    parent = "did:plc:eygmaihciaxprqvxpfvl6flk/3l3qo2vuowo2b"
    assert post.in_reply_to_id == parent and post.conversation_id == parent
    assert post.location is None and post.needs_user()
    top = source.read_event(json.dumps(WORLDCUP))
    assert top.hashtags == ["WorldCup"] and top.conversation_id == top.id
    assert top.in_reply_to_id is None
    # createdAt unusable (no timezone): Jetstream's time_us is used instead
    odd = post_event("did:plc:abc", "3k2", 1725911162400000, "world cup", createdAt="2024-09-09")
    assert source.read_event(json.dumps(odd)).created_at == datetime(
        2024, 9, 9, 19, 46, 2, 400000, tzinfo=UTC)
    # skipped: other collections, deletes, identity/account, posts that do not match
    for event in (LIKE, DELETE, IDENTITY, ACCOUNT, CAT):
        assert source.read_event(json.dumps(event)) is None
    assert isinstance(source.read_event("[]"), DeadLetter)
    bad = {**WORLDCUP, "commit": {**WORLDCUP["commit"], "record": "not an object"}}
    assert "without did, rkey or record" in source.read_event(json.dumps(bad)).reason


def test_filters():
    record = {"text": "Vamos! #CopaDoMundo", "langs": ["pt-BR"], "facets": [
        {"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "CopaDoMundo"}],
         "index": {"byteStart": 7, "byteEnd": 19}}]}
    assert BlueskyJetstream("ws://x", keywords=["copa do mundo"]).matches(record)  # hashtag
    assert BlueskyJetstream("ws://x", hashtags=["#copadomundo"]).matches(record)
    assert not BlueskyJetstream("ws://x", hashtags=["worldcup"]).matches(record)
    assert BlueskyJetstream("ws://x", keywords=["vamos"], langs=["pt"]).matches(record)
    assert not BlueskyJetstream("ws://x", keywords=["vamos"], langs=["en"]).matches(record)
    assert BlueskyJetstream("ws://x").matches(record)  # no filters: everything
    assert not BlueskyJetstream("ws://x", langs=["es"]).matches({"text": "hola"})


def test_post_ids_fit_the_post_id_pattern():
    at_uri = "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b"
    assert len(at_uri) > 64  # why the at-uri itself is not the id
    assert post_id_from_uri(at_uri) == "did:plc:eygmaihciaxprqvxpfvl6flk/3l3qo2vuowo2b"
    long_web = "did:web:" + "a" * 60 + ".example.com"
    derived = post_id(long_web, "3l3qo2vuowo2b")
    assert derived.startswith("bsky:") and len(derived) == 45
    assert derived == post_id(long_web, "3l3qo2vuowo2b")  # stable
    assert post_id("did:web:fans%3A8080", "3k") != "did:web:fans%3A8080/3k"  # '%' not allowed
    assert post_id_from_uri("at://did:plc:x/app.bsky.feed.like/3k") is None


def test_refused_handshakes_back_off_then_give_up():
    fake = FakeJetstream(refuse=503)
    sleeps: list[float] = []
    try:
        source = BlueskyJetstream(fake.url, policy=FAST, max_attempts=5, sleep=sleeps.append)
        with pytest.raises(JetstreamError, match="gave up after 5 failed attempts: http_503"):
            collect(source)
    finally:
        fake.close()
    assert sleeps == pytest.approx([0.02, 0.04, 0.08, 0.16])
    assert source.stats.failed_attempts == 5


def test_network_errors_back_off_linearly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"ws://127.0.0.1:{s.getsockname()[1]}/subscribe"
    sleeps: list[float] = []
    source = BlueskyJetstream(url, policy=FAST, max_attempts=4, sleep=sleeps.append)
    with pytest.raises(JetstreamError, match="network"):
        collect(source)
    assert sleeps == pytest.approx([0.01, 0.02, 0.03])


def test_slow_stream_flushes_by_time_and_stop_is_prompt(jetstream):
    # one post, then the connection closes; the reconnection is held open with nothing to say
    jetstream.script = [[json.dumps(WORLDCUP)]]
    source = BlueskyJetstream(jetstream.url, keywords=KEYWORDS, flush_s=0.05)
    threading.Timer(0.8, source.stop).start()
    start = time.monotonic()
    arrivals = []
    for batch in source.batches(1000):
        arrivals.append((time.monotonic() - start, len(batch)))
    assert len(arrivals) == 1 and arrivals[0][1] == 1 and arrivals[0][0] < 0.7
    assert time.monotonic() - start < 3


def test_profiles_lookup_in_chunks_of_25_and_failures(httpserver: HTTPServer):
    calls: list[list[str]] = []

    def handler(request: Request) -> Response:
        calls.append(request.args.getlist("actors"))
        return Response(json.dumps({"profiles": PROFILES}), content_type="application/json")

    httpserver.expect_request("/xrpc/app.bsky.actor.getProfiles").respond_with_handler(handler)
    profiles = BlueskyProfiles(httpserver.url_for("/"))
    dids = [p["did"] for p in PROFILES] + [f"did:plc:nobody{i:018d}" for i in range(30)]
    found = profiles.lookup(dids)
    assert [len(c) for c in calls] == [25, 7]
    assert sum(u is not None for u in found.values()) == 2 and len(found) == 32
    users = profiles.get_users([PROFILES[0]["did"], "did:plc:nobody000000000000000001"])
    assert [(u.id, u.username, u.location) for u in users] == [
        (PROFILES[0]["did"], "futebolfan.bsky.social", None)]
    assert len(calls) == 2  # served from the cache
    httpserver.clear()
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfiles").respond_with_data("", 502)
    post = Post(id="did:plc:zzz/3k", source="bluesky", created_at=datetime.now(UTC), text="x",
                author_id="did:plc:zzz")
    assert profiles.attach([post]) == [post] and profiles.failures == 1


def test_from_settings():
    s = Settings(_env_file=None, bluesky_jetstream_url="ws://127.0.0.1:9/subscribe?compress=false",
                 bluesky_api_url="http://127.0.0.1:9", bluesky_langs=["pt"])
    source = BlueskyJetstream.from_settings(s, cursor=1725911162400000)
    assert source.keywords == ["world cup", "worldcup", "fifa"] and source.langs == {"pt"}
    assert source.profiles is not None
    assert source.profiles.url == "http://127.0.0.1:9/xrpc/app.bsky.actor.getProfiles"
    assert source.connect_url() == ("ws://127.0.0.1:9/subscribe?compress=false&wantedCollections="
                                    "app.bsky.feed.post&cursor=1725911157400000")
    source.close()
