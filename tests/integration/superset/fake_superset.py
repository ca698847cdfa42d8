"""A fake of the few Superset endpoints the guest-token client calls, on pytest-httpserver.

It issues JWT-shaped guest tokens whose ``exp`` follows a fake clock, expires access tokens on
demand and can be told to fail, so the refresh logic is tested without a real Superset.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

EMBEDDED_UUID = "0b4d2f1e-3c5a-4e6f-8a9b-0c1d2e3f4a5b"


def _b64(data: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    return raw.rstrip("=")


def make_jwt(claims: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2lnbmF0dXJl"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeSuperset:
    server: HTTPServer
    clock: FakeClock
    ttl_s: float = 300.0
    with_exp: bool = True
    fail_guest_tokens: bool = False
    guest_delay_s: float = 0.0
    logins: int = 0
    issued: list[str] = field(default_factory=list)
    guest_bodies: list[dict[str, Any]] = field(default_factory=list)
    valid_access: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> FakeSuperset:
        s = self.server
        s.expect_request("/api/v1/security/login", method="POST").respond_with_handler(self._login)
        s.expect_request("/api/v1/security/csrf_token/", method="GET").respond_with_handler(
            self._csrf
        )
        s.expect_request("/api/v1/security/guest_token/", method="POST").respond_with_handler(
            self._guest
        )
        s.expect_request("/api/v1/dashboard/hubbub/embedded", method="GET").respond_with_json(
            {"result": {"uuid": EMBEDDED_UUID, "allowed_domains": []}}
        )
        return self

    def expire_access_tokens(self) -> None:
        self.valid_access.clear()

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") in self.valid_access

    def _login(self, request: Request) -> Response:
        body = request.get_json()
        if body.get("username") != "admin" or body.get("password") != "secret":
            return Response(json.dumps({"message": "Not authorized"}), status=401)
        with self._lock:
            self.logins += 1
            token = f"access-{self.logins}"
            self.valid_access.add(token)
        return Response(json.dumps({"access_token": token}), content_type="application/json")

    def _csrf(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response(json.dumps({"msg": "Token has expired"}), status=401)
        return Response(json.dumps({"result": "csrf-1"}), content_type="application/json")

    def _guest(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response(json.dumps({"msg": "Token has expired"}), status=401)
        if request.headers.get("X-CSRFToken") != "csrf-1":
            return Response(json.dumps({"errors": ["The CSRF token is missing."]}), status=400)
        if self.fail_guest_tokens:
            return Response(json.dumps({"message": "boom"}), status=500)
        if self.guest_delay_s:
            time.sleep(self.guest_delay_s)
        body = request.get_json()
        with self._lock:
            n = len(self.issued) + 1
            claims: dict[str, Any] = {"user": body["user"], "resources": body["resources"]}
            claims["n"] = n
            if self.with_exp:
                claims["exp"] = int(self.clock() + self.ttl_s)
            token = make_jwt(claims)
            self.issued.append(token)
            self.guest_bodies.append(body)
        return Response(json.dumps({"token": token}), content_type="application/json")
