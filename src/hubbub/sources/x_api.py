"""X API v2 filtered stream: rules kept in sync, tweets with their authors, X's reconnect rules.

    GET/POST {base_url}/2/tweets/search/stream/rules    the stream's rules (value + tag)
    GET {base_url}/2/tweets/search/stream?expansions=author_id&tweet.fields=…&user.fields=…

The stream is newline-delimited JSON in one long-lived chunked response; blank lines (``\\r\\n``)
are keep-alive heartbeats, sent about every 20 s. A message is ``{"data": tweet, "includes":
{"users": [...]}, "matching_rules": [...]}`` and is mapped to a Post by
:func:`hubbub.sources.replay.x_post`, the same mapping as for recorded files. A line that is not
JSON or not a valid tweet becomes a ``DeadLetter(stage="source")`` and the stream goes on. A
message with only ``errors`` is an operational notice (``operational-disconnect``, too many
connections…): that connection is over, and a new one is opened.

Reconnecting follows X's documented rules (:mod:`hubbub.sources._live`): at once after a healthy
connection drops; otherwise linear backoff for network errors, exponential for HTTP errors,
exponential from a minute for 429 (never before ``x-rate-limit-reset``). Errors that retrying
cannot fix (400, 401, 403, 404…) raise :class:`XStreamError`. Disconnects are counted on
``/metrics`` (``hubbub_source_disconnects_total{source="x"}``) and in :attr:`XFilteredStream.stats`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from pydantic import ValidationError

from hubbub.config import Settings
from hubbub.models import DeadLetter, Post
from hubbub.sources._live import (
    DISCONNECTS,
    Item,
    Reconnector,
    ReconnectPolicy,
    batched_in_background,
)
from hubbub.sources.base import Source, SourceBatch
from hubbub.sources.replay import ReplayError, x_post

log = logging.getLogger(__name__)

TWEET_FIELDS: tuple[str, ...] = (
    "author_id", "conversation_id", "created_at", "edit_history_tweet_ids", "entities", "lang",
    "public_metrics", "referenced_tweets",
)
USER_FIELDS: tuple[str, ...] = (
    "created_at", "description", "location", "name", "profile_image_url", "username", "verified",
)
DEFAULT_RULES: tuple[str, ...] = ("world cup", "fifa world cup")
_RETRYABLE_4XX = {408, 420, 429}


class XStreamError(RuntimeError):
    """The stream cannot go on: bad credentials, a bad request, or too many failed attempts."""


@dataclass(slots=True)
class RulesSync:
    """What :meth:`XFilteredStream.sync_rules` changed (rule values), and the API's complaints."""

    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class StreamStats:
    connections: int = 0  # connections that answered 200
    disconnects: int = 0  # established connections that ended (dropped, notice, stall…)
    failed_attempts: int = 0  # attempts refused (network error, HTTP error, 429)
    last_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StreamNotice:
    """A message of ``errors`` only: X tells us why the connection is being closed."""

    errors: list[dict[str, Any]]

    @property
    def reason(self) -> str:
        first = self.errors[0] if self.errors else {}
        return str(first.get("title") or first.get("disconnect_type") or "stream-error")


def parse_line(line: str) -> Post | DeadLetter | StreamNotice:
    """One non-blank line of the stream → a Post, a dead letter, or an operational notice."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return DeadLetter(stage="source", reason=f"invalid JSON: {exc}", raw=line, source="x")
    if isinstance(obj, dict) and "data" not in obj and isinstance(obj.get("errors"), list):
        return StreamNotice([e for e in obj["errors"] if isinstance(e, dict)])
    try:
        return x_post(obj, source="x")
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        reason = f"invalid post: {errors}"
    except (ReplayError, AttributeError, TypeError) as exc:
        reason = f"invalid message: {exc}"
    return DeadLetter(stage="source", reason=reason, raw=line, source="x")


class _Failed(Exception):
    """This attempt failed; wait ``delay`` seconds before the next one."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class XFilteredStream(Source):
    """Posts from the X API v2 filtered stream, until :meth:`stop` or ``max_posts``."""

    name = "x"

    def __init__(
        self,
        base_url: str,
        bearer_token: str,
        rules: Sequence[str] = DEFAULT_RULES,
        *,
        tag_prefix: str = "hubbub:",
        delete_stale_rules: bool = True,
        policy: ReconnectPolicy | None = None,
        flush_s: float = 0.5,
        max_posts: int | None = None,
        max_attempts: int | None = None,
        read_timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        base = base_url.rstrip("/")
        self.rules_url = f"{base}/2/tweets/search/stream/rules"
        self.stream_url = f"{base}/2/tweets/search/stream"
        self.rules = list(dict.fromkeys(r.strip() for r in rules if r.strip()))
        self.tag_prefix = tag_prefix
        self.delete_stale_rules = delete_stale_rules
        self.policy = policy or ReconnectPolicy()
        self.flush_s = flush_s
        self.max_posts = max_posts
        self.max_attempts = max_attempts
        self.stats = StreamStats()
        self.params = {
            "expansions": "author_id",
            "tweet.fields": ",".join(TWEET_FIELDS),
            "user.fields": ",".join(USER_FIELDS),
        }
        self._headers = {"Authorization": f"Bearer {bearer_token}"}
        self._stop = threading.Event()
        self._sleep = sleep or self._wait
        self._wall_clock = wall_clock
        self._response: httpx.Response | None = None
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(connect_timeout_s, read=read_timeout_s),
            headers={"User-Agent": "hubbub-x-stream"},
        )

    @classmethod
    def from_settings(cls, s: Settings, **kwargs: Any) -> XFilteredStream:
        if s.x_bearer_token is None:
            raise XStreamError("HUBBUB_X_BEARER_TOKEN is not set")
        return cls(s.x_base_url, s.x_bearer_token.get_secret_value(), s.x_rules, **kwargs)

    @property
    def disconnects(self) -> int:
        return self.stats.disconnects

    # -- lifecycle --------------------------------------------------------------------------

    def batches(self, size: int) -> Iterator[SourceBatch]:
        self._stop.clear()
        yield from batched_in_background(
            self._items(), size, self.flush_s, self._stop, max_posts=self.max_posts,
            on_stop=self.stop, name="x-stream-reader",
        )

    def stop(self) -> None:
        """Ends :meth:`batches` soon: the open connection is closed, backoff sleeps are cut."""
        self._stop.set()
        response = self._response
        if response is not None:
            try:
                response.close()
            except Exception:  # the reader thread may be using it; it notices the stop
                log.debug("closing the stream response failed", exc_info=True)

    def _wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def close(self) -> None:
        self.stop()
        if self._owns_client:
            self._client.close()

    # -- rules ------------------------------------------------------------------------------

    def tag_for(self, value: str) -> str:
        return f"{self.tag_prefix}{value}"

    def sync_rules(self) -> RulesSync:
        """Adds the configured rules that are missing (tagged) and deletes the others."""
        existing = self._call("GET", self.rules_url).get("data") or []
        by_value = {r.get("value"): r for r in existing if isinstance(r, dict)}
        sync = RulesSync(kept=[v for v in self.rules if v in by_value])
        stale = [r for v, r in by_value.items() if v not in self.rules]
        if stale and self.delete_stale_rules:
            answer = self._call("POST", self.rules_url,
                                json={"delete": {"ids": [r.get("id") for r in stale]}})
            sync.deleted = [str(r.get("value")) for r in stale]
            sync.errors.extend(answer.get("errors") or [])
        missing = [v for v in self.rules if v not in by_value]
        if missing:
            answer = self._call("POST", self.rules_url, json={
                "add": [{"value": v, "tag": self.tag_for(v)} for v in missing]})
            created = {r.get("value") for r in answer.get("data") or [] if isinstance(r, dict)}
            sync.added = [v for v in missing if v in created]
            sync.errors.extend(answer.get("errors") or [])
        if sync.errors:
            log.warning("X stream rules: the API refused some changes: %s", sync.errors)
        log.info("X stream rules: added %s, deleted %s, kept %s",
                 sync.added, sync.deleted, sync.kept)
        return sync

    def _call(self, method: str, url: str, json: Any = None) -> dict[str, Any]:
        response = self._client.request(method, url, json=json, headers=self._headers)
        response.raise_for_status()
        body = orjson.loads(response.content) if response.content else {}
        return body if isinstance(body, dict) else {}

    # -- the stream -------------------------------------------------------------------------

    def _items(self) -> Iterator[Item]:
        reconnector = Reconnector(self.policy)
        synced = False
        failures = 0
        while not self._stop.is_set():
            try:
                if not synced:
                    self.sync_rules()
                    synced = True
                healthy = yield from self._connection(reconnector)
            except _Failed as failed:
                healthy = False
                reason, delay = failed.reason, failed.delay
            except httpx.HTTPStatusError as exc:
                healthy = False
                reason, delay = self._refused(exc.response, reconnector)
            except httpx.TransportError as exc:
                healthy = False
                reason, delay = f"network: {type(exc).__name__}", reconnector.delay("network")
                DISCONNECTS.labels(source="x", reason="network").inc()
            else:
                reason, delay = self.stats.last_reason or "dropped", 0.0
            if self._stop.is_set():
                return
            self.stats.last_reason = reason
            if healthy:
                failures = 0
            else:
                failures += 1
                self.stats.failed_attempts += 1
                if self.max_attempts is not None and failures >= self.max_attempts:
                    raise XStreamError(f"gave up after {failures} failed attempts: {reason}")
            log.warning("X stream: %s; reconnecting in %.3f s", reason, delay)
            if delay > 0:
                self._sleep(delay)

    def _connection(self, reconnector: Reconnector) -> Generator[Item, None, bool]:
        """One connection: yields what it reads; returns True when it ended after being healthy
        (then the next attempt is immediate), raises :class:`_Failed` otherwise."""
        healthy = False
        with self._client.stream("GET", self.stream_url, params=self.params,
                                 headers=self._headers) as response:
            if response.status_code != 200:
                response.read()
                reason, delay = self._refused(response, reconnector)
                raise _Failed(reason, delay)
            self._response = response
            self.stats.connections += 1
            try:
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return healthy
                    message = parse_line(line) if line.strip() else None
                    if isinstance(message, StreamNotice):
                        self._disconnected(message.reason)
                        if healthy:
                            return True
                        raise _Failed(message.reason, reconnector.delay("http"))
                    if not healthy:
                        healthy = True
                        reconnector.reset()
                    if message is not None:
                        yield message
            except httpx.TransportError as exc:
                if self._stop.is_set():
                    return healthy
                reason = "stall" if isinstance(exc, httpx.ReadTimeout) else "dropped"
                self._disconnected(reason)
                if healthy:
                    return True
                raise _Failed(reason, reconnector.delay("network")) from exc
            except Exception:
                if self._stop.is_set():  # stop() closed the response under our feet
                    return healthy
                raise
            finally:
                self._response = None
        if not self._stop.is_set():
            self._disconnected("stream_ended")
            if not healthy:
                raise _Failed("stream_ended", reconnector.delay("network"))
        return healthy

    def _disconnected(self, reason: str) -> None:
        self.stats.disconnects += 1
        self.stats.last_reason = reason
        DISCONNECTS.labels(source="x", reason=reason).inc()

    def _refused(self, response: httpx.Response, reconnector: Reconnector) -> tuple[str, float]:
        """(reason, delay) for a non-200 answer; raises :class:`XStreamError` when retrying
        cannot help."""
        status = response.status_code
        DISCONNECTS.labels(source="x", reason=f"http_{status}").inc()
        if status in (420, 429):
            delay = reconnector.delay("rate_limit")
            reset = response.headers.get("x-rate-limit-reset")
            try:
                wait = float(reset) - self._wall_clock() if reset else 0.0
            except ValueError:
                wait = 0.0
            return "rate_limited", max(delay, min(wait, self.policy.rate_limit_max_s))
        if status >= 500 or status in _RETRYABLE_4XX:
            return f"http_{status}", reconnector.delay("http")
        raise XStreamError(
            f"X API answered {status} for {response.request.method} {response.request.url.path}:"
            f" {response.text[:500]}"
        )

