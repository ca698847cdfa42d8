"""Bluesky through Jetstream: post creations from the public firehose, filtered by keywords,
hashtags and languages, with their authors from the public profile API. No login is needed.

    {jetstream_url}?wantedCollections=app.bsky.feed.post&cursor=<time_us>
    → {"did", "time_us", "kind": "commit", "commit": {"operation": "create", "collection",
       "rkey", "cid", "record": {"text", "langs", "createdAt", "facets", "reply"}}}

Only ``create`` commits of ``app.bsky.feed.post`` that match the filters become posts; deletes,
updates, other collections and ``identity``/``account`` events are skipped (they still move the
cursor). A message that is not JSON or not a readable post becomes a ``DeadLetter``.

Resume: the source remembers the ``time_us`` of the last event; after a disconnect it reconnects
with ``cursor = last - overlap_s`` (Jetstream replays from there) and drops the posts it already
handed out in that overlap, so nothing is lost or doubled. Reconnects back off as X documents
(:mod:`hubbub.sources._live`) and are counted (``hubbub_source_disconnects_total``).

Ids: an at-uri (``at://did:plc:…/app.bsky.feed.post/<rkey>``, 70 characters for a did:plc) does
not fit ``Post.id`` (at most 64 characters), so the id is ``<did>/<rkey>`` (46 characters for a
did:plc); a did too long or odd for that (some did:web) gets ``bsky:<sha256 of the at-uri, 40
hex>``. Reply parent and root at-uris map the same way into ``in_reply_to_id`` /
``conversation_id``. Mentions are the mentioned handles as written in the text (X mentions are
usernames too).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from hubbub.config import Settings
from hubbub.models import DeadLetter, Post
from hubbub.sources._live import (
    DISCONNECTS,
    Item,
    Reconnector,
    ReconnectPolicy,
    batched_in_background,
)
from hubbub.sources.base import Source, SourceBatch
from hubbub.sources.bluesky_profiles import BlueskyProfiles

log = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
_ID_RE = re.compile(r"^[A-Za-z0-9:_./-]{1,64}$")
_TAG = "app.bsky.richtext.facet#tag"
_MENTION = "app.bsky.richtext.facet#mention"
_LINK = "app.bsky.richtext.facet#link"


class JetstreamError(RuntimeError):
    """Jetstream could not be reached after ``max_attempts`` attempts in a row."""


def post_id(did: str, rkey: str) -> str:
    """The Post id of ``at://{did}/app.bsky.feed.post/{rkey}`` (see the module docstring)."""
    candidate = f"{did}/{rkey}"
    if _ID_RE.match(candidate):
        return candidate
    uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
    return "bsky:" + hashlib.sha256(uri.encode()).hexdigest()[:40]


def post_id_from_uri(uri: Any) -> str | None:
    """``at://did/app.bsky.feed.post/rkey`` → its Post id; None for anything else."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    did, _, rest = uri[5:].partition("/")
    collection, _, rkey = rest.partition("/")
    return post_id(did, rkey) if did and collection == POST_COLLECTION and rkey else None


def _created_at(record: dict[str, Any], time_us: int | None) -> datetime | None:
    """The record's ``createdAt`` (client-set); Jetstream's ``time_us`` when that is unusable."""
    value = record.get("createdAt")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return datetime.fromtimestamp(time_us / 1e6, UTC) if time_us else None


def _facets(record: dict[str, Any], text: str) -> tuple[list[str], list[str], list[str]]:
    """(hashtags, mentioned handles, link uris) from the record's rich-text facets."""
    tags: list[str] = []
    mentions: list[str] = []
    links: list[str] = []
    raw = text.encode()
    for facet in record.get("facets") or []:
        if not isinstance(facet, dict):
            continue
        for feature in facet.get("features") or []:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            if kind == _TAG and feature.get("tag"):
                tags.append(str(feature["tag"]))
            elif kind == _LINK and feature.get("uri"):
                links.append(str(feature["uri"]))
            elif kind == _MENTION and feature.get("did"):
                index = facet.get("index") or {}
                start, end = index.get("byteStart"), index.get("byteEnd")
                written = ""
                if isinstance(start, int) and isinstance(end, int):
                    written = raw[start:end].decode("utf-8", "replace").lstrip("@")
                mentions.append(written or str(feature["did"]))
    return tags, mentions, links


@dataclass(slots=True)
class JetstreamStats:
    connections: int = 0
    disconnects: int = 0  # established connections that ended
    failed_attempts: int = 0  # connection attempts refused or failed
    events: int = 0
    skipped: int = 0  # not a post creation, or filtered out
    duplicates: int = 0  # replayed in the overlap after a reconnect
    last_reason: str | None = None


class BlueskyJetstream(Source):
    """Post creations from Jetstream until :meth:`stop` or ``max_posts``.

    ``keywords`` match the text case-insensitively, or a hashtag equal to the keyword without
    spaces ("world cup" matches #WorldCup); ``hashtags`` match hashtags only; with neither, every
    post passes. ``langs`` keep posts whose ``langs`` share a language (``pt`` matches ``pt-BR``).
    Authors: ``profiles`` (the public ``getProfiles`` API) fills username = handle, name =
    displayName, profile_image_url = avatar. ``location`` stays None: Bluesky profiles have no
    location field, and none is invented.
    """

    name = "bluesky"

    def __init__(
        self,
        jetstream_url: str = "wss://jetstream2.us-east.bsky.network/subscribe",
        profiles: BlueskyProfiles | None = None,
        keywords: Sequence[str] = (),
        langs: Sequence[str] = (),
        *,
        hashtags: Sequence[str] = (),
        cursor: int | None = None,
        overlap_s: float = 5.0,
        policy: ReconnectPolicy | None = None,
        flush_s: float = 0.5,
        max_posts: int | None = None,
        max_attempts: int | None = None,
        stall_timeout_s: float = 60.0,
        open_timeout_s: float = 10.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jetstream_url = jetstream_url
        self.profiles = profiles
        self.keywords = [k.casefold() for k in keywords if k.strip()]
        self.hashtags = {h.casefold().lstrip("#") for h in hashtags if h.strip()}
        self.langs = {lang.casefold() for lang in langs if lang.strip()}
        self.cursor = cursor  # time_us of the last event seen (or where to start)
        self.overlap_us = int(overlap_s * 1_000_000)
        self.policy = policy or ReconnectPolicy()
        self.flush_s = flush_s
        self.max_posts = max_posts
        self.max_attempts = max_attempts
        self.stall_timeout_s = stall_timeout_s
        self.open_timeout_s = open_timeout_s
        self.stats = JetstreamStats()
        self._recent: OrderedDict[str, int] = OrderedDict()  # post id -> time_us
        self._stop = threading.Event()
        self._sleep = sleep or self._wait
        self._clock = clock
        self._ws: ClientConnection | None = None

    @classmethod
    def from_settings(cls, s: Settings, **kwargs: Any) -> BlueskyJetstream:
        kwargs.setdefault("profiles", BlueskyProfiles(s.bluesky_api_url))
        return cls(s.bluesky_jetstream_url, keywords=s.bluesky_keywords, langs=s.bluesky_langs,
                   **kwargs)

    @property
    def disconnects(self) -> int:
        return self.stats.disconnects

    # -- lifecycle --------------------------------------------------------------------------

    def batches(self, size: int) -> Iterator[SourceBatch]:
        self._stop.clear()
        for batch in batched_in_background(
            self._items(), size, self.flush_s, self._stop, max_posts=self.max_posts,
            name="jetstream-reader",
        ):
            if self.profiles is not None and batch.posts:
                batch.posts = self.profiles.attach(batch.posts)
            yield batch

    def stop(self) -> None:
        self._stop.set()

    def _wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def close(self) -> None:
        self.stop()
        if self.profiles is not None:
            self.profiles.close()

    def connect_url(self) -> str:
        """The Jetstream URL for the next connection: posts only, resuming before the cursor."""
        parts = urlsplit(self.jetstream_url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("cursor",
                                                                          "wantedCollections")]
        query.append(("wantedCollections", POST_COLLECTION))
        if self.cursor is not None:
            query.append(("cursor", str(max(self.cursor - self.overlap_us, 0))))
        return urlunsplit(parts._replace(query=urlencode(query)))

    # -- reading ----------------------------------------------------------------------------

    def _items(self) -> Iterator[Item]:
        reconnector = Reconnector(self.policy)
        failures = 0
        while not self._stop.is_set():
            healthy = False
            try:
                with connect(self.connect_url(), open_timeout=self.open_timeout_s,
                             close_timeout=1.0, compression=None) as ws:
                    self.stats.connections += 1
                    last_message = self._clock()
                    while not self._stop.is_set():
                        try:
                            message = ws.recv(timeout=0.2)
                        except TimeoutError:
                            if self._clock() - last_message > self.stall_timeout_s:
                                raise ConnectionError("stall") from None
                            continue
                        last_message = self._clock()
                        if not healthy:
                            healthy, failures = True, 0
                            reconnector.reset()
                        item = self.read_event(message)
                        if item is not None:
                            yield item
                return
            except ConnectionClosed:
                reason = "dropped"
                delay = 0.0 if healthy else reconnector.delay("network")
            except InvalidStatus as exc:
                status = exc.response.status_code
                reason = f"http_{status}"
                delay = reconnector.delay("rate_limit" if status == 429 else "http")
            except (OSError, TimeoutError, WebSocketException) as exc:
                reason = "stall" if str(exc) == "stall" else f"network: {type(exc).__name__}"
                delay = 0.0 if healthy else reconnector.delay("network")
            if self._stop.is_set():
                return
            self.stats.last_reason = reason
            DISCONNECTS.labels(source="bluesky", reason=reason.partition(":")[0]).inc()
            if healthy:
                self.stats.disconnects += 1
            else:
                failures += 1
                self.stats.failed_attempts += 1
                if self.max_attempts is not None and failures >= self.max_attempts:
                    raise JetstreamError(f"gave up after {failures} failed attempts: {reason}")
            log.warning("Jetstream: %s; reconnecting in %.3f s from cursor %s", reason, delay,
                        self.cursor)
            if delay > 0:
                self._sleep(delay)

    def read_event(self, message: str | bytes) -> Post | DeadLetter | None:
        """One Jetstream message → a Post, a dead letter, or None (skipped or already seen)."""
        raw = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return self._dead(f"invalid JSON: {exc}", raw)
        if not isinstance(event, dict):
            return self._dead("not a Jetstream event (expected an object)", raw)
        self.stats.events += 1
        time_us = event.get("time_us")
        if isinstance(time_us, int) and (self.cursor is None or time_us > self.cursor):
            self.cursor = time_us
        commit = event.get("commit")
        if (
            event.get("kind") != "commit"
            or not isinstance(commit, dict)
            or commit.get("collection") != POST_COLLECTION
            or commit.get("operation") != "create"
        ):
            self.stats.skipped += 1
            return None
        record, did, rkey = commit.get("record"), event.get("did"), commit.get("rkey")
        if not isinstance(record, dict) or not isinstance(did, str) or not isinstance(rkey, str):
            return self._dead("post creation without did, rkey or record", raw)
        if not self.matches(record):
            self.stats.skipped += 1
            return None
        id_ = post_id(did, rkey)
        if id_ in self._recent:
            self.stats.duplicates += 1
            return None
        try:
            post = self._post(id_, did, record, time_us if isinstance(time_us, int) else None)
        except (ValidationError, TypeError, ValueError, AttributeError) as exc:
            return self._dead(f"invalid post: {exc}".replace("\n", " "), raw)
        self._remember(id_, time_us if isinstance(time_us, int) else 0)
        return post

    def matches(self, record: dict[str, Any]) -> bool:
        if self.langs:
            langs = {str(x).casefold() for x in record.get("langs") or []}
            if not langs & self.langs and not {x.split("-")[0] for x in langs} & self.langs:
                return False
        if not self.keywords and not self.hashtags:
            return True
        text = str(record.get("text") or "").casefold()
        tags = {t.casefold() for t in _facets(record, "")[0]}
        return (
            any(k in text or k.replace(" ", "") in tags for k in self.keywords)
            or bool(tags & self.hashtags)
        )

    def _post(self, id_: str, did: str, record: dict[str, Any], time_us: int | None) -> Post:
        text = str(record.get("text") or "")
        hashtags, mentions, urls = _facets(record, text)
        reply: dict[str, Any] = record.get("reply") or {}
        parent = post_id_from_uri((reply.get("parent") or {}).get("uri"))
        root = post_id_from_uri((reply.get("root") or {}).get("uri"))
        langs = record.get("langs") or []
        return Post.model_validate({
            "id": id_,
            "source": "bluesky",
            "created_at": _created_at(record, time_us),
            "text": text,
            "lang": str(langs[0]) if langs else None,
            "author_id": did,
            "location": None,  # Bluesky profiles have no location
            "edit_history_tweet_ids": [id_],
            "hashtags": hashtags,
            "mentions": mentions,
            "urls": urls,
            "conversation_id": root or id_,
            "in_reply_to_id": parent,
        })

    def _remember(self, id_: str, time_us: int) -> None:
        """Keeps the ids of the last ``2 × overlap`` of stream time, the window a resume can
        replay."""
        recent = self._recent
        recent[id_] = time_us
        horizon = (self.cursor or 0) - 2 * self.overlap_us
        while recent and next(iter(recent.values())) < horizon:
            recent.popitem(last=False)

    def _dead(self, reason: str, raw: str) -> DeadLetter:
        return DeadLetter(stage="source", reason=reason, raw=raw, source="bluesky")
