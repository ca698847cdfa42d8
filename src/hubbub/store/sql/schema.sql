-- DDL of the DuckDB store. All timestamps are TIMESTAMP holding UTC (no session time zone
-- involved); the store attaches UTC when it reads them back.

CREATE TABLE IF NOT EXISTS posts (
    id                     VARCHAR PRIMARY KEY,
    source                 VARCHAR NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    text                   VARCHAR NOT NULL,
    lang                   VARCHAR,
    author_id              VARCHAR NOT NULL,
    username               VARCHAR,
    name                   VARCHAR,
    location               VARCHAR,
    verified               BOOLEAN,
    profile_image_url      VARCHAR,
    edit_history_tweet_ids VARCHAR[],
    hashtags               VARCHAR[],
    mentions               VARCHAR[],
    urls                   VARCHAR[],
    like_count             BIGINT,
    retweet_count          BIGINT,
    reply_count            BIGINT,
    quote_count            BIGINT,
    conversation_id        VARCHAR,
    in_reply_to_id         VARCHAR,
    retweet_of_id          VARCHAR,
    country_code           VARCHAR,
    country_name           VARCHAR,
    location_confidence    DOUBLE,
    sentiment_compound     DOUBLE NOT NULL,
    sentiment_label        VARCHAR NOT NULL,
    keywords               VARCHAR[],
    teams                  VARCHAR[],
    enrichment_status      VARCHAR NOT NULL,
    enriched_at            TIMESTAMP NOT NULL,
    ingested_at            TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS dead_letters (
    stage    VARCHAR NOT NULL,
    reason   VARCHAR NOT NULL,
    raw      VARCHAR NOT NULL,
    source   VARCHAR,
    "offset" BIGINT,
    "at"     TIMESTAMP NOT NULL
);

-- Rollups, maintained at write time from newly inserted rows only (see rollups.sql).
-- Key columns are NOT NULL: '' stands for an unknown country or language.

-- hour x country x lang: counts, sentiment, stats
CREATE TABLE IF NOT EXISTS rollup_hour (
    hour            TIMESTAMP NOT NULL,
    country_code    VARCHAR NOT NULL,
    lang            VARCHAR NOT NULL,
    posts           BIGINT NOT NULL,
    sentiment_sum   DOUBLE NOT NULL,
    positive        BIGINT NOT NULL,
    neutral         BIGINT NOT NULL,
    negative        BIGINT NOT NULL,
    lookup_failed   BIGINT NOT NULL,
    min_created_at  TIMESTAMP,
    max_created_at  TIMESTAMP,
    max_ingested_at TIMESTAMP,
    PRIMARY KEY (hour, country_code, lang)
);

-- day x team x country x lang (a post mentioning two teams counts once for each)
CREATE TABLE IF NOT EXISTS rollup_team_day (
    day           DATE NOT NULL,
    team          VARCHAR NOT NULL,
    country_code  VARCHAR NOT NULL,
    lang          VARCHAR NOT NULL,
    posts         BIGINT NOT NULL,
    sentiment_sum DOUBLE NOT NULL,
    positive      BIGINT NOT NULL,
    neutral       BIGINT NOT NULL,
    negative      BIGINT NOT NULL,
    PRIMARY KEY (day, team, country_code, lang)
);

-- hour x hashtag (lower-case, without '#', counted once per post)
CREATE TABLE IF NOT EXISTS rollup_hashtag_hour (
    hour    TIMESTAMP NOT NULL,
    hashtag VARCHAR NOT NULL,
    posts   BIGINT NOT NULL,
    PRIMARY KEY (hour, hashtag)
);

-- day x country x hashtag (serves top hashtags under a country filter)
CREATE TABLE IF NOT EXISTS rollup_hashtag_day (
    day          DATE NOT NULL,
    country_code VARCHAR NOT NULL,
    hashtag      VARCHAR NOT NULL,
    posts        BIGINT NOT NULL,
    PRIMARY KEY (day, country_code, hashtag)
);

-- hour x team x country x lang (timelines under a team filter; day grain uses rollup_team_day)
CREATE TABLE IF NOT EXISTS rollup_team_hour (
    hour          TIMESTAMP NOT NULL,
    team          VARCHAR NOT NULL,
    country_code  VARCHAR NOT NULL,
    lang          VARCHAR NOT NULL,
    posts         BIGINT NOT NULL,
    sentiment_sum DOUBLE NOT NULL,
    positive      BIGINT NOT NULL,
    neutral       BIGINT NOT NULL,
    negative      BIGINT NOT NULL,
    PRIMARY KEY (hour, team, country_code, lang)
);

-- day x team x hashtag (top hashtags under a team filter)
CREATE TABLE IF NOT EXISTS rollup_hashtag_team_day (
    day     DATE NOT NULL,
    team    VARCHAR NOT NULL,
    hashtag VARCHAR NOT NULL,
    posts   BIGINT NOT NULL,
    PRIMARY KEY (day, team, hashtag)
);

-- the latest name seen for each country code (both query paths join it)
CREATE TABLE IF NOT EXISTS country_names (
    country_code VARCHAR PRIMARY KEY,
    country_name VARCHAR NOT NULL
);
