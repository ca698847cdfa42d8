"""The store interface: an idempotent sink for enriched posts plus the dashboard's queries.

One implementation per file (``duckdb.py`` now, ``clickhouse.py`` later); nothing else knows
which one is in use. Writes are idempotent by post id: a post delivered twice is stored once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hubbub.models import DeadLetter, EnrichedPost


@dataclass(frozen=True, slots=True)
class Filters:
    """Filters every dashboard query accepts (all optional, combined with AND)."""

    since: datetime | None = None
    until: datetime | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    team: str | None = None
    keyword: str | None = None  # a keyword or hashtag (without #)
    lang: str | None = None


NO_FILTERS = Filters()
Bucket = Literal["minute", "hour", "day"]


class StoreError(RuntimeError):
    """A store failed to answer (the API turns it into a 500 with a JSON body)."""


class StoreUnavailable(StoreError):
    """The store is not set up yet, or closed (the API answers 503)."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    received: int
    inserted: int  # new ids; received - inserted were already stored (duplicates)


class Store(ABC):
    """Lifecycle: ``setup()`` once, ``write()`` batches, ``close()``. Queries are thread-safe."""

    @abstractmethod
    def setup(self) -> None: ...

    @abstractmethod
    def write(self, posts: Sequence[EnrichedPost]) -> WriteResult: ...

    @abstractmethod
    def write_dead_letters(self, letters: Sequence[DeadLetter]) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- queries (each returns plain JSON-able rows) ---
    @abstractmethod
    def recent_posts(self, limit: int, f: Filters = NO_FILTERS) -> list[dict]: ...

    @abstractmethod
    def counts_per_day(self, f: Filters = NO_FILTERS) -> list[dict]: ...

    @abstractmethod
    def counts_per_country(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]: ...

    @abstractmethod
    def timeline(self, bucket: Bucket, f: Filters = NO_FILTERS) -> list[dict]: ...

    @abstractmethod
    def top_hashtags(self, limit: int, f: Filters = NO_FILTERS) -> list[dict]: ...

    @abstractmethod
    def sentiment_by_country(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]: ...

    @abstractmethod
    def sentiment_by_team(self, f: Filters = NO_FILTERS) -> list[dict]: ...

    @abstractmethod
    def busiest_day(self, f: Filters = NO_FILTERS) -> dict | None: ...

    @abstractmethod
    def stats(self) -> dict: ...

    @abstractmethod
    def dead_letter_counts(self) -> list[dict]: ...

    @abstractmethod
    def post_ids(self) -> list[str]: ...

    @abstractmethod
    def posts_needing_reenrichment(self, limit: int) -> list[EnrichedPost]: ...

    def update_enrichment(self, posts: Sequence[EnrichedPost]) -> int:
        """Replace the enrichment of stored posts (re-enrichment); returns how many were found.

        Only the enrichment of a post changes (user fields, country, location confidence,
        sentiment, status, enriched_at); its id, text, lists and times stay as stored.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support re-enrichment")

    # --- dashboard extras (optional: a store without them answers 501 on their endpoints) ---
    def overview(self, f: Filters = NO_FILTERS) -> dict:
        """Headline numbers under ``f``: posts, posts_unknown_country, countries, positive,
        neutral, negative, avg_compound."""
        raise NotImplementedError(f"{type(self).__name__} does not support overview")

    def top_posters(self, f: Filters = NO_FILTERS, limit: int = 300) -> list[dict]:
        """The most frequent poster of each nation (most active nations first)."""
        raise NotImplementedError(f"{type(self).__name__} does not support top_posters")

    def facets(self) -> dict:
        """What the filters can choose from: countries (code, name), teams and languages."""
        raise NotImplementedError(f"{type(self).__name__} does not support facets")
