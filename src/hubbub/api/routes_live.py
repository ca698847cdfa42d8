"""Server-sent events for the live dashboard: ``GET /api/v1/live``.

The stream sends a ``tick`` event (the store's totals, :class:`LiveTick`) when it opens and
whenever they change, and a ``ping`` event as a heartbeat otherwise (so a client can tell a
quiet stream from a stalled connection); the client refetches what it shows on a tick.
Each stream closes after ``live_max_seconds`` (the ``retry`` field makes
EventSource reconnect at once), so proxies never hold a connection for long and a server
that is shutting down is never kept waiting by an open dashboard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from hubbub.api.schemas import LiveTick
from hubbub.store.base import Store, StoreError

router = APIRouter(prefix="/api/v1", tags=["dashboard"])
RETRY_MS = 1000
HEARTBEAT_S = 5.0


def _tick(store: Store) -> dict:
    s = store.stats()
    return LiveTick.model_validate(s).model_dump(mode="json")


async def _events(request: Request, store: Store, limit: int | None) -> AsyncIterator[bytes]:
    interval: float = request.app.state.live_interval
    deadline = time.monotonic() + request.app.state.live_max_seconds
    yield f"retry: {RETRY_MS}\n\n".encode()
    sent, last, quiet_since = 0, None, time.monotonic()
    while time.monotonic() < deadline and (limit is None or sent < limit):
        try:
            tick = await run_in_threadpool(_tick, store)
        except StoreError as exc:
            yield b"event: error\ndata: " + orjson.dumps({"detail": str(exc)}) + b"\n\n"
            tick = None
        if tick is not None and tick != last:
            sent += 1
            last, quiet_since = tick, time.monotonic()
            yield b"event: tick\nid: %d\ndata: %s\n\n" % (sent, orjson.dumps(tick))
        elif time.monotonic() - quiet_since >= HEARTBEAT_S:
            quiet_since = time.monotonic()
            yield b"event: ping\ndata: {}\n\n"
        if limit is not None and sent >= limit:
            break
        await asyncio.sleep(interval)  # a client that left ends the stream at the next send


@router.get(
    "/live",
    summary="Live updates (server-sent events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "model": LiveTick,
            "description": "an event stream; each ``tick`` event's data is a LiveTick",
            "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/LiveTick"}}},
        }
    },
)
async def live(
    request: Request,
    events: Annotated[
        int | None, Query(ge=1, le=10_000, description="close after this many ticks")
    ] = None,
) -> StreamingResponse:
    """``event: tick`` with :class:`LiveTick` data when the totals change (checked every
    second); ``event: ping`` every few seconds in between. Reconnect when it closes."""
    store: Store = request.app.state.store
    return StreamingResponse(
        _events(request, store, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
