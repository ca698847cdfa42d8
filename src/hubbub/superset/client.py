"""A small client for Superset's REST API (``/api/v1``), over httpx only.

hubbub never imports Superset: Superset runs in its own virtualenv and is reached over HTTP.
This module is kept light (httpx + stdlib) because the API's guest-token route uses it too.

Authentication is Superset's: ``POST /api/v1/security/login`` (database provider) gives a JWT
access token; mutating calls also send a CSRF token from ``/api/v1/security/csrf_token/``
with the session cookie it sets. A 401 (expired access token) logs in again once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class SupersetError(RuntimeError):
    """Superset refused or failed a call (the message holds its status and answer)."""


def rison(value: Any) -> str:
    """Encode ``value`` as Rison, the URL-friendly JSON Superset's ``?q=`` parameter expects."""
    if value is None:
        return "!n"
    if value is True:
        return "!t"
    if value is False:
        return "!f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, Mapping):
        return "(" + ",".join(f"{rison(str(k))}:{rison(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(v) for v in value) + ")"
    raise TypeError(f"cannot encode {type(value).__name__} as Rison")


class SupersetClient:
    """Logged-in calls to one Superset. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._username = username
        self._password = password
        self._http = httpx.Client(base_url=self.url, timeout=timeout_s, transport=transport)
        self._access_token: str | None = None
        self._csrf_token: str | None = None

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- authentication ---
    def login(self) -> None:
        """Get a fresh access token (and forget the CSRF token, which belongs to the session)."""
        self._http.cookies.clear()
        r = self._http.post(
            "/api/v1/security/login",
            json={
                "username": self._username,
                "password": self._password,
                "provider": "db",
                "refresh": False,
            },
        )
        if r.status_code != 200:
            raise SupersetError(f"login to {self.url} as {self._username!r} failed: {_why(r)}")
        self._access_token = r.json()["access_token"]
        self._csrf_token = None

    def _headers(self, mutating: bool) -> dict[str, str]:
        if self._access_token is None:
            self.login()
        headers = {"Authorization": f"Bearer {self._access_token}"}
        if mutating:
            if self._csrf_token is None:
                r = self._http.get("/api/v1/security/csrf_token/", headers=headers)
                if r.status_code != 200:
                    raise SupersetError(f"CSRF token refused: {_why(r)}")
                self._csrf_token = r.json()["result"]
            headers["X-CSRFToken"] = self._csrf_token or ""
            headers["Referer"] = self.url + "/"
        return headers

    # --- calls ---
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> dict[str, Any]:
        """One call; returns the decoded JSON body. Raises ``SupersetError`` if not in ``ok``."""
        mutating = method.upper() not in {"GET", "HEAD"}
        for attempt in (1, 2):
            r = self._http.request(
                method, path, json=json, params=params, headers=self._headers(mutating)
            )
            if r.status_code == 401 and attempt == 1:
                self.login()  # the access token expired
                continue
            break
        if r.status_code not in ok:
            raise SupersetError(f"{method} {path} → {_why(r)}")
        if not r.content:
            return {}
        body: dict[str, Any] = r.json()
        return body

    def get(self, path: str, **kw: Any) -> dict[str, Any]:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> dict[str, Any]:
        return self.request("POST", path, json=body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> dict[str, Any]:
        return self.request("PUT", path, json=body, **kw)

    def find(self, resource: str, **equal: Any) -> list[dict[str, Any]]:
        """Rows of ``/api/v1/<resource>/`` whose columns equal the given values."""
        q = {
            "filters": [{"col": k, "opr": "eq", "value": v} for k, v in equal.items()],
            "page_size": 100,
        }
        rows: list[dict[str, Any]] = self.get(f"/api/v1/{resource}/", params={"q": rison(q)})[
            "result"
        ]
        return rows


def _why(r: httpx.Response) -> str:
    text = r.text.strip().replace("\n", " ")
    return f"HTTP {r.status_code}: {text[:500]}"
