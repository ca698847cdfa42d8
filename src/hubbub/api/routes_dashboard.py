"""The web dashboard's extra endpoints: headline numbers, top poster per nation, filter
choices and the match schedule (plain data handed to ``create_app``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from hubbub.api.deps import FiltersDep, StoreDep
from hubbub.api.routes_data import _ERRORS
from hubbub.api.schemas import Facets, MatchInfo, Overview, TopPoster

router = APIRouter(prefix="/api/v1", tags=["dashboard"], responses=_ERRORS)


def _unsupported(exc: NotImplementedError) -> HTTPException:
    return HTTPException(status_code=501, detail=f"not supported by this store: {exc}")


@router.get("/overview", response_model=Overview, summary="Headline numbers")
def overview(store: StoreDep, f: FiltersDep) -> dict:
    """Posts, nations seen and the sentiment split, under the filters."""
    try:
        return store.overview(f)
    except NotImplementedError as exc:
        raise _unsupported(exc) from None


@router.get("/top-posters", response_model=list[TopPoster], summary="Top poster per nation")
def top_posters(
    store: StoreDep, f: FiltersDep, limit: Annotated[int, Query(ge=1, le=300)] = 300
) -> list[dict]:
    """The most frequent poster of each nation, most active nations first."""
    try:
        return store.top_posters(f, limit)
    except NotImplementedError as exc:
        raise _unsupported(exc) from None


@router.get("/facets", response_model=Facets, summary="Filter choices")
def facets(store: StoreDep) -> dict:
    """Nations (by name), teams and languages (most used first) seen so far."""
    try:
        return store.facets()
    except NotImplementedError as exc:
        raise _unsupported(exc) from None


@router.get("/matches", response_model=list[MatchInfo], summary="Matches (timeline markers)")
def matches(
    request: Request,
    since: Annotated[datetime | None, Query(description="matches ending at or after")] = None,
    until: Annotated[datetime | None, Query(description="matches kicking off before")] = None,
    team: Annotated[str | None, Query(max_length=64, description="matches of this team")] = None,
) -> list[MatchInfo]:
    """The schedule the server was started with (empty when it has none), in kick-off order."""
    out: list[MatchInfo] = request.app.state.matches
    if since is not None:
        out = [m for m in out if m.end >= since]
    if until is not None:
        out = [m for m in out if m.kickoff < until]
    if team:
        t = team.lower()
        out = [m for m in out if t in (m.home.lower(), m.away.lower())]
    return out
