"""The users-lookup cache in Redis, shared by enricher replicas (the ``UserCache`` protocol of
:mod:`hubbub.enrich.users`).

    {prefix}{user id} → the User as JSON, expiring after ``ttl_s``
                      → ``null`` when the users endpoint said the id does not exist
                        (expiring after the shorter ``negative_ttl_s``)

``get_many`` is one ``MGET`` per 1,000 ids; ``put_many`` / ``put_missing`` one pipelined round
trip of ``SET … PX`` per 1,000 ids (no MULTI: the keys are independent). A cache must never stop
the stream: when Redis is down or slow (socket timeouts are short), ``get_many`` answers "nothing
cached" and puts are dropped; both are counted (``hubbub_user_cache_errors_total``) and logged
at most every 30 s. A value that cannot be read back is treated as not cached.

The ``redis`` client library is the ``[redis]`` extra; it is imported only when a
:class:`RedisUserCache` is made, so the in-process cache needs nothing more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter
from pydantic import ValidationError

from hubbub.config import Settings
from hubbub.enrich.users import MemoryUserCache, UserCache
from hubbub.models import User

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

CACHE_ERRORS = Counter(
    "hubbub_user_cache_errors_total", "User-cache operations that failed", ["backend", "op"]
)
DEFAULT_PREFIX = "hubbub:user:"
CHUNK = 1_000
_NULL = b"null"
_LOG_EVERY_S = 30.0


class RedisUserCache:
    """Users cached in Redis under ``{prefix}{id}``; see the module docstring."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        ttl_s: float = 3600.0,
        negative_ttl_s: float = 300.0,
        prefix: str = DEFAULT_PREFIX,
        *,
        timeout_s: float = 0.5,
        client: redis.Redis | None = None,
    ) -> None:
        try:
            import redis as redis_lib
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("the Redis user cache needs `pip install hubbub[redis]`") from exc
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self.prefix = prefix
        self.errors = 0
        self._redis_errors: tuple[type[BaseException], ...] = (redis_lib.RedisError, OSError)
        self._last_log = float("-inf")
        self._owns_client = client is None
        self._client: redis.Redis = client or redis_lib.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=30,
        )

    @classmethod
    def from_settings(cls, s: Settings, prefix: str = DEFAULT_PREFIX) -> RedisUserCache:
        """The same TTLs as the in-process cache: ``users_cache_ttl_s``, and at most 5 minutes
        for ids that do not exist."""
        return cls(s.redis_url, s.users_cache_ttl_s, min(300.0, s.users_cache_ttl_s), prefix)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def key(self, id_: str) -> str:
        return f"{self.prefix}{id_}"

    # -- the UserCache protocol -----------------------------------------------------------------

    def get_many(self, ids: Iterable[str]) -> dict[str, User | None]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, User | None] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            try:
                values: list[Any] = self._client.mget([self.key(i) for i in chunk])
            except self._redis_errors as exc:
                self._failed("get", exc)
                return found
            for id_, raw in zip(chunk, values, strict=True):
                if raw is None:
                    continue
                if raw == _NULL:
                    found[id_] = None
                    continue
                try:
                    found[id_] = User.model_validate_json(raw)
                except ValidationError:
                    log.debug("unreadable cached user %s", id_)
        return found

    def put_many(self, users: Mapping[str, User]) -> None:
        self._put(((id_, user.model_dump_json().encode()) for id_, user in users.items()),
                  self.ttl_s)

    def put_missing(self, ids: Iterable[str]) -> None:
        self._put(((id_, _NULL) for id_ in ids), self.negative_ttl_s)

    # -- housekeeping -----------------------------------------------------------------------------

    def clear(self) -> int:
        """Deletes every key under the prefix (SCAN + UNLINK); returns how many."""
        deleted = 0
        batch: list[Any] = []
        for key in self._client.scan_iter(match=f"{self.prefix}*", count=1_000):
            batch.append(key)
            if len(batch) >= CHUNK:
                deleted += int(self._client.unlink(*batch))
                batch = []
        if batch:
            deleted += int(self._client.unlink(*batch))
        return deleted

    def _put(self, items: Iterable[tuple[str, bytes]], ttl_s: float) -> None:
        ttl_ms = int(ttl_s * 1000)
        if ttl_ms <= 0:
            return
        pipe = self._client.pipeline(transaction=False)
        pending = 0
        try:
            for id_, value in items:
                pipe.set(self.key(id_), value, px=ttl_ms)
                pending += 1
                if pending >= CHUNK:
                    pipe.execute()
                    pending = 0
            if pending:
                pipe.execute()
        except self._redis_errors as exc:
            self._failed("put", exc)
        finally:
            pipe.reset()

    def _failed(self, op: str, exc: BaseException) -> None:
        self.errors += 1
        CACHE_ERRORS.labels(backend="redis", op=op).inc()
        now = time.monotonic()
        if now - self._last_log >= _LOG_EVERY_S:
            self._last_log = now
            log.warning("Redis user cache: %s failed (%s); going on without the cache", op, exc)


def cache_from_settings(s: Settings) -> UserCache | None:
    """The users cache the settings ask for: ``users_cache="redis"`` → :class:`RedisUserCache`
    at ``redis_url``; otherwise the in-process LRU (None when its size or TTL is 0)."""
    if s.users_cache == "redis":
        return RedisUserCache.from_settings(s)
    if s.users_cache_size > 0 and s.users_cache_ttl_s > 0:
        return MemoryUserCache(s.users_cache_size, s.users_cache_ttl_s,
                               min(300.0, s.users_cache_ttl_s))
    return None
