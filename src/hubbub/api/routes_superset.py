"""``GET /api/v1/superset/guest-token``: a guest token for the embedded Superset dashboard.

Off unless ``HUBBUB_SUPERSET_GUEST_ENABLED=true`` (then 404 with a hint). Tokens come from
Superset's ``/api/v1/security/guest_token/`` through ``hubbub.superset.guest_token``, which
caches one and fetches the next before it expires; that module needs only httpx, and is
imported on the first request, so the API starts without it.

The browser passes the answer to Superset's embedding SDK: ``supersetDomain`` =
``superset_url``, ``id`` = ``dashboard_id``, and ``fetchGuestToken`` calls this endpoint again
(each answer says when its token expires).

Not in the OpenAPI schema for now: ``web/openapi.json`` (the dashboard's typed client) is
generated from it and owned by the web dashboard.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from hubbub.api.responses import OrjsonResponse

router = APIRouter(prefix="/api/v1/superset", tags=["superset"])
_build_lock = threading.Lock()
_DISABLED = object()


def guest_tokens(app: Any) -> Any:
    """The app's ``GuestTokens`` (built from settings on first use), or None if disabled.

    Tests and the composition root may set ``app.state.superset_guest_tokens`` themselves.
    """
    with _build_lock:
        tokens = getattr(app.state, "superset_guest_tokens", None)
        if tokens is None:
            tokens = _from_settings()
            app.state.superset_guest_tokens = tokens
    return None if tokens is _DISABLED else tokens


def _from_settings() -> Any:
    from hubbub.config import get_settings

    s = get_settings()
    if not s.superset_guest_enabled:
        return _DISABLED
    from hubbub.superset.client import SupersetClient
    from hubbub.superset.guest_token import GuestTokens

    if s.superset_password is None:
        raise RuntimeError("HUBBUB_SUPERSET_GUEST_ENABLED needs HUBBUB_SUPERSET_PASSWORD")
    client = SupersetClient(
        s.superset_url, s.superset_username, s.superset_password.get_secret_value(), timeout_s=10
    )
    return GuestTokens(
        client,
        s.superset_guest_dashboard,
        refresh_margin_s=s.superset_guest_refresh_margin_s,
        username=s.superset_guest_username,
    )


@router.get("/guest-token", include_in_schema=False, response_class=OrjsonResponse)
def guest_token(request: Request) -> OrjsonResponse:
    try:
        tokens = guest_tokens(request.app)
    except RuntimeError as exc:  # enabled but misconfigured
        return OrjsonResponse({"detail": str(exc)}, status_code=503)
    if tokens is None:
        return OrjsonResponse(
            {
                "detail": "Superset embedding is not enabled",
                "hint": "set HUBBUB_SUPERSET_GUEST_ENABLED=true and HUBBUB_SUPERSET_PASSWORD, "
                "then run `hubbub superset bootstrap`",
            },
            status_code=404,
        )
    import httpx

    from hubbub.superset.client import SupersetError

    try:
        token = tokens.get()
    except (SupersetError, httpx.HTTPError) as exc:
        return OrjsonResponse(
            {"detail": f"Superset did not issue a guest token: {exc}"}, status_code=502
        )
    return OrjsonResponse(
        {
            "token": token.token,
            "dashboard_id": token.dashboard_id,
            "superset_url": tokens.client.url,
            "expires_at": datetime.fromtimestamp(token.expires_at, UTC).isoformat(),
        },
        headers={"Cache-Control": "no-store"},
    )
