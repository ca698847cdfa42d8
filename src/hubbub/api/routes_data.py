"""The dashboard's data endpoints under /api/v1; all accept the common filters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from hubbub.api.deps import FiltersDep, StoreDep
from hubbub.api.schemas import (
    BusiestDay,
    CountryCount,
    CountrySentiment,
    DayCount,
    DeadLetterCount,
    ErrorBody,
    HashtagCount,
    RecentPost,
    Stats,
    TeamSentiment,
    TimelinePoint,
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "Invalid parameters (with a hint how to fix)"},
    500: {"model": ErrorBody, "description": "The store failed"},
    503: {"model": ErrorBody, "description": "The store is not available yet"},
}
router = APIRouter(prefix="/api/v1", tags=["dashboard"], responses=_ERRORS)


@router.get("/posts/recent", response_model=list[RecentPost], summary="Latest posts")
def recent_posts(
    store: StoreDep, f: FiltersDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict]:
    """The newest posts that have an author username, newest first."""
    return store.recent_posts(limit, f)


@router.get("/counts/day", response_model=list[DayCount], summary="Posts per UTC day")
def counts_per_day(store: StoreDep, f: FiltersDep) -> list[dict]:
    return store.counts_per_day(f)


@router.get("/counts/country", response_model=list[CountryCount], summary="Posts per country")
def counts_per_country(
    store: StoreDep, f: FiltersDep, limit: Annotated[int, Query(ge=1, le=300)] = 300
) -> list[dict]:
    """Most active countries first; posts without a known country are left out
    (their total is ``posts_unknown_country`` in /stats)."""
    return store.counts_per_country(f, limit)


@router.get("/timeline", response_model=list[TimelinePoint], summary="Posts over time")
def timeline(
    store: StoreDep,
    f: FiltersDep,
    bucket: Annotated[Literal["minute", "hour", "day"], Query()] = "hour",
) -> list[dict]:
    """Sparse: buckets without posts are absent. Minute buckets cover at most 48 hours."""
    return store.timeline(bucket, f)


@router.get("/hashtags/top", response_model=list[HashtagCount], summary="Top hashtags")
def top_hashtags(
    store: StoreDep, f: FiltersDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict]:
    return store.top_hashtags(limit, f)


@router.get(
    "/sentiment/country", response_model=list[CountrySentiment], summary="Sentiment per country"
)
def sentiment_by_country(
    store: StoreDep, f: FiltersDep, limit: Annotated[int, Query(ge=1, le=300)] = 300
) -> list[dict]:
    return store.sentiment_by_country(f, limit)


@router.get("/sentiment/team", response_model=list[TeamSentiment], summary="Sentiment per team")
def sentiment_by_team(store: StoreDep, f: FiltersDep) -> list[dict]:
    """A post mentioning two teams counts once for each."""
    return store.sentiment_by_team(f)


@router.get("/busiest-day", response_model=BusiestDay | None, summary="The day with most posts")
def busiest_day(store: StoreDep, f: FiltersDep) -> dict | None:
    """``null`` when no post matches."""
    return store.busiest_day(f)


@router.get("/stats", response_model=Stats, summary="Totals and freshness")
def stats(store: StoreDep) -> dict:
    return store.stats()


@router.get("/dead-letters", response_model=list[DeadLetterCount], summary="Dead letters")
def dead_letters(store: StoreDep) -> list[dict]:
    """Messages that could not enter or pass the stream, counted by stage and reason."""
    return store.dead_letter_counts()
