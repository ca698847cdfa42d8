"""The ClickHouse dialect of ``planner``: where a dashboard query reads from.

Same rollups, same choice rules (``planner.fits``) and the same source columns as the DuckDB
planner, so the queries on top give the same answers:

- counts:   hour, day, country_code ('' = unknown), lang, posts, sentiment_e8 (the sum of
            sentiment_compound in integer units of 1e-8: exact), positive, neutral, negative
- teams:    the same plus ``team``
- hashtags: hour, day, hashtag, posts

Rollup tables are read with ``sum()`` and GROUP BY (never FINAL): unmerged parts only split a
group's sum. Reads of ``posts`` see one row per id without FINAL: the store never inserts an
id twice, and of a re-enriched post only the newest version passes ``LATEST``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hubbub.store.base import Filters
from hubbub.store.planner import HASHTAG_DAY, HASHTAG_HOUR, HOUR, TEAM_DAY, Grain, Rollup, fits

# rows that a newer version (a re-enrichment) replaced are skipped until a merge drops them;
# the subquery reads only granules with replaces > 0 (a minmax skip index), usually none
LATEST = "(id, version) NOT IN (SELECT id, replaces FROM posts WHERE replaces > 0)"
TS = "DateTime64(6, 'UTC')"
HASHTAGS = "arrayDistinct(arrayMap(h -> lowerUTF8(trimLeft(h, '#')), hashtags))"
_MEASURES = "posts, sentiment_e8, positive, neutral, negative"
_BASE_MEASURES = (
    "1 AS posts, toInt64(round(sentiment_compound * 100000000)) AS sentiment_e8, "
    "toInt64(sentiment_label = 'positive') AS positive, "
    "toInt64(sentiment_label = 'neutral') AS neutral, "
    "toInt64(sentiment_label = 'negative') AS negative"
)
_BASE_KEYS = (
    "toDateTime64(toStartOfHour(created_at), 0, 'UTC') AS hour, toDate(created_at) AS day, "
    "ifNull(country_code, '') AS country_code, ifNull(lang, '') AS lang"
)


class Binds:
    """Collects query parameters; ``b(value, "String")`` returns the ``{pN:String}`` placeholder."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def __call__(self, value: Any, type_: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return "{" + name + ":" + type_ + "}"


def base_where(f: Filters, b: Binds, *, team: bool = True) -> str:
    """WHERE clause on ``posts`` for (normalised) filters ``f``, latest versions only."""
    parts = [LATEST]
    if f.since is not None:
        parts.append(f"created_at >= {b(f.since, TS)}")
    if f.until is not None:
        parts.append(f"created_at < {b(f.until, TS)}")
    if f.country is not None:
        parts.append(f"country_code = {b(f.country, 'String')}")
    if f.lang is not None:
        parts.append(f"lang = {b(f.lang, 'String')}")
    if team and f.team is not None:
        parts.append(f"has(arrayMap(t -> lowerUTF8(t), teams), {b(f.team, 'String')})")
    if f.keyword is not None:
        kw = b(f.keyword, "String")
        parts.append(f"(has(arrayMap(k -> lowerUTF8(k), keywords), {kw}) OR has({HASHTAGS}, {kw}))")
    return " AND ".join(parts)


def _rollup_where(r: Rollup, f: Filters, b: Binds) -> str:
    parts = ["1"]
    col = r.grain  # the time column is named after the grain
    for op, ts in ((">=", f.since), ("<", f.until)):
        if ts is not None:
            if r.grain == "hour":
                parts.append(f"{col} {op} {b(ts, TS)}")
            else:
                parts.append(f"{col} {op} {b(date.fromordinal(ts.toordinal()), 'Date')}")
    if f.country is not None:
        parts.append(f"country_code = {b(f.country, 'String')}")
    if f.lang is not None:
        parts.append(f"lang = {b(f.lang, 'String')}")
    if f.team is not None:
        parts.append(f"lowerUTF8(team) = {b(f.team, 'String')}")
    return " AND ".join(parts)


def _from_rollup(r: Rollup, f: Filters, b: Binds, cols: str) -> str:
    where = _rollup_where(r, f, b)
    if r.grain == "hour":
        keys = "hour, toDate(hour) AS day"
    else:
        keys = "CAST(NULL AS Nullable(DateTime64(0, 'UTC'))) AS hour, day"
    return f"SELECT {keys}, {cols} FROM {r.table} WHERE {where}"


def counts_source(f: Filters, b: Binds, need: Grain | None, rollups: bool = True) -> str:
    """Per-post measures, from rollup_hour, rollup_team_day (team filter) or posts."""
    if rollups and f.team is None and fits(HOUR, f, need):
        return _from_rollup(HOUR, f, b, f"country_code, lang, {_MEASURES}")
    if rollups and f.team is not None and fits(TEAM_DAY, f, need):
        return _from_rollup(TEAM_DAY, f, b, f"country_code, lang, {_MEASURES}")
    where = base_where(f, b)
    return f"SELECT {_BASE_KEYS}, {_BASE_MEASURES} FROM (SELECT * FROM posts WHERE {where})"


def teams_source(f: Filters, b: Binds, rollups: bool = True) -> str:
    """Per-(post, team) measures, from rollup_team_day or posts."""
    if rollups and fits(TEAM_DAY, f):
        return _from_rollup(TEAM_DAY, f, b, f"team, country_code, lang, {_MEASURES}")
    where = base_where(f, b, team=False)
    sql = (
        f"SELECT {_BASE_KEYS}, team, {_BASE_MEASURES} "
        f"FROM (SELECT * FROM posts WHERE {where}) ARRAY JOIN arrayDistinct(teams) AS team"
    )
    if f.team is not None:
        sql = f"SELECT * FROM ({sql}) WHERE lowerUTF8(team) = {b(f.team, 'String')}"
    return sql


def hashtags_source(f: Filters, b: Binds, rollups: bool = True) -> str:
    """Per-(post, hashtag) counts, from a hashtag rollup or posts."""
    if rollups and f.country is None and fits(HASHTAG_HOUR, f):
        return _from_rollup(HASHTAG_HOUR, f, b, "hashtag, posts")
    if rollups and fits(HASHTAG_DAY, f):
        return _from_rollup(HASHTAG_DAY, f, b, "hashtag, posts")
    where = base_where(f, b)
    return (
        "SELECT toDateTime64(toStartOfHour(created_at), 0, 'UTC') AS hour, "
        "toDate(created_at) AS day, hashtag, 1 AS posts "
        f"FROM (SELECT * FROM posts WHERE {where}) ARRAY JOIN {HASHTAGS} AS hashtag "
        "WHERE hashtag <> ''"
    )
