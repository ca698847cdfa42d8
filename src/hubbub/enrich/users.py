"""The users-lookup client: author ids in, ``User`` records out, as the original enricher did.

It speaks the X API v2 users-lookup shape::

    GET {base_url}/2/users?ids=1,2,3&user.fields=created_at,description,...
    Authorization: Bearer <token>
    → {"data": [user, ...], "errors": [{"resource_id": "3", "title": "Not Found Error", ...}]}

hubbub serves this endpoint itself for the simulator's users; the base URL and token are
settings, so the same client can point at the real X API.

The stream must never stall or lose a post because of it: ids are looked up in batches of at most
100 through one keep-alive ``httpx.Client`` with timeouts; network errors, 5xx and 429 are retried
with exponential backoff and jitter (a 429's ``x-rate-limit-reset`` / ``retry-after`` is honoured
only up to ``max_backoff_s``); whatever still fails is reported in ``LookupResult.failed``, never
raised. A circuit breaker stops calling a dead endpoint for a cool-down, so each batch then fails
at once instead of after timeouts and retries. Found users are cached, unknown ids are cached
negatively for a shorter time.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, runtime_checkable

import httpx
import orjson
from pydantic import ValidationError

from hubbub.config import Settings
from hubbub.metrics import USER_LOOKUPS
from hubbub.models import User

DEFAULT_USER_FIELDS: tuple[str, ...] = (
    "created_at",
    "description",
    "location",
    "name",
    "profile_image_url",
    "username",
    "verified",
)
MAX_BATCH = 100  # the X API's limit of ids per users-lookup request
# error ``type``s of the X API that mean "this user will not be found" (deleted, suspended…)
_GONE_TYPES = (
    "https://api.twitter.com/2/problems/resource-not-found",
    "https://api.twitter.com/2/problems/not-authorized-for-resource",
)
_GONE_TITLES = ("Not Found Error", "Authorization Error", "Forbidden")

_CACHE_HIT = USER_LOOKUPS.labels(outcome="cache_hit")
_FETCHED = USER_LOOKUPS.labels(outcome="fetched")
_NOT_FOUND = USER_LOOKUPS.labels(outcome="not_found")
_FAILED = USER_LOOKUPS.labels(outcome="failed")


@dataclass(frozen=True, slots=True)
class LookupResult:
    users: dict[str, User] = field(default_factory=dict)  # found (from the cache or fetched)
    not_found: set[str] = field(default_factory=set)  # the endpoint says they don't exist
    failed: set[str] = field(default_factory=set)  # could not be looked up; try again later


@runtime_checkable
class UserCache(Protocol):
    """Where looked-up users are kept. ``None`` in ``get_many``'s answer = known not to exist."""

    def get_many(self, ids: Iterable[str]) -> dict[str, User | None]: ...

    def put_many(self, users: Mapping[str, User]) -> None: ...

    def put_missing(self, ids: Iterable[str]) -> None: ...


class MemoryUserCache:
    """An in-process LRU cache with a TTL, and a shorter TTL for ids that don't exist.

    Thread-safe; every operation is O(1) per id. ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        max_size: int = 200_000,
        ttl_s: float = 3600.0,
        negative_ttl_s: float = 300.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_size = max_size
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, User | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, ids: Iterable[str]) -> dict[str, User | None]:
        now = self._clock()
        found: dict[str, User | None] = {}
        with self._lock:
            entries = self._entries
            for id_ in ids:
                entry = entries.get(id_)
                if entry is None:
                    continue
                if entry[0] <= now:
                    del entries[id_]
                    continue
                entries.move_to_end(id_)
                found[id_] = entry[1]
        return found

    def put_many(self, users: Mapping[str, User]) -> None:
        self._put(users.items(), self.ttl_s)

    def put_missing(self, ids: Iterable[str]) -> None:
        self._put(((id_, None) for id_ in ids), self.negative_ttl_s)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _put(self, items: Iterable[tuple[str, User | None]], ttl_s: float) -> None:
        if self.max_size <= 0 or ttl_s <= 0:
            return
        expires = self._clock() + ttl_s
        with self._lock:
            entries = self._entries
            for id_, user in items:
                entries[id_] = (expires, user)
                entries.move_to_end(id_)
            while len(entries) > self.max_size:
                entries.popitem(last=False)


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; while open, ``allow()`` is False until
    ``cooldown_s`` has passed. Then calls are let through again ("half-open"): one success closes
    the breaker, one failure opens it for another cool-down."""

    def __init__(
        self,
        threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until: float | None = None

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None and self._clock() < self._open_until

    def allow(self) -> bool:
        return self.threshold <= 0 or not self.is_open

    def record(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures = 0
                self._open_until = None
                return
            self._failures += 1
            half_open = self._open_until is not None
            if self.threshold > 0 and (half_open or self._failures >= self.threshold):
                self._open_until = self._clock() + self.cooldown_s


@dataclass(slots=True)
class _Batch:
    users: dict[str, User] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


def _encoding_for(base_url: str) -> dict[str, str]:
    """No compression on loopback (hubbub's own endpoint): gzip there only burns CPU twice."""
    host = httpx.URL(base_url).host
    return {"Accept-Encoding": "identity"} if host in ("127.0.0.1", "localhost", "::1") else {}


class UserLookupClient:
    """Looks users up by id through an X-API-v2-shaped ``GET /2/users`` endpoint."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout_s: float = 2.0,
        retries: int = 2,
        cache: UserCache | None = None,
        batch_size: int = MAX_BATCH,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        fields: Sequence[str] = DEFAULT_USER_FIELDS,
        client: httpx.Client | None = None,
        breaker_threshold: int = 5,
        breaker_cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        self.url = base_url.rstrip("/") + "/2/users"
        self.retries = retries
        self.cache = cache
        self.batch_size = batch_size
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.fields = ",".join(fields)
        self.breaker = CircuitBreaker(breaker_threshold, breaker_cooldown_s, clock)
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=30.0),
            headers={"User-Agent": "hubbub-enricher", **_encoding_for(base_url)},
        )

    @classmethod
    def from_settings(cls, s: Settings) -> UserLookupClient:
        from hubbub.enrich.users_redis import cache_from_settings  # Redis only if asked for

        cache = cache_from_settings(s)
        return cls(
            s.users_url(),
            s.users_token.get_secret_value() if s.users_token else None,
            timeout_s=s.users_timeout_s,
            retries=s.users_retries,
            cache=cache,
        )

    def __enter__(self) -> UserLookupClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def lookup(self, ids: Iterable[str]) -> LookupResult:
        """Dedups ``ids``, serves cache hits, fetches the rest in batches. Never raises for
        HTTP or network problems: what could not be looked up is in ``failed``."""
        wanted = list(dict.fromkeys(i for i in ids if i))
        result = LookupResult()
        cached = self.cache.get_many(wanted) if self.cache is not None and wanted else {}
        if cached:
            _CACHE_HIT.inc(len(cached))
            for id_, user in cached.items():
                if user is None:
                    result.not_found.add(id_)
                else:
                    result.users[id_] = user
        missing = [i for i in wanted if i not in cached] if cached else wanted
        if any("," in i for i in missing):  # would split in the query string; never valid ids
            bad = {i for i in missing if "," in i}
            result.failed.update(bad)
            _FAILED.inc(len(bad))
            missing = [i for i in missing if i not in bad]
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            if not self.breaker.allow():
                result.failed.update(chunk)
                _FAILED.inc(len(chunk))
                continue
            batch = self._fetch(chunk)
            self.breaker.record(ok=not batch.failed or bool(batch.users or batch.not_found))
            result.users.update(batch.users)
            result.not_found.update(batch.not_found)
            result.failed.update(batch.failed)
            _FETCHED.inc(len(batch.users))
            _NOT_FOUND.inc(len(batch.not_found))
            _FAILED.inc(len(batch.failed))
            if self.cache is not None:
                if batch.users:
                    self.cache.put_many(batch.users)
                if batch.not_found:
                    self.cache.put_missing(batch.not_found)
        return result

    # -- one batch ---------------------------------------------------------------------------

    def _fetch(self, ids: list[str]) -> _Batch:
        params = {"ids": ",".join(ids), "user.fields": self.fields}
        for attempt in range(self.retries + 1):
            delay: float | None = self._backoff(attempt)
            try:
                response = self._client.get(self.url, params=params, headers=self._headers)
            except httpx.HTTPError:  # timeouts, refused connections, broken transfers
                pass
            else:
                status = response.status_code
                if status == 200:
                    return self._parse(response.content, ids)
                if status == 429:
                    delay = self._rate_limit_delay(response.headers, attempt)
                elif status < 500:  # 400, 401, 403, 404…: retrying will not help
                    return _Batch(failed=set(ids))
            if attempt == self.retries or delay is None:
                break
            self._sleep(delay)
        return _Batch(failed=set(ids))

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        base = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return base / 2 + random.uniform(0, base / 2)

    def _rate_limit_delay(self, headers: httpx.Headers, attempt: int) -> float | None:
        """How long a 429 asks us to wait, or None when that is longer than ``max_backoff_s``
        (then the batch fails rather than block the stream)."""
        wait: float | None = None
        reset = headers.get("x-rate-limit-reset")
        retry_after = headers.get("retry-after")
        try:
            if reset is not None:
                wait = float(reset) - self._wall_clock()
            elif retry_after is not None:
                if retry_after.strip().isdigit():
                    wait = float(retry_after)
                else:  # an HTTP date
                    when = parsedate_to_datetime(retry_after)
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=UTC)
                    wait = when.timestamp() - self._wall_clock()
        except (TypeError, ValueError, OverflowError):
            wait = None
        if wait is None:
            return self._backoff(attempt)
        if wait > self.max_backoff_s:
            return None
        return max(wait, 0.0)

    @staticmethod
    def _parse(content: bytes, ids: list[str]) -> _Batch:
        """An X API v2 users-lookup answer → found / not found / failed among ``ids``."""
        try:
            payload: Any = orjson.loads(content)
        except orjson.JSONDecodeError:
            return _Batch(failed=set(ids))
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            return _Batch(failed=set(ids))
        data = payload.get("data") or []
        errors = payload.get("errors") or []
        if not isinstance(data, list) or not isinstance(errors, list):
            return _Batch(failed=set(ids))
        wanted = set(ids)
        batch = _Batch()
        for item in data:
            if not isinstance(item, dict):
                continue
            id_ = item.get("id")
            if id_ not in wanted:
                continue
            try:
                batch.users[id_] = User.model_validate(item)
            except ValidationError:
                batch.failed.add(id_)
        for error in errors:
            if not isinstance(error, dict):
                continue
            id_ = error.get("resource_id") or error.get("value")
            if id_ in wanted and id_ not in batch.users:
                if error.get("type") in _GONE_TYPES or error.get("title") in _GONE_TITLES:
                    batch.not_found.add(id_)
                else:
                    batch.failed.add(id_)
        # An id the endpoint answered for with neither a user nor an error does not exist (a
        # UserDirectory leaves unknown ids out).
        batch.not_found.update(wanted - batch.users.keys() - batch.not_found - batch.failed)
        return batch

