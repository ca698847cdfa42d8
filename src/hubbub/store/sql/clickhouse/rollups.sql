-- The rollups' SELECTs, each named after the table it fills. {src} is the relation read and
-- {sign} multiplies the counts:
--   * materialized view `<name>_mv`:         {src} = posts,          {sign} = 1
--   * materialized view `<name>_retract_mv`: {src} = posts_retract,  {sign} = -1
--     (old versions of re-enriched posts; not for country_names)
--   * rebuild_rollups():                     {src} = the latest version of every post, 1
-- so incremental upkeep and a full rebuild share this SQL.

-- name: rollup_hour
SELECT
    toStartOfHour(created_at)                                   AS hour,
    ifNull(country_code, '')                                    AS country_code,
    ifNull(lang, '')                                            AS lang,
    {sign} * toInt64(count())                                   AS posts,
    {sign} * sum(toInt64(round(sentiment_compound * 100000000))) AS sentiment_e8,
    {sign} * toInt64(countIf(sentiment_label = 'positive'))     AS positive,
    {sign} * toInt64(countIf(sentiment_label = 'neutral'))      AS neutral,
    {sign} * toInt64(countIf(sentiment_label = 'negative'))     AS negative,
    {sign} * toInt64(countIf(enrichment_status = 'user_lookup_failed')) AS lookup_failed,
    min(created_at)                                             AS min_created_at,
    max(created_at)                                             AS max_created_at,
    max(ingested_at)                                            AS max_ingested_at
FROM {src}
GROUP BY hour, country_code, lang;

-- name: rollup_team_day
SELECT
    toDate(created_at)                                          AS day,
    team,
    ifNull(country_code, '')                                    AS country_code,
    ifNull(lang, '')                                            AS lang,
    {sign} * toInt64(count())                                   AS posts,
    {sign} * sum(toInt64(round(sentiment_compound * 100000000))) AS sentiment_e8,
    {sign} * toInt64(countIf(sentiment_label = 'positive'))     AS positive,
    {sign} * toInt64(countIf(sentiment_label = 'neutral'))      AS neutral,
    {sign} * toInt64(countIf(sentiment_label = 'negative'))     AS negative
FROM {src}
ARRAY JOIN arrayDistinct(teams) AS team
GROUP BY day, team, country_code, lang;

-- name: rollup_hashtag_hour
SELECT toStartOfHour(created_at) AS hour, hashtag, {sign} * toInt64(count()) AS posts
FROM {src}
ARRAY JOIN arrayDistinct(arrayMap(h -> lowerUTF8(trimLeft(h, '#')), hashtags)) AS hashtag
WHERE hashtag <> ''
GROUP BY hour, hashtag;

-- name: rollup_hashtag_day
SELECT
    toDate(created_at) AS day,
    ifNull(country_code, '') AS country_code,
    hashtag,
    {sign} * toInt64(count()) AS posts
FROM {src}
ARRAY JOIN arrayDistinct(arrayMap(h -> lowerUTF8(trimLeft(h, '#')), hashtags)) AS hashtag
WHERE hashtag <> ''
GROUP BY day, country_code, hashtag;

-- name: country_names
-- (aliases never reuse a column name: ClickHouse resolves aliases in WHERE and in arguments)
SELECT code AS country_code, max(cname) AS country_name, max(v) AS version
FROM (
    SELECT assumeNotNull(country_code) AS code, assumeNotNull(country_name) AS cname, version AS v
    FROM {src}
    WHERE country_code IS NOT NULL AND country_name IS NOT NULL
)
GROUP BY code;
