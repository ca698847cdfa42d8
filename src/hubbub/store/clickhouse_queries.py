"""The dashboard queries of the ClickHouse store, over the sources of ``clickhouse_planner``.

Same conventions and answers as ``duckdb_queries`` (UTC, RFC 3339 with ``Z``, ``since``
inclusive, ``until`` exclusive, empty groups never returned, sparse timelines). Average
sentiment is exact: sums are integers (units of 1e-8) and the mean is rounded in Python like
DuckDB's ``round`` (ties away from zero; ClickHouse rounds floats half to even). DuckDB sums
doubles, so where the exact mean is a tie at the 5th decimal its answer can differ by 1e-4.
No query uses FINAL.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import pyarrow as pa

from hubbub.store import clickhouse_planner as chp
from hubbub.store import planner
from hubbub.store.base import NO_FILTERS, Bucket, Filters, Store
from hubbub.store.clickhouse_exec import Executor, Params
from hubbub.store.duckdb_queries import MINUTE_WINDOW, RECENT_WINDOWS
from hubbub.store.rows import iso, recent_row, stats_row

_SENTIMENT = (
    "sum(posts) AS n, sum(sentiment_e8) AS s, "
    "sum(positive) AS pos, sum(neutral) AS neu, sum(negative) AS neg"
)
_SENTIMENT_KEYS = ("posts", "avg_compound", "positive", "neutral", "negative")
_RECENT_COLS = (
    "id, created_at, text, username, name, profile_image_url, location, country_code, "
    "country_name, sentiment_compound, sentiment_label, hashtags, lang, verified, source, "
    "teams, like_count, retweet_count, reply_count, quote_count"
)
NAMES = (
    "(SELECT country_code, argMax(country_name, version) AS country_name "
    "FROM country_names GROUP BY country_code)"
)
_STATS_SQL = """
SELECT sum(posts),
       sumIf(posts, country_code = ''),
       (SELECT count() FROM (SELECT country_code FROM rollup_hour WHERE country_code <> ''
                             GROUP BY country_code HAVING sum(posts) > 0)),
       minOrNull(min_created_at), maxOrNull(max_created_at), maxOrNull(max_ingested_at),
       sum(lookup_failed),
       (SELECT count() FROM dead_letters)
FROM rollup_hour
"""


def round_like_duckdb(value: float | Fraction, digits: int = 4) -> float:
    """Round like DuckDB's ``round(x, n)``: the exact value rounded, ties away from zero."""
    if isinstance(value, float) and not math.isfinite(value):
        return value
    scaled = abs(Fraction(value)) * 10**digits
    whole = math.floor(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return (whole if value >= 0 else -whole) / 10**digits


def mean_compound(total_e8: int, posts: int) -> float:
    """The average sentiment from its exact sum (units of 1e-8), rounded to 4 places."""
    return round_like_duckdb(Fraction(int(total_e8), int(posts) * 10**8))


def rows_of(table: pa.Table) -> list[tuple[Any, ...]]:
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


class ClickHouseQueries(Store):
    """Query half of ``ClickHouseStore``; needs ``_ex`` and ``use_rollups``."""

    _ex: Executor
    use_rollups: bool

    def _query(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return rows_of(self._ex.query(sql, params))

    def _newest(self, pad: timedelta) -> datetime | None:
        """Just after the newest stored created_at (naive UTC; an exclusive bound), or None.

        Read each time (not cached): in distributed mode other processes write.
        """
        newest = self._query("SELECT maxOrNull(max_created_at) FROM rollup_hour")[0][0]
        return newest.replace(tzinfo=None) + pad if newest is not None else None

    def recent_posts(self, limit: int, f: Filters = NO_FILTERS) -> list[dict]:
        """Newest posts with a username, newest first (created_at, then id); bounded scan."""
        f = planner.norm(f)
        top = f.until or self._newest(timedelta(microseconds=1))
        rows: list[tuple[Any, ...]] = []
        for window in RECENT_WINDOWS:
            b = chp.Binds()
            where = chp.base_where(f, b)
            lo = top - window if (top is not None and window is not None) else None
            final = lo is None or (f.since is not None and lo <= f.since)
            bound = "" if final else f" AND created_at >= {b(lo, chp.TS)}"
            rows = self._query(
                f"SELECT {_RECENT_COLS} FROM posts WHERE {where}{bound} "
                "AND username IS NOT NULL AND username <> '' "
                f"ORDER BY created_at DESC, id DESC LIMIT {b(limit, 'UInt64')}",
                b.params,
            )
            if final or len(rows) >= limit:
                break
        return [recent_row(r) for r in rows]

    def _per_day(self, f: Filters, order: str) -> list[tuple[Any, ...]]:
        b = chp.Binds()
        src = chp.counts_source(planner.norm(f), b, "day", self.use_rollups)
        return self._query(
            f"SELECT day, sum(posts) AS n FROM ({src}) GROUP BY day HAVING n > 0 ORDER BY {order}",
            b.params,
        )

    def counts_per_day(self, f: Filters = NO_FILTERS) -> list[dict]:
        return [{"day": d.isoformat(), "posts": int(n)} for d, n in self._per_day(f, "day")]

    def busiest_day(self, f: Filters = NO_FILTERS) -> dict | None:
        rows = self._per_day(f, "n DESC, day LIMIT 1")
        return {"day": rows[0][0].isoformat(), "posts": int(rows[0][1])} if rows else None

    def _per_country(self, f: Filters, measures: str, limit: int) -> list[tuple[Any, ...]]:
        b = chp.Binds()
        src = chp.counts_source(planner.norm(f), b, None, self.use_rollups)
        return self._query(
            f"SELECT c.country_code, cn.country_name, c.* EXCEPT (country_code) FROM ("
            f"SELECT country_code, {measures} FROM ({src}) WHERE country_code <> '' "
            "GROUP BY country_code HAVING n > 0) AS c "
            f"LEFT JOIN {NAMES} AS cn ON c.country_code = cn.country_code "
            f"ORDER BY c.n DESC, c.country_code LIMIT {b(limit, 'UInt64')} "
            "SETTINGS join_use_nulls = 1",
            b.params,
        )

    def counts_per_country(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        rows = self._per_country(f, "sum(posts) AS n", limit)
        return [{"country_code": c, "country_name": n, "posts": int(p)} for c, n, p in rows]

    def sentiment_by_country(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        rows = self._per_country(f, _SENTIMENT, limit)
        keys = ("country_code", "country_name", *_SENTIMENT_KEYS)
        return [_sentiment_row(keys, r) for r in rows]

    def sentiment_by_team(self, f: Filters = NO_FILTERS) -> list[dict]:
        b = chp.Binds()
        src = chp.teams_source(planner.norm(f), b, self.use_rollups)
        rows = self._query(
            f"SELECT team, {_SENTIMENT} FROM ({src}) GROUP BY team HAVING n > 0 "
            "ORDER BY n DESC, team",
            b.params,
        )
        return [_sentiment_row(("team", *_SENTIMENT_KEYS), r) for r in rows]

    def timeline(self, bucket: Bucket, f: Filters = NO_FILTERS) -> list[dict]:
        """Posts per minute, hour or day. The minute timeline covers ``MINUTE_WINDOW`` at most."""
        f = planner.norm(f)
        if bucket == "minute":
            return self._minute_timeline(f)
        b = chp.Binds()
        src = chp.counts_source(f, b, bucket, self.use_rollups)
        ts = "hour" if bucket == "hour" else "toDateTime64(day, 0, 'UTC')"
        rows = self._query(
            f"SELECT {ts} AS ts, sum(posts) AS n FROM ({src}) GROUP BY ts HAVING n > 0 ORDER BY ts",
            b.params,
        )
        return [{"ts": iso(t), "posts": int(n)} for t, n in rows]

    def _minute_timeline(self, f: Filters) -> list[dict]:
        top = f.until or self._newest(timedelta(minutes=1))
        if top is not None and (f.since is None or top - f.since > MINUTE_WINDOW):
            f = Filters(top - MINUTE_WINDOW, f.until, f.country, f.team, f.keyword, f.lang)
        b = chp.Binds()
        where = chp.base_where(f, b)
        rows = self._query(
            "SELECT toDateTime64(toStartOfMinute(created_at), 0, 'UTC') AS ts, count() "
            f"FROM posts WHERE {where} GROUP BY ts ORDER BY ts",
            b.params,
        )
        return [{"ts": iso(t), "posts": int(n)} for t, n in rows]

    def top_hashtags(self, limit: int, f: Filters = NO_FILTERS) -> list[dict]:
        """Most used hashtags (lower-case, without '#'), each post counted once per hashtag."""
        b = chp.Binds()
        src = chp.hashtags_source(planner.norm(f), b, self.use_rollups)
        rows = self._query(
            f"SELECT hashtag, sum(posts) AS n FROM ({src}) GROUP BY hashtag HAVING n > 0 "
            f"ORDER BY n DESC, hashtag LIMIT {b(limit, 'UInt64')}",
            b.params,
        )
        return [{"hashtag": h, "posts": int(n)} for h, n in rows]

    def stats(self) -> dict:
        """Totals; ``posts_unknown_country`` counts the posts per-country answers leave out."""
        return stats_row(self._query(_STATS_SQL)[0])

    def dead_letter_counts(self) -> list[dict]:
        rows = self._query(
            "SELECT stage, reason, count() AS n, max(`at`) FROM dead_letters "
            "GROUP BY stage, reason ORDER BY n DESC, stage, reason"
        )
        return [
            {"stage": s, "reason": r, "count": int(n), "last_at": iso(at)} for s, r, n, at in rows
        ]

    # --- dashboard extras ---
    def overview(self, f: Filters = NO_FILTERS) -> dict:
        """Headline numbers under ``f`` (one pass over the counts source)."""
        b = chp.Binds()
        src = chp.counts_source(planner.norm(f), b, None, self.use_rollups)
        row = self._query(
            "SELECT sum(p), sumIf(p, country_code = ''), countIf(country_code <> '' AND p > 0), "
            "sum(pos), sum(neu), sum(neg), sum(s) FROM ("
            "SELECT country_code, sum(posts) AS p, sum(positive) AS pos, sum(neutral) AS neu, "
            f"sum(negative) AS neg, sum(sentiment_e8) AS s FROM ({src}) GROUP BY country_code)",
            b.params,
        )[0]
        posts = int(row[0])
        return {
            "posts": posts,
            "posts_unknown_country": int(row[1]),
            "countries": int(row[2]),
            "positive": int(row[3]),
            "neutral": int(row[4]),
            "negative": int(row[5]),
            "avg_compound": mean_compound(row[6], posts) if posts else 0.0,
        }

    def top_posters(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        """The most frequent poster of each nation, from ``posts``; ties go to the author who
        posted first. ``share`` is the poster's part of the nation's posts."""
        b = chp.Binds()
        where = chp.base_where(planner.norm(f), b)
        rows = self._query(
            "SELECT t.country_code, cn.country_name, t.author_id, t.u, t.nm, t.img, t.loc, "
            "t.n, t.total FROM ("
            "SELECT *, sum(n) OVER (PARTITION BY country_code) AS total, row_number() OVER "
            "(PARTITION BY country_code ORDER BY n DESC, first, author_id) AS rank FROM ("
            "SELECT country_code, author_id, count() AS n, min(created_at) AS first, "
            "argMax(username, created_at) AS u, argMax(name, created_at) AS nm, "
            "argMax(profile_image_url, created_at) AS img, "
            "argMax(location, created_at) AS loc "
            f"FROM posts WHERE {where} AND country_code IS NOT NULL AND country_code <> '' "
            "GROUP BY country_code, author_id)) AS t "
            f"LEFT JOIN {NAMES} AS cn ON t.country_code = cn.country_code WHERE t.rank = 1 "
            f"ORDER BY t.total DESC, t.country_code LIMIT {b(limit, 'UInt64')} "
            "SETTINGS join_use_nulls = 1",
            b.params,
        )
        return [
            {
                "country_code": r[0],
                "country_name": r[1],
                "author_id": r[2],
                "username": r[3],
                "name": r[4],
                "profile_image_url": r[5],
                "location": r[6],
                "posts": int(r[7]),
                "country_posts": int(r[8]),
                "share": round(int(r[7]) / int(r[8]), 4),
            }
            for r in rows
        ]

    def facets(self) -> dict:
        """Filter choices, from the rollups (cheap): nations, teams and languages by volume."""
        countries = self._query(
            "SELECT r.country_code, cn.country_name, sum(r.posts) AS p FROM rollup_hour AS r "
            f"LEFT JOIN {NAMES} AS cn ON r.country_code = cn.country_code "
            "WHERE r.country_code <> '' GROUP BY r.country_code, cn.country_name HAVING p > 0 "
            "ORDER BY cn.country_name, r.country_code SETTINGS join_use_nulls = 1"
        )
        teams = self._query(
            "SELECT team FROM rollup_team_day GROUP BY team HAVING sum(posts) > 0 ORDER BY team"
        )
        langs = self._query(
            "SELECT lang, sum(posts) AS p FROM rollup_hour WHERE lang <> '' "
            "GROUP BY lang HAVING p > 0 ORDER BY p DESC, lang"
        )
        return {
            "countries": [
                {"country_code": c, "country_name": n, "posts": int(p)} for c, n, p in countries
            ],
            "teams": [t for (t,) in teams],
            "langs": [lang for lang, _ in langs],
        }


def _sentiment_row(keys: tuple[str, ...], row: tuple[Any, ...]) -> dict:
    out = dict(zip(keys, row, strict=True))
    for k in ("posts", "positive", "neutral", "negative"):
        out[k] = int(out[k])
    out["avg_compound"] = mean_compound(out["avg_compound"], out["posts"])
    return out
