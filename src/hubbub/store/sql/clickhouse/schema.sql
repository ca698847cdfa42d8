-- DDL of the ClickHouse store, one statement per `-- name:` section, run in order.
-- Times are DateTime64(6, 'UTC'); the rollups' hour is DateTime64(0, 'UTC').
--
-- Idempotency: the store writes each id once (it checks which ids of a batch already exist,
-- see clickhouse.py), so the materialized views below see every post once and the rollups
-- are exact without FINAL. ReplacingMergeTree(version) is the second line of defence and the
-- mechanism of re-enrichment: a new version of a row (same created_at, same id, so same
-- sorting key) replaces the old one at merge time; until then queries on `posts` skip rows
-- that a newer row `replaces` (see clickhouse_planner.LATEST).

-- name: posts
CREATE TABLE IF NOT EXISTS posts (
    id                     String,
    source                 LowCardinality(String),
    created_at             DateTime64(6, 'UTC'),
    text                   String,
    lang                   LowCardinality(Nullable(String)),
    author_id              String,
    username               Nullable(String),
    name                   Nullable(String),
    location               Nullable(String),
    verified               Nullable(Bool),
    profile_image_url      Nullable(String),
    edit_history_tweet_ids Array(String),
    hashtags               Array(String),
    mentions               Array(String),
    urls                   Array(String),
    like_count             Nullable(Int64),
    retweet_count          Nullable(Int64),
    reply_count            Nullable(Int64),
    quote_count            Nullable(Int64),
    conversation_id        Nullable(String),
    in_reply_to_id         Nullable(String),
    retweet_of_id          Nullable(String),
    country_code           LowCardinality(Nullable(String)),
    country_name           LowCardinality(Nullable(String)),
    location_confidence    Nullable(Float64),
    sentiment_compound     Float64,
    sentiment_label        LowCardinality(String),
    keywords               Array(String),
    teams                  Array(String),
    enrichment_status      LowCardinality(String),
    enriched_at            DateTime64(6, 'UTC'),
    ingested_at            DateTime64(6, 'UTC'),
    -- store-assigned, increasing per id: microseconds of the write; the highest version wins
    version                UInt64,
    -- the version a re-enrichment replaced (0 = an original row)
    replaces               UInt64 DEFAULT 0,
    INDEX replaces_idx replaces TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
-- a post's created_at never changes, so (day, id) identifies it like id does and time
-- filters prune by the primary index
ORDER BY (toDate(created_at), id);

-- name: posts_retract
-- Old versions of re-enriched posts are inserted here: its views take them out of the rollups.
CREATE TABLE IF NOT EXISTS posts_retract AS posts ENGINE = Null;

-- name: dead_letters
CREATE TABLE IF NOT EXISTS dead_letters (
    stage    LowCardinality(String),
    reason   String,
    raw      String,
    source   Nullable(String),
    `offset` Nullable(Int64),
    `at`     DateTime64(6, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(`at`)
ORDER BY (stage, reason, `at`);

-- Rollups, filled by the materialized views of rollups.sql; always read with sum()/min()/max()
-- and GROUP BY, so unmerged parts never matter. '' stands for an unknown country or language.
-- sentiment_e8 sums sentiment_compound in units of 1e-8, as integers: exact whatever the order
-- of summation (float sums are not), so every query path gives the same average.

-- name: rollup_hour
CREATE TABLE IF NOT EXISTS rollup_hour (
    hour            DateTime64(0, 'UTC'),
    country_code    LowCardinality(String),
    lang            LowCardinality(String),
    posts           SimpleAggregateFunction(sum, Int64),
    sentiment_e8    SimpleAggregateFunction(sum, Int64),
    positive        SimpleAggregateFunction(sum, Int64),
    neutral         SimpleAggregateFunction(sum, Int64),
    negative        SimpleAggregateFunction(sum, Int64),
    lookup_failed   SimpleAggregateFunction(sum, Int64),
    min_created_at  SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    max_created_at  SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    max_ingested_at SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, country_code, lang);

-- name: rollup_team_day
-- a post mentioning two teams counts once for each
CREATE TABLE IF NOT EXISTS rollup_team_day (
    day           Date,
    team          String,
    country_code  LowCardinality(String),
    lang          LowCardinality(String),
    posts         Int64,
    sentiment_e8  Int64,
    positive      Int64,
    neutral       Int64,
    negative      Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team, country_code, lang);

-- name: rollup_hashtag_hour
-- lower-case, without '#', counted once per post
CREATE TABLE IF NOT EXISTS rollup_hashtag_hour (
    hour    DateTime64(0, 'UTC'),
    hashtag String,
    posts   Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, hashtag);

-- name: rollup_hashtag_day
CREATE TABLE IF NOT EXISTS rollup_hashtag_day (
    day          Date,
    country_code LowCardinality(String),
    hashtag      String,
    posts        Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, country_code, hashtag);

-- name: country_names
-- the latest name seen for each country code: read with argMax(country_name, version)
CREATE TABLE IF NOT EXISTS country_names (
    country_code String,
    country_name String,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY country_code;
