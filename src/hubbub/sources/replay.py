"""Replay posts from files: X API v2 JSON Lines, hubbub Post JSON Lines, or CSV (.gz too).

Files are read streaming, in batches; a line that cannot become a valid Post turns into a
``DeadLetter(stage="source")`` carrying the line number, and the replay goes on. Posts come out
in file order.
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal

import orjson
from pydantic import ValidationError

from hubbub.models import DeadLetter, Post
from hubbub.sources.base import Source, SourceBatch

Format = Literal["auto", "x", "post", "csv"]
FORMATS: tuple[Format, ...] = ("auto", "x", "post", "csv")
# Post field -> CSV columns tried in order when no mapping names one: the original's tweet
# schema (its own names) first, then the usual names of scraped-tweet CSV exports.
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "tweet_id", "status_id"),
    "created_at": ("created_at", "date", "tweet_created_at", "timestamp", "Date Created"),
    "text": ("text", "tweet_text", "full_text", "content", "tweet", "Tweet"),
    "author_id": ("author_id", "user_id"),
    "username": ("username", "screen_name", "user_screen_name"),
    "name": ("name", "user_name"),
    "location": ("location", "user_location"),
    "verified": ("verified", "user_verified"),
    "profile_image_url": ("profile_image_url", "user_profile_image_url"),
    "lang": ("lang", "language"),
    "hashtags": ("hashtags",),
    "mentions": ("mentions",),
    "urls": ("urls",),
    "edit_history_tweet_ids": ("edit_history_tweet_ids",),
    "conversation_id": ("conversation_id",),
    "in_reply_to_id": ("in_reply_to_id", "in_reply_to_status_id"),
    "retweet_of_id": ("retweet_of_id",),
    "like_count": ("like_count", "likes", "favorite_count", "Number of Likes"),
    "retweet_count": ("retweet_count", "retweets"),
    "reply_count": ("reply_count", "replies"),
    "quote_count": ("quote_count", "quotes"),
}
_LISTS = {"hashtags", "mentions", "urls", "edit_history_tweet_ids"}
_METRICS = {"like_count", "retweet_count", "reply_count", "quote_count"}


class ReplayError(ValueError):
    """A line that cannot become a Post (its message says why)."""


def parse_mapping(spec: str | None) -> dict[str, str]:
    """``"text=tweet_text,created_at=date"`` → ``{"text": "tweet_text", …}``."""
    out: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in (spec or "").split(","))):
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"bad column mapping {item!r}: expected field=column")
        if field.strip() not in CSV_ALIASES:
            raise ValueError(f"unknown field {field.strip()!r} in column mapping")
        out[field.strip()] = column.strip()
    return out


def open_text(path: Path) -> IO[str]:
    """Open ``path`` for reading text, gunzipping when it is gzip (by magic bytes)."""
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gz else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")  # type: ignore[arg-type]


def detect_format(path: Path, first_line: str) -> Format:
    """From the extension (``.csv``/``.tsv``) or else the first line's shape."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in (".csv", ".tsv"):
        return "csv"
    try:
        obj = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return "post" if suffixes and suffixes[-1] in (".jsonl", ".ndjson", ".json") else "csv"
    return "x" if isinstance(obj, dict) and isinstance(obj.get("data"), dict) else "post"


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'post'}: {e['msg']}" for e in exc.errors()
    )


def x_post(obj: Any, source: str = "file") -> Post:
    """An X API v2 stream message (``{"data": tweet, "includes": {"users": [...]}}``) → Post,
    with the author from ``includes.users`` joined on."""
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), dict):
        raise ReplayError("missing 'data' object (not an X API v2 message)")
    data: dict[str, Any] = obj["data"]
    includes = obj.get("includes") or {}
    users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
    user = users.get(data.get("author_id"), {})
    entities = data.get("entities") or {}
    refs = {r.get("type"): r.get("id") for r in data.get("referenced_tweets") or []}
    fields: dict[str, Any] = {
        "id": data.get("id"),
        "source": source,
        "created_at": data.get("created_at"),
        "text": data.get("text"),
        "lang": data.get("lang"),
        "author_id": data.get("author_id"),
        "username": user.get("username"),
        "name": user.get("name"),
        "location": user.get("location"),
        "verified": user.get("verified"),
        "profile_image_url": user.get("profile_image_url"),
        "edit_history_tweet_ids": data.get("edit_history_tweet_ids") or [data.get("id")],
        "hashtags": [h.get("tag") for h in entities.get("hashtags") or []],
        "mentions": [m.get("username") for m in entities.get("mentions") or []],
        "urls": [u.get("expanded_url") or u.get("url") for u in entities.get("urls") or []],
        "metrics": data.get("public_metrics") or {},
        "conversation_id": data.get("conversation_id"),
        "in_reply_to_id": refs.get("replied_to"),
        "retweet_of_id": refs.get("retweeted"),
    }
    for key in ("id", "created_at", "text", "author_id"):
        if fields[key] is None:
            raise ReplayError(f"missing field data.{key}")
    return Post.model_validate(fields)


def _cell_list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = ast.literal_eval(value) if "'" in value else orjson.loads(value)
        except (ValueError, SyntaxError, orjson.JSONDecodeError) as exc:
            raise ReplayError(f"cannot read list {value[:40]!r}") from exc
        return [str(v) for v in parsed]
    parts = value.replace(",", " ").split()
    return [p.lstrip("#@") for p in parts if p.lstrip("#@")]


def csv_post(row: Mapping[str, str | None], columns: Mapping[str, str], ident: str) -> Post:
    """A CSV row → Post; ``columns`` maps Post fields to the header's columns."""
    fields: dict[str, Any] = {"source": "file"}
    metrics: dict[str, str] = {}
    for field, column in columns.items():
        value = row.get(column)
        if value is None or value == "":
            continue
        if field in _LISTS:
            fields[field] = _cell_list(value)
        elif field in _METRICS:
            metrics[field] = value
        elif field == "verified":
            fields[field] = value.strip().lower() in ("true", "1", "yes", "t")
        else:
            fields[field] = value
    for key in ("created_at", "text"):
        if key not in fields:
            raise ReplayError(f"missing field {key} (column {columns.get(key, '<unmapped>')})")
    fields.setdefault("id", ident)
    fields.setdefault("author_id", fields.get("username") or "unknown")
    fields.setdefault("edit_history_tweet_ids", [fields["id"]])
    fields["metrics"] = metrics
    return Post.model_validate(fields)


class FileReplay(Source):
    """Posts from one file. ``format``: auto (by extension / first line), x (X API v2
    stream messages), post (hubbub Post JSON) or csv; ``mapping`` names CSV columns
    (``{"text": "tweet_text"}``), the rest falling back to :data:`CSV_ALIASES`."""

    name = "file"

    def __init__(
        self, path: str | Path, format: Format = "auto", mapping: Mapping[str, str] | None = None
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; expected one of {FORMATS}")
        self.path = Path(path)
        self.format = format
        self.mapping = dict(mapping or {})
        self._fh: IO[str] | None = None

    def batches(self, size: int) -> Iterator[SourceBatch]:
        if size < 1:
            raise ValueError("batch size must be >= 1")
        self.close()
        self._fh = fh = open_text(self.path)
        fmt = self.format
        if fmt == "auto":
            first = fh.readline()
            fmt = detect_format(self.path, first)
            fh.seek(0)
        rows = self._csv(fh) if fmt == "csv" else self._json(fh, fmt)
        posts: list[Post] = []
        dead: list[DeadLetter] = []
        for lineno, raw, item in rows:
            if isinstance(item, Post):
                posts.append(item)
            else:
                dead.append(DeadLetter(stage="source", reason=f"line {lineno}: {item}", raw=raw,
                                       source=str(self.path), offset=lineno))
            if len(posts) + len(dead) >= size:
                yield SourceBatch(posts, dead)
                posts, dead = [], []
        if posts or dead:
            yield SourceBatch(posts, dead)
        self.close()

    def _json(self, fh: IO[str], fmt: Format) -> Iterator[tuple[int, str, Post | str]]:
        for lineno, line in enumerate(fh, 1):
            raw = line.rstrip("\r\n")
            if not raw.strip():
                continue
            try:
                if fmt == "post":
                    yield lineno, raw, Post.model_validate_json(raw)
                else:
                    yield lineno, raw, x_post(orjson.loads(raw))
            except orjson.JSONDecodeError as exc:
                yield lineno, raw, f"invalid JSON: {exc}"
            except ValidationError as exc:
                if any(e["type"] == "json_invalid" for e in exc.errors()):
                    yield lineno, raw, f"invalid JSON: {exc.errors()[0]['msg']}"
                else:
                    yield lineno, raw, f"invalid post: {_errors(exc)}"
            except (ReplayError, AttributeError, TypeError) as exc:
                yield lineno, raw, f"invalid message: {exc}"

    def _csv(self, fh: IO[str]) -> Iterator[tuple[int, str, Post | str]]:
        pending: list[str] = []

        def lines() -> Iterator[str]:
            for line in fh:
                pending.append(line)
                yield line

        dialect = "excel-tab" if self.path.name.lower().removesuffix(".gz").endswith(".tsv") \
            else "excel"
        reader = csv.reader(lines(), dialect=dialect)
        header = next(reader, None)
        if header is None:
            return
        pending.clear()
        columns = {f: c for f, c in self.mapping.items() if c in header}
        for field, names in CSV_ALIASES.items():
            if field not in self.mapping:
                found = next((n for n in names if n in header), None)
                if found:
                    columns[field] = found
        missing = {f: c for f, c in self.mapping.items() if c not in header}
        stem = hashlib.sha1(self.path.name.encode(), usedforsecurity=False).hexdigest()[:10]
        start = 2
        for values in reader:
            raw = "".join(pending).rstrip("\r\n")
            pending.clear()
            lineno, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if missing:
                yield lineno, raw, f"mapped columns not in the header: {missing}"
                continue
            if len(values) != len(header):
                yield lineno, raw, f"expected {len(header)} columns, got {len(values)}"
                continue
            try:
                yield lineno, raw, csv_post(dict(zip(header, values, strict=True)), columns,
                                            f"csv-{stem}-{lineno}")
            except ValidationError as exc:
                yield lineno, raw, f"invalid post: {_errors(exc)}"
            except ReplayError as exc:
                yield lineno, raw, str(exc)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def open_replay(
    path: str | Path, format: Format = "auto", mapping: str | Mapping[str, str] | None = None
) -> FileReplay:
    """A :class:`FileReplay` of ``path``; ``mapping`` may be a ``--map`` string
    (``"text=tweet_text,created_at=date"``)."""
    if isinstance(mapping, str):
        mapping = parse_mapping(mapping)
    return FileReplay(path, format=format, mapping=mapping)
