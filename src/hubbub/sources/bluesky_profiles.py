"""Bluesky authors from the public AppView (no login):

    GET {api_url}/xrpc/app.bsky.actor.getProfiles?actors=did1&actors=did2…   (at most 25)
    → {"profiles": [{"did", "handle", "displayName", "avatar", "description", "createdAt",
                     "verification": {"verifiedStatus"}…}]}

A profile becomes a :class:`hubbub.models.User`: id = did, username = handle, name =
displayName, profile_image_url = avatar. ``location`` is always None: Bluesky profiles have no
location field, and none is invented (so the geo step finds no country for these authors).
Actors the API leaves out (deleted, taken down) are cached as missing for a shorter time;
lookups that fail (network, 429, 5xx) are not cached and are simply tried again next time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import httpx
import orjson
from pydantic import ValidationError

from hubbub.models import Post, User

log = logging.getLogger(__name__)

MAX_ACTORS = 25  # getProfiles' limit per request


def profile_user(profile: dict[str, Any]) -> User:
    """One ``app.bsky.actor.defs#profileViewDetailed`` → User (location stays None)."""
    created: datetime | None = None
    if isinstance(profile.get("createdAt"), str):
        try:
            created = datetime.fromisoformat(profile["createdAt"])
        except ValueError:
            created = None
    verification = profile.get("verification")
    return User.model_validate({
        "id": profile["did"],
        "username": profile.get("handle") or profile["did"],
        "name": profile.get("displayName") or "",
        "location": None,
        "verified": isinstance(verification, dict)
        and verification.get("verifiedStatus") == "valid",
        "profile_image_url": profile.get("avatar"),
        "description": profile.get("description"),
        "created_at": created if created is not None and created.tzinfo is not None else None,
    })


class BlueskyProfiles:
    """Looks Bluesky authors up by did, with an in-process TTL cache. A ``UserDirectory``."""

    def __init__(
        self,
        api_url: str = "https://public.api.bsky.app",
        *,
        timeout_s: float = 5.0,
        cache_size: int = 50_000,
        ttl_s: float = 3600.0,
        negative_ttl_s: float = 300.0,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = api_url.rstrip("/") + "/xrpc/app.bsky.actor.getProfiles"
        self.cache_size = cache_size
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self.failures = 0  # dids whose lookup failed (not cached)
        self.requests = 0
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[float, User | None]] = OrderedDict()
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_s), headers={"User-Agent": "hubbub-bluesky"}
        )

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def get_users(self, ids: Sequence[str]) -> list[User]:
        """The users that exist among ``ids`` (``UserDirectory``)."""
        found = self.lookup(ids)
        return [u for u in (found.get(i) for i in dict.fromkeys(ids)) if u is not None]

    def attach(self, posts: list[Post]) -> list[Post]:
        """``posts`` with their author's handle, display name and avatar filled in where the
        author could be looked up; the others are returned unchanged."""
        users = self.lookup(p.author_id for p in posts if p.needs_user())
        out: list[Post] = []
        for post in posts:
            user = users.get(post.author_id)
            if user is None or not post.needs_user():
                out.append(post)
                continue
            out.append(post.model_copy(update={
                "username": user.username,
                "name": user.name,
                "profile_image_url": user.profile_image_url,
                "verified": user.verified,
                "location": None,
            }))
        return out

    def lookup(self, dids: Iterable[str]) -> dict[str, User | None]:
        """did → User, or None when Bluesky does not know it. Dids whose lookup failed are
        left out."""
        wanted = list(dict.fromkeys(d for d in dids if d))
        result = self._cached(wanted)
        missing = [d for d in wanted if d not in result]
        for start in range(0, len(missing), MAX_ACTORS):
            chunk = missing[start : start + MAX_ACTORS]
            fetched = self._fetch(chunk)
            if fetched is None:
                self.failures += len(chunk)
                continue
            result.update(fetched)
            self._store(fetched)
        return result

    def _fetch(self, dids: list[str]) -> dict[str, User | None] | None:
        self.requests += 1
        try:
            response = self._client.get(self.url, params=[("actors", d) for d in dids])
        except httpx.HTTPError as exc:
            log.warning("Bluesky getProfiles failed: %s", exc)
            return None
        if response.status_code != 200:
            log.warning("Bluesky getProfiles answered %s: %s", response.status_code,
                        response.text[:200])
            return None
        try:
            body = orjson.loads(response.content)
            profiles = body.get("profiles") or []
        except (orjson.JSONDecodeError, AttributeError):
            log.warning("Bluesky getProfiles answered something that is not a profile list")
            return None
        out: dict[str, User | None] = dict.fromkeys(dids)
        for profile in profiles:
            if isinstance(profile, dict) and profile.get("did") in out:
                try:
                    out[profile["did"]] = profile_user(profile)
                except (ValidationError, KeyError):
                    log.warning("unreadable Bluesky profile %s", profile.get("did"))
                    out.pop(profile["did"])
        return out

    def _cached(self, dids: list[str]) -> dict[str, User | None]:
        now = self._clock()
        found: dict[str, User | None] = {}
        with self._lock:
            for did in dids:
                entry = self._cache.get(did)
                if entry is None:
                    continue
                if entry[0] <= now:
                    del self._cache[did]
                    continue
                self._cache.move_to_end(did)
                found[did] = entry[1]
        return found

    def _store(self, users: dict[str, User | None]) -> None:
        if self.cache_size <= 0:
            return
        now = self._clock()
        with self._lock:
            for did, user in users.items():
                ttl = self.ttl_s if user is not None else self.negative_ttl_s
                self._cache[did] = (now + ttl, user)
                self._cache.move_to_end(did)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
