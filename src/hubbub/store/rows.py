"""Posts ⇄ Arrow tables, column-wise, for the DuckDB store (no row loops in SQL, no pandas).

Timestamps travel as naive ``timestamp[us]`` holding UTC, matching the store's TIMESTAMP
columns; nothing depends on a session time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hubbub.models import DeadLetter, EnrichedPost

TS = pa.timestamp("us")
_TS_UTC = pa.timestamp("us", tz="UTC")
_STR_LIST = pa.list_(pa.string())

POSTS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("created_at", TS),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("author_id", pa.string()),
        ("username", pa.string()),
        ("name", pa.string()),
        ("location", pa.string()),
        ("verified", pa.bool_()),
        ("profile_image_url", pa.string()),
        ("edit_history_tweet_ids", _STR_LIST),
        ("hashtags", _STR_LIST),
        ("mentions", _STR_LIST),
        ("urls", _STR_LIST),
        ("like_count", pa.int64()),
        ("retweet_count", pa.int64()),
        ("reply_count", pa.int64()),
        ("quote_count", pa.int64()),
        ("conversation_id", pa.string()),
        ("in_reply_to_id", pa.string()),
        ("retweet_of_id", pa.string()),
        ("country_code", pa.string()),
        ("country_name", pa.string()),
        ("location_confidence", pa.float64()),
        ("sentiment_compound", pa.float64()),
        ("sentiment_label", pa.string()),
        ("keywords", _STR_LIST),
        ("teams", _STR_LIST),
        ("enrichment_status", pa.string()),
        ("enriched_at", TS),
        ("ingested_at", TS),
    ]
)
POST_COLUMNS: tuple[str, ...] = tuple(POSTS_SCHEMA.names)
# what re-enrichment may change; everything else of a stored post stays as first written
ENRICHMENT_COLUMNS = (
    "username",
    "name",
    "location",
    "verified",
    "profile_image_url",
    "country_code",
    "country_name",
    "location_confidence",
    "sentiment_compound",
    "sentiment_label",
    "enrichment_status",
    "enriched_at",
)
_METRICS = ("like_count", "retweet_count", "reply_count", "quote_count")
_TIMES = ("created_at", "enriched_at", "ingested_at")


def to_naive_utc(value: datetime) -> datetime:
    """A timezone-aware datetime as the naive UTC value the store keeps (naive = already UTC)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def dedupe(posts: Sequence[EnrichedPost], keep: str = "first") -> list[EnrichedPost]:
    """One post per id; ``keep`` says which delivery wins ("first", like the store, or "last")."""
    by_id: dict[str, EnrichedPost] = {}
    for p in posts:
        if keep == "last" or p.id not in by_id:
            by_id[p.id] = p
    return list(by_id.values()) if len(by_id) != len(posts) else list(posts)


def posts_to_table(posts: Sequence[EnrichedPost], now: datetime) -> pa.Table:
    """Build the Arrow table of ``posts`` column by column; a missing ingested_at becomes now."""
    # one C-level pass per column: no per-row tuples, so no garbage-collector pauses
    cols: dict[str, pa.Array] = {}
    metrics = list(map(attrgetter("metrics"), posts))
    for name in POST_COLUMNS:
        values = list(map(attrgetter(name), metrics if name in _METRICS else posts))
        if name in _TIMES:
            cols[name] = pa.array(values, type=_TS_UTC).cast(TS)
        else:
            cols[name] = pa.array(values, type=POSTS_SCHEMA.field(name).type)
    table = pa.Table.from_pydict(cols).select(list(POST_COLUMNS))
    ingested = table["ingested_at"]
    if ingested.null_count:
        filled = pc.fill_null(ingested, pa.scalar(to_naive_utc(now), type=TS))
        table = table.set_column(POST_COLUMNS.index("ingested_at"), "ingested_at", filled)
    return table


def normalize_table(table: pa.Table, now: datetime) -> pa.Table:
    """Conform an incoming Arrow table to the store's schema (upper-case countries, ingested_at)."""
    table = table.select(list(POST_COLUMNS)).cast(POSTS_SCHEMA)
    codes = pc.utf8_upper(table["country_code"])
    table = table.set_column(POST_COLUMNS.index("country_code"), "country_code", codes)
    ingested = table["ingested_at"]
    if ingested.null_count:
        filled = pc.fill_null(ingested, pa.scalar(to_naive_utc(now), type=TS))
        table = table.set_column(POST_COLUMNS.index("ingested_at"), "ingested_at", filled)
    return table


def first_per_id(table: pa.Table) -> pa.Table:
    """Keep the first row of each id (Arrow only: number the rows, keep each id's minimum)."""
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by("id", use_threads=False).aggregate([("_row", "min")])
    keep = pc.is_in(numbered["_row"], value_set=firsts["_row_min"])
    return table.filter(keep)


def dead_letters_to_table(letters: Sequence[DeadLetter]) -> pa.Table:
    return pa.table(
        {
            "stage": pa.array([d.stage for d in letters], pa.string()),
            "reason": pa.array([d.reason for d in letters], pa.string()),
            "raw": pa.array([d.raw for d in letters], pa.string()),
            "source": pa.array([d.source for d in letters], pa.string()),
            "offset": pa.array([d.offset for d in letters], pa.int64()),
            "at": pa.array([d.at for d in letters], type=_TS_UTC).cast(TS),
        }
    )


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) timestamp as RFC 3339 text with a ``Z``."""
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat() + "Z"


def row_to_post(row: dict[str, Any]) -> EnrichedPost:
    """A stored row (column name → value) back into an ``EnrichedPost``."""
    data = {k: v for k, v in row.items() if k not in _METRICS}
    data["metrics"] = {k: row[k] or 0 for k in _METRICS}
    for name in _TIMES:
        if data.get(name) is not None:
            data[name] = data[name].replace(tzinfo=UTC)
    for name in ("edit_history_tweet_ids", "hashtags", "mentions", "urls", "keywords", "teams"):
        data[name] = data.get(name) or []
    return EnrichedPost.model_validate(data)


def recent_row(r: tuple[Any, ...]) -> dict:
    """A row of the recent-posts query (same column order in every store) as the API's card."""
    return {
        "id": r[0],
        "created_at": iso(r[1]),
        "text": r[2],
        "username": r[3],
        "name": r[4],
        "profile_image_url": r[5],
        "location": r[6],
        "country_code": r[7],
        "country_name": r[8],
        "sentiment_compound": r[9],
        "sentiment_label": r[10],
        "hashtags": r[11] or [],
        "lang": r[12],
        "verified": bool(r[13]),
        "source": r[14],
        "teams": r[15] or [],
        "metrics": {
            "like_count": r[16],
            "retweet_count": r[17],
            "reply_count": r[18],
            "quote_count": r[19],
        },
    }


def stats_row(row: tuple[Any, ...]) -> dict:
    """The stats query's row (same column order in every store) as a dict."""
    return {
        "posts": int(row[0]),
        "posts_unknown_country": int(row[1]),
        "countries": int(row[2]),
        "first_created_at": iso(row[3]),
        "last_created_at": iso(row[4]),
        "last_ingested_at": iso(row[5]),
        "user_lookup_failed": int(row[6]),
        "dead_letters": int(row[7]),
    }
