-- ClickHouse ingests topic `tweets.enriched` itself: an alternative to `hubbub sink`.
-- Run once per database AFTER the store has created its schema (any hubbub command that opens
-- the ClickHouse store does, e.g. `hubbub serve`):
--     clickhouse-client --database hubbub --multiquery < deploy/clickhouse/kafka_engine.sql
-- Edit the broker list, group and (for Confluent Cloud) the security settings first.
-- Run either this or `hubbub sink`, not both: see README.md in this folder for the trade-offs.

-- name: posts_kafka
-- A consumer of the topic, one row per message (EnrichedPost JSON, as the enricher writes it).
-- Malformed messages do not stop it: kafka_handle_error_mode = 'stream' hands them to
-- posts_kafka_errors_mv below with the parse error.
CREATE TABLE IF NOT EXISTS posts_kafka (
    id                     String,
    source                 String,
    created_at             DateTime64(6, 'UTC'),
    text                   String,
    lang                   Nullable(String),
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
    metrics                Tuple(like_count Int64, retweet_count Int64, reply_count Int64,
                                 quote_count Int64),
    conversation_id        Nullable(String),
    in_reply_to_id         Nullable(String),
    retweet_of_id          Nullable(String),
    country_code           Nullable(String),
    country_name           Nullable(String),
    location_confidence    Nullable(Float64),
    sentiment_compound     Float64,
    sentiment_label        String,
    keywords               Array(String),
    teams                  Array(String),
    enrichment_status      String,
    enriched_at            DateTime64(6, 'UTC'),
    ingested_at            Nullable(DateTime64(6, 'UTC'))
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = 'localhost:9092',
    kafka_topic_list = 'tweets.enriched',
    kafka_group_name = 'hubbub-clickhouse',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_handle_error_mode = 'stream',
    -- Confluent Cloud / SASL_SSL brokers:
    -- kafka_security_protocol = 'sasl_ssl',
    -- kafka_sasl_mechanism = 'PLAIN',
    -- kafka_sasl_username = '<API key>',
    -- kafka_sasl_password = '<API secret>',
    date_time_input_format = 'best_effort',
    input_format_skip_unknown_fields = 1;

-- name: posts_kafka_mv
-- Valid messages into `posts`, shaped like the store's own writes; the rollups' views on
-- `posts` then fold them in. The row version is enriched_at in microseconds, so a redelivered
-- message is an identical row that ReplacingMergeTree collapses at merge time.
CREATE MATERIALIZED VIEW IF NOT EXISTS posts_kafka_mv TO posts AS
SELECT
    id, source, created_at, text, lang, author_id, username, name, location, verified,
    profile_image_url, edit_history_tweet_ids, hashtags, mentions, urls,
    metrics.like_count AS like_count,
    metrics.retweet_count AS retweet_count,
    metrics.reply_count AS reply_count,
    metrics.quote_count AS quote_count,
    conversation_id, in_reply_to_id, retweet_of_id,
    upperUTF8(country_code) AS country_code,
    country_name, location_confidence, sentiment_compound, sentiment_label, keywords, teams,
    enrichment_status, enriched_at,
    ifNull(ingested_at, now64(6)) AS ingested_at,
    toUInt64(toUnixTimestamp64Micro(enriched_at)) AS version,
    toUInt64(0) AS replaces
FROM posts_kafka
WHERE length(_error) = 0;

-- name: posts_kafka_errors_mv
-- Messages that could not be parsed, into the store's dead letters (shown in /stats).
CREATE MATERIALIZED VIEW IF NOT EXISTS posts_kafka_errors_mv TO dead_letters AS
SELECT
    'clickhouse_kafka' AS stage,
    _error AS reason,
    _raw_message AS raw,
    concat(_topic, '/', toString(_partition)) AS source,
    toInt64(_offset) AS `offset`,
    now64(6) AS `at`
FROM posts_kafka
WHERE length(_error) > 0;
