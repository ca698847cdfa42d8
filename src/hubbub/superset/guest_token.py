"""Guest tokens for the embedded Superset dashboard, cached and refreshed before they expire.

The original system served one static guest token, which Superset stops accepting after
``GUEST_TOKEN_JWT_EXP_SECONDS`` (5 minutes by default). Here each call to ``get()`` returns a
token with at least ``refresh_margin_s`` seconds left, fetching a new one from
``POST /api/v1/security/guest_token/`` when needed (one fetch at a time; callers share it).

The expiry is read from the token itself (the JWT's ``exp`` claim; the signature is
Superset's business); a token without one is assumed to live ``fallback_ttl_s`` seconds.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hubbub.superset.client import SupersetClient, SupersetError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GuestToken:
    token: str
    dashboard_id: str  # the embedded dashboard's uuid (what the embedding SDK wants)
    expires_at: float  # epoch seconds


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, without verifying it (None if absent or unreadable)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp")
    except (IndexError, ValueError, AttributeError):
        return None
    return float(exp) if isinstance(exp, int | float) else None


class GuestTokens:
    """Hands out guest tokens for one embedded dashboard. Thread-safe.

    ``dashboard`` is the embedded dashboard's uuid, or a dashboard slug / id whose embedding
    is looked up (``GET /api/v1/dashboard/<slug>/embedded``) on first use.
    """

    def __init__(
        self,
        client: SupersetClient,
        dashboard: str,
        *,
        refresh_margin_s: float = 60.0,
        fallback_ttl_s: float = 300.0,
        username: str = "hubbub-guest",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.dashboard = dashboard
        self.refresh_margin_s = refresh_margin_s
        self.fallback_ttl_s = fallback_ttl_s
        self.username = username
        self.clock = clock
        self.fetches = 0
        self._lock = threading.Lock()
        self._current: GuestToken | None = None
        self._embedded_id: str | None = dashboard if _looks_like_uuid(dashboard) else None

    def get(self) -> GuestToken:
        with self._lock:
            now = self.clock()
            current = self._current
            if current is not None and now < current.expires_at - self.refresh_margin_s:
                return current
            try:
                self._current = self._fetch(now)
            except (SupersetError, httpx.HTTPError) as exc:
                if current is not None and now < current.expires_at:
                    log.warning("guest token refresh failed, serving the current one: %s", exc)
                    return current
                raise
            return self._current

    def _fetch(self, now: float) -> GuestToken:
        dashboard_id = self._embedded_id or self._lookup_embedded_id()
        body: dict[str, Any] = {
            "user": {"username": self.username, "first_name": "hubbub", "last_name": "guest"},
            "resources": [{"type": "dashboard", "id": dashboard_id}],
            "rls": [],
        }
        token = self.client.post("/api/v1/security/guest_token/", body)["token"]
        self.fetches += 1
        expires_at = jwt_expiry(token) or now + self.fallback_ttl_s
        return GuestToken(token=token, dashboard_id=dashboard_id, expires_at=expires_at)

    def _lookup_embedded_id(self) -> str:
        result = self.client.get(f"/api/v1/dashboard/{self.dashboard}/embedded")["result"]
        self._embedded_id = str(result["uuid"])
        return self._embedded_id


def _looks_like_uuid(value: str) -> bool:
    parts = value.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12]
