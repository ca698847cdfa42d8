"""Where a dashboard query reads from: a rollup when the filters allow, else the posts table.

Every source yields the same columns whichever table it reads, so the query on top of it is
written once and both paths give identical answers (the unit tests check this):

- counts:   hour, day, country_code ('' = unknown), lang, posts, sentiment_sum,
            positive, neutral, negative
- teams:    the same plus ``team`` (a post mentioning two teams counts once for each)
- hashtags: hour, day, hashtag, posts (lower-case hashtags, counted once per post)

A rollup serves a query when there is no keyword filter, every other filter set is one of its
dimensions, and ``since``/``until`` fall on its grain (whole hours or whole UTC days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from hubbub.store.base import Filters
from hubbub.store.rows import to_naive_utc

Grain = Literal["minute", "hour", "day"]
Sql = tuple[str, list[Any]]

_MEASURES = "posts, sentiment_sum, positive, neutral, negative"
_BASE_MEASURES = (
    "1 AS posts, sentiment_compound AS sentiment_sum, "
    "CAST(sentiment_label = 'positive' AS BIGINT) AS positive, "
    "CAST(sentiment_label = 'neutral' AS BIGINT) AS neutral, "
    "CAST(sentiment_label = 'negative' AS BIGINT) AS negative"
)
_BASE_KEYS = (
    "date_trunc('hour', created_at) AS hour, CAST(created_at AS DATE) AS day, "
    "coalesce(country_code, '') AS country_code, coalesce(lang, '') AS lang"
)
_HASHTAGS = "list_distinct(list_transform(hashtags, lambda h: lower(ltrim(h, '#'))))"


@dataclass(frozen=True, slots=True)
class Rollup:
    table: str
    grain: Literal["hour", "day"]
    dims: frozenset[str]  # the filters (besides time) it can apply


HOUR = Rollup("rollup_hour", "hour", frozenset({"country", "lang"}))
TEAM_DAY = Rollup("rollup_team_day", "day", frozenset({"country", "lang", "team"}))
TEAM_HOUR = Rollup("rollup_team_hour", "hour", frozenset({"country", "lang", "team"}))
HASHTAG_TEAM_DAY = Rollup("rollup_hashtag_team_day", "day", frozenset({"team"}))
HASHTAG_HOUR = Rollup("rollup_hashtag_hour", "hour", frozenset())
HASHTAG_DAY = Rollup("rollup_hashtag_day", "day", frozenset({"country"}))
_GRAIN_ORDER = {"minute": 0, "hour": 1, "day": 2}


def norm(f: Filters) -> Filters:
    """Filters in the store's terms: naive UTC times, upper-case country, lower-case team."""
    return Filters(
        since=to_naive_utc(f.since) if f.since else None,
        until=to_naive_utc(f.until) if f.until else None,
        country=f.country.upper() if f.country else None,
        team=f.team.lower() if f.team else None,
        keyword=f.keyword.lower().lstrip("#") if f.keyword else None,
        lang=f.lang or None,
    )


def _aligned(ts: datetime | None, grain: str) -> bool:
    if ts is None:
        return True
    if grain == "hour":
        return ts.minute == 0 and ts.second == 0 and ts.microsecond == 0
    return ts.time() == time(0)


def fits(r: Rollup, f: Filters, need: Grain | None = None) -> bool:
    """Can rollup ``r`` answer a query with (normalised) filters ``f`` at grain ``need``?"""
    if f.keyword is not None:
        return False
    if need is not None and _GRAIN_ORDER[need] < _GRAIN_ORDER[r.grain]:
        return False
    used = {name for name in ("country", "lang", "team") if getattr(f, name) is not None}
    return used <= r.dims and _aligned(f.since, r.grain) and _aligned(f.until, r.grain)


def base_where(f: Filters, *, team: bool = True) -> Sql:
    """WHERE clause on ``posts`` for (normalised) filters ``f``."""
    parts: list[str] = ["TRUE"]
    params: list[Any] = []
    if f.since is not None:
        parts.append("created_at >= ?")
        params.append(f.since)
    if f.until is not None:
        parts.append("created_at < ?")
        params.append(f.until)
    if f.country is not None:
        parts.append("country_code = ?")
        params.append(f.country)
    if f.lang is not None:
        parts.append("lang = ?")
        params.append(f.lang)
    if team and f.team is not None:
        parts.append("list_contains(list_transform(teams, lambda t: lower(t)), ?)")
        params.append(f.team)
    if f.keyword is not None:
        parts.append(
            "(list_contains(list_transform(keywords, lambda k: lower(k)), ?)"
            f" OR list_contains({_HASHTAGS}, ?))"
        )
        params += [f.keyword, f.keyword]
    return " AND ".join(parts), params


def _rollup_where(r: Rollup, f: Filters) -> Sql:
    parts: list[str] = ["TRUE"]
    params: list[Any] = []
    col = r.grain  # the time column is named after the grain
    for op, ts in ((">=", f.since), ("<", f.until)):
        if ts is not None:
            parts.append(f"{col} {op} ?")
            params.append(ts if r.grain == "hour" else date.fromordinal(ts.toordinal()))
    if f.country is not None:
        parts.append("country_code = ?")
        params.append(f.country)
    if f.lang is not None:
        parts.append("lang = ?")
        params.append(f.lang)
    if f.team is not None:
        parts.append("lower(team) = ?")
        params.append(f.team)
    return " AND ".join(parts), params


def _from_rollup(r: Rollup, f: Filters, cols: str) -> Sql:
    where, params = _rollup_where(r, f)
    if r.grain == "hour":
        keys = "hour, CAST(hour AS DATE) AS day"
    else:
        keys = "CAST(NULL AS TIMESTAMP) AS hour, day"
    return f"SELECT {keys}, {cols} FROM {r.table} WHERE {where}", params


def counts_source(f: Filters, need: Grain | None, rollups: bool = True) -> Sql:
    """Per-post measures, from rollup_hour, rollup_team_day (team filter) or posts."""
    if rollups and f.team is None and fits(HOUR, f, need):
        return _from_rollup(HOUR, f, f"country_code, lang, {_MEASURES}")
    if rollups and f.team is not None:
        for r in (TEAM_DAY, TEAM_HOUR):  # the coarser one first: fewer rows
            if fits(r, f, need):
                return _from_rollup(r, f, f"country_code, lang, {_MEASURES}")
    where, params = base_where(f)
    return f"SELECT {_BASE_KEYS}, {_BASE_MEASURES} FROM posts WHERE {where}", params


def teams_source(f: Filters, rollups: bool = True) -> Sql:
    """Per-(post, team) measures, from rollup_team_day or posts."""
    if rollups:
        for r in (TEAM_DAY, TEAM_HOUR):
            if fits(r, f):
                return _from_rollup(r, f, f"team, country_code, lang, {_MEASURES}")
    where, params = base_where(f, team=False)
    sql = (
        f"SELECT * FROM (SELECT {_BASE_KEYS}, unnest(list_distinct(teams)) AS team, "
        f"{_BASE_MEASURES} FROM posts WHERE {where})"
    )
    if f.team is not None:
        sql += " WHERE lower(team) = ?"
        params.append(f.team)
    return sql, params


def hashtags_source(f: Filters, rollups: bool = True) -> Sql:
    """Per-(post, hashtag) counts, from a hashtag rollup or posts."""
    if rollups and f.country is None and fits(HASHTAG_HOUR, f):
        return _from_rollup(HASHTAG_HOUR, f, "hashtag, posts")
    if rollups and fits(HASHTAG_DAY, f):
        return _from_rollup(HASHTAG_DAY, f, "hashtag, posts")
    if rollups and fits(HASHTAG_TEAM_DAY, f):
        return _from_rollup(HASHTAG_TEAM_DAY, f, "hashtag, posts")
    where, params = base_where(f)
    sql = (
        "SELECT * FROM (SELECT date_trunc('hour', created_at) AS hour, "
        f"CAST(created_at AS DATE) AS day, unnest({_HASHTAGS}) AS hashtag, 1 AS posts "
        f"FROM posts WHERE {where}) WHERE hashtag <> ''"
    )
    return sql, params
