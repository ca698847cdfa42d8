"""The data contracts of the stream: ``User``, ``Post``, ``EnrichedPost`` and ``DeadLetter``.

The field names of the original tweet ``schema.json`` (verified, profile_image_url, id,
created_at, username, author_id, edit_history_tweet_ids, location, name, text) are kept.
``hubbub schema`` writes the JSON Schema of the topics from these models.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SourceName = Literal["x", "bluesky", "sim", "file"]
SentimentLabel = Literal["positive", "neutral", "negative"]
# How complete the enrichment of a post is. ``user_lookup_failed`` posts are stored all the same
# and can be re-enriched later (``hubbub reenrich``).
EnrichmentStatus = Literal["complete", "user_lookup_failed", "user_not_found"]


def _require_utc(value: datetime) -> datetime:
    """Event time must be timezone-aware; it is normalised to UTC."""
    if value.tzinfo is None:
        raise ValueError("created_at must carry a timezone (RFC 3339, e.g. 2022-12-18T15:00:00Z)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]


class Metrics(BaseModel):
    """Public engagement counts, as in X API v2 ``public_metrics``."""

    model_config = ConfigDict(extra="ignore")

    like_count: int = Field(0, ge=0)
    retweet_count: int = Field(0, ge=0)
    reply_count: int = Field(0, ge=0)
    quote_count: int = Field(0, ge=0)


class User(BaseModel):
    """An author, in the X API v2 user-object shape (``GET /2/users`` → ``data[]``)."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64)
    username: str
    name: str = ""
    location: str | None = None
    verified: bool = False
    profile_image_url: str | None = None
    description: str | None = None
    created_at: UtcDatetime | None = None


class Post(BaseModel):
    """A raw social post as it travels on topic ``tweets``."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9:_./-]+$")
    source: SourceName
    created_at: UtcDatetime
    text: str = Field(max_length=10_000)
    lang: str | None = Field(None, max_length=16)
    author_id: str = Field(min_length=1, max_length=128)
    username: str | None = None
    name: str | None = None
    location: str | None = None
    verified: bool | None = None
    profile_image_url: str | None = None
    edit_history_tweet_ids: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)
    conversation_id: str | None = None
    in_reply_to_id: str | None = None
    retweet_of_id: str | None = None

    def needs_user(self) -> bool:
        """True when the post arrived without the author's profile (the original's case)."""
        return self.username is None


class EnrichedPost(Post):
    """A post after enrichment, as it travels on topic ``tweets.enriched`` and is stored."""

    country_code: str | None = Field(None, min_length=2, max_length=2)
    country_name: str | None = None
    location_confidence: float = Field(0.0, ge=0.0, le=1.0)
    sentiment_compound: float = Field(ge=-1.0, le=1.0)
    sentiment_label: SentimentLabel
    keywords: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    enrichment_status: EnrichmentStatus = "complete"
    enriched_at: UtcDatetime
    ingested_at: UtcDatetime | None = None


class DeadLetter(BaseModel):
    """A message that could not enter (or pass) the stream, with why and its raw bytes."""

    stage: str
    reason: str
    raw: str
    source: str | None = None
    offset: int | None = None
    at: UtcDatetime = Field(default_factory=lambda: datetime.now(UTC))


@runtime_checkable
class UserDirectory(Protocol):
    """Anything that can answer a users lookup by id (the simulator's user pool, a store…).

    The API serves ``GET /2/users`` from one of these without knowing which it is.
    """

    def get_users(self, ids: Sequence[str]) -> list[User]:
        """Return the users that exist among ``ids``; unknown ids are left out."""
        ...


def post_json_schema() -> dict[str, object]:
    """JSON Schema of the topic ``tweets`` (validated where messages enter the stream)."""
    return Post.model_json_schema(mode="validation")


def enriched_post_json_schema() -> dict[str, object]:
    """JSON Schema of the topic ``tweets.enriched``."""
    return EnrichedPost.model_json_schema(mode="validation")


def ids_of(posts: Iterable[Post]) -> list[str]:
    return [p.id for p in posts]


_FIELD_SETS: dict[type[BaseModel], set[str]] = {}


M = TypeVar("M", bound=BaseModel)


def construct_complete(cls: type[M], fields: dict[str, object]) -> M:
    """``cls.model_construct(**fields)`` for a dict that already sets every field, at a third of
    the cost (no per-field default handling, no validation). For hot paths whose values are valid
    by construction; tests check it equals ``model_construct``."""
    field_set = _FIELD_SETS.get(cls)
    if field_set is None:
        field_set = _FIELD_SETS[cls] = set(cls.model_fields)
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", fields)
    object.__setattr__(obj, "__pydantic_fields_set__", field_set)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
