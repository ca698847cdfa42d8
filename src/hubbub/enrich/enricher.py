"""The enrichment step: a batch of raw posts in, a batch of enriched posts out.

Users are looked up once per batch (≤100 ids per HTTP call, cached); every other step is a pure
function of the post, cached by value (locations and texts repeat a lot in real streams). A post
is never dropped here: when the user lookup fails it is passed on marked ``user_lookup_failed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from hubbub.enrich.geo import resolve_location
from hubbub.enrich.keywords import KeywordMatcher, Match
from hubbub.enrich.sentiment import SentimentScorer
from hubbub.enrich.text import extract_hashtags, extract_mentions, extract_urls
from hubbub.enrich.users import LookupResult
from hubbub.models import EnrichedPost, EnrichmentStatus, Post, User, construct_complete


class UserLookup(Protocol):
    def lookup(self, ids: Sequence[str]) -> LookupResult: ...


_USER_FIELDS = ("username", "name", "location", "verified", "profile_image_url")


class Enricher:
    """Turns ``Post`` batches into ``EnrichedPost`` batches. Thread-compatible, not thread-safe."""

    def __init__(
        self,
        users: UserLookup | None,
        sentiment: SentimentScorer | None = None,
        keywords: KeywordMatcher | None = None,
    ) -> None:
        self.users = users
        self.sentiment = sentiment or SentimentScorer()
        self.keywords = keywords or KeywordMatcher()
        self._keyword_cache: dict[tuple[str, tuple[str, ...]], Match] = {}
        self._keyword_cache_size = 50_000

    def enrich(self, posts: Sequence[Post]) -> list[EnrichedPost]:
        lookup = self._lookup_authors(posts)
        now = datetime.now(UTC)
        return [self._enrich_one(p, lookup, now) for p in posts]

    def _match_keywords(self, text: str, hashtags: list[str]) -> Match:
        """Keyword matching, cached by (text, hashtags): retweets repeat both exactly."""
        key = (text, tuple(hashtags))
        match = self._keyword_cache.get(key)
        if match is None:
            if len(self._keyword_cache) >= self._keyword_cache_size:
                self._keyword_cache.clear()
            match = self._keyword_cache[key] = self.keywords.match(text, hashtags)
        return match

    def _lookup_authors(self, posts: Sequence[Post]) -> LookupResult | None:
        if self.users is None:
            return None
        wanted = {p.author_id for p in posts if p.username is None}
        if not wanted:
            return None
        return self.users.lookup(sorted(wanted))

    def _enrich_one(self, post: Post, lookup: LookupResult | None, now: datetime) -> EnrichedPost:
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
        text = post.text
        if not post.hashtags:
            values["hashtags"] = extract_hashtags(text)
        if not post.mentions:
            values["mentions"] = extract_mentions(text)
        if not post.urls:
            values["urls"] = extract_urls(text)
        geo = resolve_location(values["location"])
        compound, label = self.sentiment.score(text)
        match = self._match_keywords(text, values["hashtags"])
        values.update(
            country_code=geo.country_code if geo else None,
            country_name=geo.country_name if geo else None,
            location_confidence=geo.confidence if geo else 0.0,
            sentiment_compound=compound,
            sentiment_label=label,
            keywords=list(match.keywords),
            teams=list(match.teams),
            enrichment_status=status,
            enriched_at=now,
            ingested_at=None,
        )
        # Fields are valid by construction (the post was validated where it entered the stream).
        return construct_complete(EnrichedPost, values)
