"""The FastAPI application factory.

The API reads the store and serves a ``UserDirectory``; it never imports sources, enrich or
stream (DESIGN.md §5). The composition root builds the store and directory and hands them in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse
from prometheus_client import CollectorRegistry

from hubbub import __version__
from hubbub.api import (
    routes_dashboard,
    routes_data,
    routes_live,
    routes_ops,
    routes_superset,
    routes_users,
)
from hubbub.api.pages import PLACEHOLDER_PAGE
from hubbub.api.responses import OrjsonResponse
from hubbub.api.routes_ops import StoreCollector
from hubbub.api.schemas import MatchInfo
from hubbub.api.static import DashboardFiles
from hubbub.models import UserDirectory
from hubbub.store.base import Store, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

# how to fix a bad value, by parameter name (added to 422 answers)
HINTS = {
    "since": "use ISO 8601 with a time zone, e.g. since=2022-12-18T00:00:00Z",
    "until": "use ISO 8601 with a time zone after 'since', e.g. until=2022-12-19T00:00:00Z",
    "country": "use a two-letter ISO 3166-1 code, e.g. country=AR",
    "limit": "use a whole number within the documented range, e.g. limit=50",
    "bucket": "use bucket=minute, bucket=hour or bucket=day",
}


def create_app(
    store: Store,
    users: UserDirectory | None = None,
    ready: Callable[[], bool] | None = None,
    static_dir: Path | None = None,
    matches: Sequence[MatchInfo | dict[str, Any]] = (),
    live_interval: float = 1.0,
    live_max_seconds: float = 15.0,
) -> FastAPI:
    """Build the API around ``store``. ``ready`` decides /readyz (default: the store answers).

    ``static_dir`` is the built dashboard (``web/dist``), served at ``/`` when it holds an
    ``index.html``; ``matches`` is the schedule /api/v1/matches serves (timeline markers);
    /api/v1/live checks the store every ``live_interval`` seconds and closes each stream after
    ``live_max_seconds`` (the browser reconnects).
    """
    app = FastAPI(
        title="hubbub",
        version=__version__,
        description="What are people saying, where, and how do they feel about it?",
    )
    app.state.store = store
    app.state.users = users
    app.state.ready = ready or (lambda: _store_answers(store))
    app.state.matches = sorted(
        (MatchInfo.model_validate(m) for m in matches), key=lambda m: (m.kickoff, m.number)
    )
    app.state.live_interval = live_interval
    app.state.live_max_seconds = live_max_seconds
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    app.state.metrics_registry = registry

    app.include_router(routes_data.router)
    app.include_router(routes_ops.router)
    app.include_router(routes_users.router)
    app.include_router(routes_dashboard.router)
    app.include_router(routes_live.router)
    app.include_router(routes_superset.router)  # off unless HUBBUB_SUPERSET_GUEST_ENABLED
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # leaves text/event-stream alone
    _add_error_handlers(app)

    index = static_dir / "index.html" if static_dir is not None else None
    if index is not None and index.is_file():
        app.mount("/", DashboardFiles(directory=static_dir, html=True), name="web")
    else:

        @app.get("/", response_class=HTMLResponse, include_in_schema=False)
        def root() -> str:
            return PLACEHOLDER_PAGE

    return app


def _store_answers(store: Store) -> bool:
    store.stats()
    return True


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> OrjsonResponse:
        errors = []
        hints = []
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ())]
            name = loc[-1] if loc else ""
            errors.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "")})
            if name in HINTS and HINTS[name] not in hints:
                hints.append(HINTS[name])
        message = "; ".join(f"{e['loc'][-1] if e['loc'] else '?'}: {e['msg']}" for e in errors)
        hint = " ".join(hints) or "see /docs for the parameters this endpoint accepts"
        return OrjsonResponse(
            {"detail": f"invalid request: {message}", "errors": errors, "hint": hint},
            status_code=422,
        )

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable) -> OrjsonResponse:
        return OrjsonResponse(
            {"detail": str(exc), "hint": "the store is starting or closed; retry shortly"},
            status_code=503,
        )

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, exc: StoreError) -> OrjsonResponse:
        log.exception("store query failed: %s", request.url.path)
        return OrjsonResponse({"detail": f"store error: {exc}"}, status_code=500)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> OrjsonResponse:
        log.exception("unexpected error: %s", request.url.path)
        return OrjsonResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)
