"""The dashboard queries of the DuckDB store, written once over the sources of ``planner``.

Conventions: times are UTC, returned as RFC 3339 strings with ``Z``; ``since`` is inclusive,
``until`` exclusive; posts without a country are left out of per-country answers and
reported as ``posts_unknown_country`` in ``stats()``; empty groups are never returned.
Timelines are sparse (buckets without posts are absent).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from hubbub.store import planner
from hubbub.store.base import NO_FILTERS, Bucket, Filters, Store
from hubbub.store.rows import iso, recent_row, stats_row

# the minute timeline is read from the posts table; it covers at most this much time,
# ending at ``until`` (or the newest post)
MINUTE_WINDOW = timedelta(hours=48)
# recent_posts first looks this far back from the newest post, widening if too few match
RECENT_WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), None)
_SENTIMENT = (
    "sum(posts) AS posts, round(sum(sentiment_sum) / sum(posts), 4) AS avg_compound, "
    "sum(positive) AS positive, sum(neutral) AS neutral, sum(negative) AS negative"
)
_RECENT_COLS = (
    "id, created_at, text, username, name, profile_image_url, location, country_code, "
    "country_name, sentiment_compound, sentiment_label, hashtags, lang, verified, source, "
    "teams, like_count, retweet_count, reply_count, quote_count"
)
_STATS_SQL = """
SELECT coalesce(sum(posts), 0),
       coalesce(sum(posts) FILTER (WHERE country_code = ''), 0),
       (SELECT count(*) FROM (SELECT country_code FROM rollup_hour WHERE country_code <> ''
                              GROUP BY country_code HAVING sum(posts) > 0)),
       min(min_created_at), max(max_created_at), max(max_ingested_at),
       coalesce(sum(lookup_failed), 0),
       (SELECT count(*) FROM dead_letters)
FROM rollup_hour
"""


class DuckDBQueries(Store):
    """Query half of ``DuckDBStore``; needs ``_query``, ``use_rollups`` and ``_max_created``."""

    use_rollups: bool

    def __init__(self) -> None:
        self._max_created: datetime | None = None  # newest created_at stored (naive UTC)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _newest(self, pad: timedelta) -> datetime | None:
        """Just after the newest stored created_at (an exclusive upper bound), or None."""
        newest = self._max_created
        return newest + pad if newest is not None else None

    def recent_posts(self, limit: int, f: Filters = NO_FILTERS) -> list[dict]:
        """Newest posts with a username, newest first (created_at, then id).

        Bounded scan: look back from the newest post (or ``until``) over a growing window
        until ``limit`` posts are found; the first window usually suffices.
        """
        f = planner.norm(f)
        where, params = planner.base_where(f)
        top = f.until or self._newest(timedelta(microseconds=1))
        rows: list[tuple[Any, ...]] = []
        for window in RECENT_WINDOWS:
            lo = top - window if (top is not None and window is not None) else None
            final = lo is None or (f.since is not None and lo <= f.since)
            bound, extra = ("", []) if final else (" AND created_at >= ?", [lo])
            rows = self._query(
                f"SELECT {_RECENT_COLS} FROM posts WHERE {where}{bound} "
                "AND username IS NOT NULL AND username <> '' "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                [*params, *extra, limit],
            )
            if final or len(rows) >= limit:
                break
        return [recent_row(r) for r in rows]

    def counts_per_day(self, f: Filters = NO_FILTERS) -> list[dict]:
        src, params = planner.counts_source(planner.norm(f), "day", self.use_rollups)
        rows = self._query(
            f"SELECT day, sum(posts) AS n FROM ({src}) GROUP BY day HAVING n > 0 ORDER BY day",
            params,
        )
        return [{"day": d.isoformat(), "posts": int(n)} for d, n in rows]

    def busiest_day(self, f: Filters = NO_FILTERS) -> dict | None:
        src, params = planner.counts_source(planner.norm(f), "day", self.use_rollups)
        rows = self._query(
            f"SELECT day, sum(posts) AS n FROM ({src}) GROUP BY day HAVING n > 0 "
            "ORDER BY n DESC, day LIMIT 1",
            params,
        )
        return {"day": rows[0][0].isoformat(), "posts": int(rows[0][1])} if rows else None

    def counts_per_country(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        src, params = planner.counts_source(planner.norm(f), None, self.use_rollups)
        rows = self._query(
            f"SELECT c.country_code, n.country_name, c.posts FROM ("
            f"SELECT country_code, sum(posts) AS posts FROM ({src}) WHERE country_code <> '' "
            "GROUP BY country_code HAVING sum(posts) > 0) c "
            "LEFT JOIN country_names n USING (country_code) "
            "ORDER BY c.posts DESC, c.country_code LIMIT ?",
            [*params, limit],
        )
        return [{"country_code": c, "country_name": n, "posts": int(p)} for c, n, p in rows]

    def sentiment_by_country(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        src, params = planner.counts_source(planner.norm(f), None, self.use_rollups)
        rows = self._query(
            "SELECT c.country_code, n.country_name, c.* EXCLUDE (country_code) FROM ("
            f"SELECT country_code, {_SENTIMENT} FROM ({src}) WHERE country_code <> '' "
            "GROUP BY country_code HAVING sum(posts) > 0) c "
            "LEFT JOIN country_names n USING (country_code) "
            "ORDER BY c.posts DESC, c.country_code LIMIT ?",
            [*params, limit],
        )
        keys = ("country_code", "country_name", *_SENTIMENT_KEYS)
        return [_sentiment_row(keys, r) for r in rows]

    def sentiment_by_team(self, f: Filters = NO_FILTERS) -> list[dict]:
        src, params = planner.teams_source(planner.norm(f), self.use_rollups)
        rows = self._query(
            f"SELECT team, {_SENTIMENT} FROM ({src}) GROUP BY team HAVING sum(posts) > 0 "
            "ORDER BY posts DESC, team",
            params,
        )
        return [_sentiment_row(("team", *_SENTIMENT_KEYS), r) for r in rows]

    def timeline(self, bucket: Bucket, f: Filters = NO_FILTERS) -> list[dict]:
        """Posts per minute, hour or day. The minute timeline covers ``MINUTE_WINDOW`` at most."""
        f = planner.norm(f)
        if bucket == "minute":
            return self._minute_timeline(f)
        src, params = planner.counts_source(f, bucket, self.use_rollups)
        ts = "hour" if bucket == "hour" else "CAST(day AS TIMESTAMP)"
        rows = self._query(
            f"SELECT {ts} AS ts, sum(posts) AS n FROM ({src}) GROUP BY ts HAVING n > 0 ORDER BY ts",
            params,
        )
        return [{"ts": iso(t), "posts": int(n)} for t, n in rows]

    def _minute_timeline(self, f: Filters) -> list[dict]:
        top = f.until or self._newest(timedelta(minutes=1))
        if top is not None and (f.since is None or top - f.since > MINUTE_WINDOW):
            lo = top - MINUTE_WINDOW
            f = Filters(lo, f.until, f.country, f.team, f.keyword, f.lang)
        where, params = planner.base_where(f)
        rows = self._query(
            "SELECT date_trunc('minute', created_at) AS ts, count(*) FROM posts "
            f"WHERE {where} GROUP BY ts ORDER BY ts",
            params,
        )
        return [{"ts": iso(t), "posts": int(n)} for t, n in rows]

    def top_hashtags(self, limit: int, f: Filters = NO_FILTERS) -> list[dict]:
        """Most used hashtags (lower-case, without '#'), each post counted once per hashtag."""
        src, params = planner.hashtags_source(planner.norm(f), self.use_rollups)
        rows = self._query(
            f"SELECT hashtag, sum(posts) AS n FROM ({src}) GROUP BY hashtag HAVING n > 0 "
            "ORDER BY n DESC, hashtag LIMIT ?",
            [*params, limit],
        )
        return [{"hashtag": h, "posts": int(n)} for h, n in rows]

    def stats(self) -> dict:
        """Totals; ``posts_unknown_country`` counts the posts per-country answers leave out."""
        return stats_row(self._query(_STATS_SQL)[0])

    def dead_letter_counts(self) -> list[dict]:
        rows = self._query(
            "SELECT stage, reason, count(*) AS n, max(\"at\") FROM dead_letters "
            "GROUP BY stage, reason ORDER BY n DESC, stage, reason"
        )
        return [
            {"stage": s, "reason": r, "count": int(n), "last_at": iso(at)} for s, r, n, at in rows
        ]

    # --- dashboard extras ---
    def overview(self, f: Filters = NO_FILTERS) -> dict:
        """Headline numbers under ``f`` (one pass over the counts source)."""
        src, params = planner.counts_source(planner.norm(f), None, self.use_rollups)
        row = self._query(
            "SELECT coalesce(sum(posts), 0), "
            "coalesce(sum(posts) FILTER (WHERE country_code = ''), 0), "
            "count(DISTINCT country_code) FILTER (WHERE country_code <> '' AND posts > 0), "
            "coalesce(sum(positive), 0), coalesce(sum(neutral), 0), coalesce(sum(negative), 0), "
            f"coalesce(sum(sentiment_sum), 0) FROM ({src})",
            params,
        )[0]
        posts = int(row[0])
        return {
            "posts": posts,
            "posts_unknown_country": int(row[1]),
            "countries": int(row[2]),
            "positive": int(row[3]),
            "neutral": int(row[4]),
            "negative": int(row[5]),
            "avg_compound": round(float(row[6]) / posts, 4) if posts else 0.0,
        }

    def top_posters(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        """The most frequent poster of each nation: the original's dbt table, from ``posts``.

        Ties go to the author who posted first. ``share`` is the poster's part of the
        nation's posts.
        """
        where, params = planner.base_where(planner.norm(f))
        rows = self._query(
            "WITH a AS (SELECT country_code, author_id, count(*) AS n, min(created_at) AS first, "
            "arg_max(username, created_at) AS username, arg_max(name, created_at) AS name, "
            "arg_max(profile_image_url, created_at) AS img, "
            "arg_max(location, created_at) AS location "
            f"FROM posts WHERE {where} AND country_code IS NOT NULL AND country_code <> '' "
            "GROUP BY ALL), "
            "t AS (SELECT *, sum(n) OVER (PARTITION BY country_code) AS total FROM a "
            "QUALIFY row_number() OVER (PARTITION BY country_code "
            "ORDER BY n DESC, first, author_id) = 1) "
            "SELECT t.country_code, c.country_name, t.author_id, t.username, t.name, t.img, "
            "t.location, t.n, t.total FROM t LEFT JOIN country_names c USING (country_code) "
            "ORDER BY t.total DESC, t.country_code LIMIT ?",
            [*params, limit],
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
            "SELECT r.country_code, n.country_name, sum(r.posts) AS p FROM rollup_hour r "
            "LEFT JOIN country_names n USING (country_code) WHERE r.country_code <> '' "
            "GROUP BY ALL HAVING p > 0 ORDER BY n.country_name, r.country_code"
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


_SENTIMENT_KEYS = ("posts", "avg_compound", "positive", "neutral", "negative")


def _sentiment_row(keys: tuple[str, ...], row: tuple[Any, ...]) -> dict:
    out = dict(zip(keys, row, strict=True))
    for k in ("posts", "positive", "neutral", "negative"):
        out[k] = int(out[k])
    out["avg_compound"] = float(out["avg_compound"])
    return out
