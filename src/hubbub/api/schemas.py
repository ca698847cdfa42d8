"""Response models of the API (they are also its OpenAPI documentation)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class PostMetrics(BaseModel):
    like_count: int = 0
    retweet_count: int = 0
    reply_count: int = 0
    quote_count: int = 0


class RecentPost(BaseModel):
    """A post as a dashboard card shows it."""

    id: str
    created_at: datetime
    text: str
    username: str | None
    name: str | None
    profile_image_url: str | None
    location: str | None
    country_code: str | None = Field(description="ISO 3166-1 alpha-2, upper-case")
    country_name: str | None
    sentiment_compound: float = Field(ge=-1, le=1)
    sentiment_label: str
    hashtags: list[str]
    lang: str | None
    verified: bool
    source: str
    teams: list[str]
    metrics: PostMetrics


class DayCount(BaseModel):
    day: date = Field(description="UTC day")
    posts: int


class CountryCount(BaseModel):
    country_code: str
    country_name: str | None
    posts: int


class TimelinePoint(BaseModel):
    ts: datetime = Field(description="start of the bucket (UTC)")
    posts: int


class HashtagCount(BaseModel):
    hashtag: str = Field(description="lower-case, without '#'")
    posts: int


class SentimentCounts(BaseModel):
    posts: int
    avg_compound: float = Field(description="mean VADER compound score, -1..1")
    positive: int
    neutral: int
    negative: int


class CountrySentiment(SentimentCounts):
    country_code: str
    country_name: str | None


class TeamSentiment(SentimentCounts):
    team: str


class BusiestDay(BaseModel):
    day: date
    posts: int


class Stats(BaseModel):
    posts: int
    posts_unknown_country: int = Field(description="posts left out of per-country answers")
    countries: int
    first_created_at: datetime | None
    last_created_at: datetime | None
    last_ingested_at: datetime | None
    dead_letters: int
    user_lookup_failed: int


class DeadLetterCount(BaseModel):
    stage: str
    reason: str
    count: int
    last_at: datetime | None


class Health(BaseModel):
    status: str


class ErrorBody(BaseModel):
    """Body of every 4xx/5xx answer of the /api/v1 endpoints."""

    detail: str
    errors: list[dict] | None = None
    hint: str | None = None


# --- the web dashboard's extra answers ---
class Overview(BaseModel):
    """Headline numbers under the filters."""

    posts: int
    posts_unknown_country: int
    countries: int = Field(description="nations with at least one post")
    positive: int
    neutral: int
    negative: int
    avg_compound: float


class TopPoster(BaseModel):
    """The most frequent poster of a nation (the original's dbt table)."""

    country_code: str
    country_name: str | None
    author_id: str
    username: str | None
    name: str | None
    profile_image_url: str | None
    location: str | None
    posts: int = Field(description="posts by this author from this nation")
    country_posts: int = Field(description="all posts from this nation")
    share: float = Field(description="posts / country_posts")


class FacetCountry(BaseModel):
    country_code: str
    country_name: str | None
    posts: int


class Facets(BaseModel):
    """What the dashboard's filters can choose from."""

    countries: list[FacetCountry]
    teams: list[str]
    langs: list[str]


class MatchGoal(BaseModel):
    at: datetime = Field(description="approximate wall-clock time of the goal (UTC)")
    minute: str = Field(description="as reported, e.g. 45+1")
    side: int = Field(description="0 home, 1 away: the side the goal counts for")
    scorer: str
    penalty: bool = False
    own_goal: bool = False


class MatchInfo(BaseModel):
    """A real match, for the timeline's markers (handed in by the composition root)."""

    number: int
    stage: str
    home: str
    away: str
    home_iso2: str | None = None
    away_iso2: str | None = None
    home_code: str | None = Field(default=None, description="FIFA code, e.g. ARG")
    away_code: str | None = None
    home_score: int
    away_score: int
    shootout: tuple[int, int] | None = None
    kickoff: datetime
    end: datetime = Field(description="approximate final whistle (or last penalty)")
    goals: list[MatchGoal] = []


class LiveTick(BaseModel):
    """The data of one server-sent ``tick`` event on /api/v1/live."""

    posts: int
    last_created_at: datetime | None
    last_ingested_at: datetime | None
    dead_letters: int
