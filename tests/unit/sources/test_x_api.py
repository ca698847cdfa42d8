"""The X API v2 filtered stream against a local HTTP server speaking the documented format:
rules endpoints, a chunked stream with ``\\r\\n`` heartbeats, tweets with ``includes.users``,
malformed lines, connections cut mid-tweet, 429 with ``x-rate-limit-reset``, 503, operational
disconnect notices."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from prometheus_client import REGISTRY

from hubbub.config import Settings
from hubbub.models import Post
from hubbub.sources._live import Backoff, Reconnector, ReconnectPolicy, batched_in_background
from hubbub.sources.x_api import (
    TWEET_FIELDS,
    USER_FIELDS,
    StreamNotice,
    XFilteredStream,
    XStreamError,
    parse_line,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x_api"
MESSAGES = json.loads((FIXTURES / "stream_messages.json").read_text())
TWEETS = MESSAGES["tweets"]
FAST = ReconnectPolicy(network_s=0.01, network_max_s=0.04, http_s=0.02, http_max_s=0.16,
                       rate_limit_s=0.05, rate_limit_max_s=5.0)
HEARTBEAT = b"\r\n"


def line(obj: Any) -> bytes:
    return json.dumps(obj).encode() + b"\r\n"


@dataclass
class Refuse:
    """Answer a stream connection with an HTTP error."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stream:
    """Answer 200 and send ``chunks``; then send heartbeats until the client hangs up
    (``hold``), or close the socket in the middle of the chunked body (``cut``), or else end the
    response cleanly."""

    chunks: list[bytes]
    cut: bool = False
    hold: bool = False
    pause_s: float = 0.0  # silence (not even heartbeats) after the chunks


class FakeX:
    """The rules endpoints and the filtered stream, scripted one connection at a time. When the
    script is used up, a connection gets heartbeats until the client goes away."""

    def __init__(self, rules: dict[str, tuple[str, str]] | None = None) -> None:
        self.rules = dict(rules or {})  # id -> (value, tag)
        self.script: list[Refuse | Stream] = []
        self.rule_posts: list[dict[str, Any]] = []
        self.connections: list[dict[str, Any]] = []
        self._next_id = 1604400000000000100
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                if url.path == "/2/tweets/search/stream/rules":
                    fake.rules_get(self)
                elif url.path == "/2/tweets/search/stream":
                    fake.connections.append({"query": parse_qs(url.query),
                                             "auth": self.headers.get("Authorization")})
                    fake.stream(self, fake.script.pop(0) if fake.script else Stream([], hold=True))
                else:
                    self.send_json(404, {"title": "Not Found"})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.rule_posts.append(body)
                fake.rules_post(self, body)

            def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None
                          ) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- endpoints ------------------------------------------------------------------------------

    def rules_get(self, h: Any) -> None:
        data = [{"id": i, "value": v, "tag": t} for i, (v, t) in self.rules.items()]
        meta = {"sent": "2022-12-18T15:00:00.000Z", "result_count": len(data)}
        h.send_json(200, {"data": data, "meta": meta} if data else {"meta": meta})

    def rules_post(self, h: Any, body: dict[str, Any]) -> None:
        if "delete" in body:
            ids = body["delete"]["ids"]
            deleted = [i for i in ids if self.rules.pop(i, None)]
            h.send_json(200, {"meta": {"sent": "2022-12-18T15:00:00.000Z", "summary": {
                "deleted": len(deleted), "not_deleted": len(ids) - len(deleted)}}})
            return
        created = []
        for rule in body["add"]:
            self._next_id += 1
            self.rules[str(self._next_id)] = (rule["value"], rule["tag"])
            created.append({"id": str(self._next_id), **rule})
        h.send_json(201, {"data": created, "meta": {"sent": "2022-12-18T15:00:00.000Z", "summary": {
            "created": len(created), "not_created": 0, "valid": len(created), "invalid": 0}}})

    def stream(self, h: Any, step: Refuse | Stream) -> None:
        if isinstance(step, Refuse):
            h.send_json(step.status, step.body, step.headers)
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for chunk in step.chunks:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                h.wfile.flush()
                time.sleep(0.005)
            time.sleep(step.pause_s)
            while step.hold:  # heartbeats until the client hangs up
                h.wfile.write(b"2\r\n\r\n\r\n")
                h.wfile.flush()
                time.sleep(0.02)
            if step.cut:
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except OSError:
            h.close_connection = True


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    fake = FakeX(rules={"1604400000000000001": ("world cup", "hubbub:world cup"),
                        "1604400000000000009": ("old rule from last year", "hubbub:old")})
    yield fake
    fake.close()


def make(fake: FakeX, sleeps: list[float], **kw: Any) -> XFilteredStream:
    kw.setdefault("policy", FAST)
    kw.setdefault("flush_s", 0.05)
    return XFilteredStream(fake.url, "test-token", ["world cup", "fifa world cup"],
                           sleep=sleeps.append, wall_clock=lambda: 1_000_000.0, **kw)


def run(source: XFilteredStream, size: int = 100, timeout: float = 10.0) -> tuple[list, list]:
    posts, dead = [], []
    deadline = time.monotonic() + timeout
    for batch in source.batches(size):
        posts += batch.posts
        dead += batch.dead_letters
        assert time.monotonic() < deadline, "the stream did not end"
    return posts, dead


def disconnects(reason: str) -> float:
    return REGISTRY.get_sample_value(
        "hubbub_source_disconnects_total", {"source": "x", "reason": reason}) or 0.0


def test_stream_maps_tweets_syncs_rules_reconnects_and_dead_letters_bad_lines(fake_x):
    t1, t2, t3, t4 = (line(t) for t in TWEETS)
    fake_x.script = [
        # a healthy connection: heartbeats, a tweet, a malformed line, a tweet split over two
        # chunks, then the connection is cut in the middle of the next tweet
        Stream([HEARTBEAT, t1, HEARTBEAT, b'{"data": {"id": "16044694474', b"\r\n",
                line(MESSAGES["not_a_tweet"]), t2[:40], t2[40:], t3[:30]], cut=True),
        Refuse(429, MESSAGES["too_many_requests"], {"x-rate-limit-reset": "1000003"}),
        Refuse(503, MESSAGES["service_unavailable"]),
        Stream([HEARTBEAT, t3, line(MESSAGES["operational_disconnect"])]),
        Stream([t4]),
    ]
    before = {r: disconnects(r) for r in ("dropped", "operational-disconnect", "http_429")}
    sleeps: list[float] = []
    source = make(fake_x, sleeps, max_posts=4)
    posts, dead = run(source)

    # rules: the stale one deleted, the missing one added with its tag, the kept one untouched
    assert fake_x.rule_posts == [
        {"delete": {"ids": ["1604400000000000009"]}},
        {"add": [{"value": "fifa world cup", "tag": "hubbub:fifa world cup"}]},
    ]
    assert sorted(fake_x.rules.values()) == [("fifa world cup", "hubbub:fifa world cup"),
                                             ("world cup", "hubbub:world cup")]
    # posts: each once, mapped with the author from includes.users
    assert [p.id for p in posts] == [t["data"]["id"] for t in TWEETS]
    first, reply = posts[0], posts[1]
    assert first.source == "x" and first.author_id == "2244994945"
    assert (first.username, first.name, first.location, first.verified) == (
        "chinedu_fc", "Chinedu", "Lagos, Nigeria", False)
    assert first.hashtags == ["ARGFRA", "WorldCup2022"] and first.mentions == ["Argentina"]
    assert first.urls == ["https://www.fifa.com/fifaplus/en/tournaments/mens/worldcup/qatar2022"]
    assert first.metrics.like_count == 140 and first.created_at.isoformat().startswith(
        "2022-12-18T15:23:41")
    assert reply.in_reply_to_id == first.id and reply.verified is True
    # malformed lines became dead letters, the stream went on
    assert [d.stage for d in dead] == ["source", "source"]
    assert dead[0].reason.startswith("invalid JSON") and dead[0].raw.startswith('{"data"')
    assert "created_at" in dead[1].reason and dead[1].source == "x"
    # reconnects: immediately after the healthy connections dropped; 429 waited until
    # x-rate-limit-reset (3 s after the fake wall clock's now); 503 backed off 20 ms
    assert sleeps == [3.0, 0.02]
    assert source.stats.disconnects == 2 and source.disconnects == 2
    assert source.stats.failed_attempts == 2 and source.stats.connections >= 3
    assert disconnects("dropped") - before["dropped"] == 1
    assert disconnects("operational-disconnect") - before["operational-disconnect"] == 1
    assert disconnects("http_429") - before["http_429"] == 1
    # the stream asked for the author expansion and our fields, with the bearer token
    query = fake_x.connections[0]["query"]
    assert query["expansions"] == ["author_id"]
    assert query["tweet.fields"] == [",".join(TWEET_FIELDS)]
    assert query["user.fields"] == [",".join(USER_FIELDS)]
    assert fake_x.connections[0]["auth"] == "Bearer test-token"


def test_a_silent_stream_is_a_stall_and_is_reopened(fake_x):
    fake_x.script = [Stream([line(TWEETS[0])], pause_s=1.0), Stream([line(TWEETS[1])])]
    before = disconnects("stall")
    sleeps: list[float] = []
    source = make(fake_x, sleeps, max_posts=2, read_timeout_s=0.2)
    posts, _ = run(source)
    assert [p.id for p in posts] == [t["data"]["id"] for t in TWEETS[:2]]
    assert disconnects("stall") - before == 1 and sleeps == []


def test_batching_helper_truncates_at_max_posts_and_passes_errors_on():
    def items(n: int, fail: bool) -> Iterator[Post]:
        for i in range(n):
            yield Post(id=str(i), source="x", created_at="2022-12-18T15:00:00Z", text="t",
                       author_id="a")
        if fail:
            raise XStreamError("boom")

    stop = threading.Event()
    out = list(batched_in_background(items(10, False), 3, 5.0, stop, max_posts=7))
    assert [len(b) for b in out] == [3, 3, 1] and stop.is_set()
    got = []
    with pytest.raises(XStreamError, match="boom"):
        for batch in batched_in_background(items(4, True), 3, 5.0, threading.Event()):
            got.append(len(batch))
    assert got == [3, 1]  # what came before the error is handed out first


def test_rules_in_sync_are_left_alone(fake_x):
    fake_x.rules["1604400000000000009"] = ("fifa world cup", "hubbub:fifa world cup")
    source = make(fake_x, [])
    sync = source.sync_rules()
    assert (sync.added, sync.deleted, sync.kept) == ([], [], ["world cup", "fifa world cup"])
    assert fake_x.rule_posts == []


def test_network_errors_back_off_linearly_then_give_up():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    sleeps: list[float] = []
    source = XFilteredStream(url, "t", policy=FAST, max_attempts=6, sleep=sleeps.append)
    with pytest.raises(XStreamError, match="gave up after 6 failed attempts: network"):
        run(source)
    assert sleeps == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.04])


def test_http_errors_back_off_exponentially_and_429_from_a_minute(fake_x):
    fake_x.script = [Refuse(503, MESSAGES["service_unavailable"])] * 6 + [
        Refuse(429, MESSAGES["too_many_requests"])] * 4
    sleeps: list[float] = []
    source = make(fake_x, sleeps, max_attempts=10)
    with pytest.raises(XStreamError, match="gave up after 10"):
        run(source)
    assert sleeps == pytest.approx([0.02, 0.04, 0.08, 0.16, 0.16, 0.16, 0.05, 0.1, 0.2])


def test_unauthorized_is_not_retried(fake_x):
    fake_x.script = [Refuse(401, MESSAGES["unauthorized"])]
    sleeps: list[float] = []
    with pytest.raises(XStreamError, match="401"):
        run(make(fake_x, sleeps))
    assert sleeps == []


def test_error_notice_on_connect_backs_off_and_a_slow_stream_still_flushes(fake_x):
    fake_x.script = [Stream([line(MESSAGES["too_many_connections"])]),
                     Stream([HEARTBEAT, line(TWEETS[0])], hold=True)]
    sleeps: list[float] = []
    source = make(fake_x, sleeps)
    got: list[float] = []
    start = time.monotonic()
    threading.Timer(1.0, source.stop).start()
    for batch in source.batches(1000):  # far more than will ever come: flushed by time
        got.append(time.monotonic() - start)
        assert [p.id for p in batch.posts] == [TWEETS[0]["data"]["id"]]
    assert len(got) == 1 and got[0] < 0.9
    assert time.monotonic() - start < 5  # stop() ended the stream promptly
    assert sleeps == [0.02] and source.stats.last_reason == "ConnectionException"


def test_parse_line_kinds():
    assert parse_line(json.dumps(TWEETS[2])).id == TWEETS[2]["data"]["id"]
    notice = parse_line(json.dumps(MESSAGES["operational_disconnect"]))
    assert isinstance(notice, StreamNotice) and notice.reason == "operational-disconnect"
    # a tweet with partial errors (e.g. an author that could not be expanded) is still a tweet
    partial = {**TWEETS[2], "errors": [{"title": "Not Found Error"}]}
    assert parse_line(json.dumps(partial)).id == TWEETS[2]["data"]["id"]
    assert parse_line("[1, 2]").reason.startswith("invalid message")


def test_backoffs():
    linear = Backoff(0.25, 16, linear=True)
    assert [linear.next() for _ in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert max(linear.next() for _ in range(100)) == 16
    expo = Backoff(5, 320, linear=False)
    assert [expo.next() for _ in range(8)] == [5, 10, 20, 40, 80, 160, 320, 320]
    r = Reconnector(ReconnectPolicy())
    assert (r.delay("network"), r.delay("http"), r.delay("rate_limit")) == (0.25, 5, 60)
    r.reset()
    assert r.delay("rate_limit") == 60
    assert ReconnectPolicy.scaled(0.001).http_max_s == pytest.approx(0.32)


def test_from_settings_needs_a_token():
    with pytest.raises(XStreamError, match="BEARER_TOKEN"):
        XFilteredStream.from_settings(Settings(_env_file=None))
    s = Settings(_env_file=None, x_bearer_token="abc", x_base_url="http://127.0.0.1:9/")
    source = XFilteredStream.from_settings(s)
    assert source.rules == ["world cup", "fifa world cup"]
    assert source.stream_url == "http://127.0.0.1:9/2/tweets/search/stream"
    source.close()

