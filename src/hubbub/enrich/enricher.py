"""The enrichment step: a batch of raw posts in, a batch of enriched posts out.

Users are looked up once per batch (≤100 ids per HTTP call, cached); texts are analysed once per
distinct (text, hashtags) — optionally in worker processes (``TextAnalyzer(workers=…)``);
locations are resolved once per distinct string (cached in ``geo``). A post is never dropped
here: when the user lookup fails it is passed on marked ``user_lookup_failed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from hubbub.enrich.geo import resolve_location
from hubbub.enrich.text import extract_hashtags, extract_mentions, extract_urls
from hubbub.enrich.text_analysis import TextAnalyzer
from hubbub.enrich.users import LookupResult
from hubbub.models import EnrichedPost, EnrichmentStatus, Post, User, construct_complete


class UserLookup(Protocol):
    def lookup(self, ids: Sequence[str]) -> LookupResult: ...


_USER_FIELDS = ("username", "name", "location", "verified", "profile_image_url")


class Enricher:
    """Turns ``Post`` batches into ``EnrichedPost`` batches. Thread-compatible, not thread-safe."""

    def __init__(self, users: UserLookup | None, texts: TextAnalyzer | None = None) -> None:
        self.users = users
        self.texts = texts or TextAnalyzer()

    def warm_up(self) -> None:
        """Build the lookup tables now (≈1–2 s) rather than on the first batch."""
        resolve_location("Lagos, Nigeria")
        self.texts.analyze([("warm up #WorldCup", ("WorldCup",))])

    def close(self) -> None:
        self.texts.close()
        close = getattr(self.users, "close", None)
        if close is not None:
            close()

    def enrich(self, posts: Sequence[Post]) -> list[EnrichedPost]:
        lookup = self._lookup_authors(posts)
        values = [self._with_user_and_entities(p, lookup) for p in posts]
        analyses = self.texts.analyze([(v["text"], tuple(v["hashtags"])) for v in values])
        now = datetime.now(UTC)
        out = []
        for v, a in zip(values, analyses, strict=True):
            geo = resolve_location(v["location"])
            v["country_code"] = geo.country_code if geo else None
            v["country_name"] = geo.country_name if geo else None
            v["location_confidence"] = geo.confidence if geo else 0.0
            v["sentiment_compound"] = a.compound
            v["sentiment_label"] = a.label
            v["keywords"] = list(a.keywords)
            v["teams"] = list(a.teams)
            v["enriched_at"] = now
            v["ingested_at"] = None
            # Valid by construction: the post was validated where it entered the stream.
            out.append(construct_complete(EnrichedPost, v))
        return out

    def _lookup_authors(self, posts: Sequence[Post]) -> LookupResult | None:
        if self.users is None:
            return None
        wanted = {p.author_id for p in posts if p.username is None}
        if not wanted:
            return None
        return self.users.lookup(sorted(wanted))

    @staticmethod
    def _with_user_and_entities(post: Post, lookup: LookupResult | None) -> dict:
        values = dict(post.__dict__)
        status: EnrichmentStatus = "complete"
        if post.username is None:
            user: User | None = lookup.users.get(post.author_id) if lookup else None
            if user is not None:
                for name in _USER_FIELDS:
                    values[name] = getattr(user, name)
            elif lookup is not None and post.author_id in lookup.not_found:
                status = "user_not_found"
            else:
                status = "user_lookup_failed"
        values["enrichment_status"] = status
        text = post.text
        if not post.hashtags:
            values["hashtags"] = extract_hashtags(text)
        if not post.mentions:
            values["mentions"] = extract_mentions(text)
        if not post.urls:
            values["urls"] = extract_urls(text)
        return values
