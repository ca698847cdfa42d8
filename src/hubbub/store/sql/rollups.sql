-- Incremental rollup maintenance. Each statement folds the rows of relation {src} into a
-- rollup, multiplied by $sign: +1 for newly inserted posts, -1 to take back the old version
-- of a re-enriched post. {src} is the batch of new rows at write time, or `posts` itself
-- for a full rebuild (after the rollups were emptied), so both paths share this SQL.

-- name: hour
INSERT INTO rollup_hour
SELECT
    date_trunc('hour', created_at)                                      AS hour,
    coalesce(country_code, '')                                          AS country_code,
    coalesce(lang, '')                                                  AS lang,
    $sign * count(*)                                                    AS posts,
    $sign * sum(sentiment_compound)                                     AS sentiment_sum,
    $sign * count(*) FILTER (WHERE sentiment_label = 'positive')        AS positive,
    $sign * count(*) FILTER (WHERE sentiment_label = 'neutral')         AS neutral,
    $sign * count(*) FILTER (WHERE sentiment_label = 'negative')        AS negative,
    $sign * count(*) FILTER (WHERE enrichment_status = 'user_lookup_failed') AS lookup_failed,
    min(created_at), max(created_at), max(ingested_at)
FROM {src}
GROUP BY ALL
ON CONFLICT (hour, country_code, lang) DO UPDATE SET
    posts = rollup_hour.posts + excluded.posts,
    sentiment_sum = rollup_hour.sentiment_sum + excluded.sentiment_sum,
    positive = rollup_hour.positive + excluded.positive,
    neutral = rollup_hour.neutral + excluded.neutral,
    negative = rollup_hour.negative + excluded.negative,
    lookup_failed = rollup_hour.lookup_failed + excluded.lookup_failed,
    min_created_at = least(rollup_hour.min_created_at, excluded.min_created_at),
    max_created_at = greatest(rollup_hour.max_created_at, excluded.max_created_at),
    max_ingested_at = greatest(rollup_hour.max_ingested_at, excluded.max_ingested_at);

-- name: team_day
INSERT INTO rollup_team_day
SELECT
    CAST(created_at AS DATE)                                            AS day,
    team,
    coalesce(country_code, '')                                          AS country_code,
    coalesce(lang, '')                                                  AS lang,
    $sign * count(*)                                                    AS posts,
    $sign * sum(sentiment_compound)                                     AS sentiment_sum,
    $sign * count(*) FILTER (WHERE sentiment_label = 'positive')        AS positive,
    $sign * count(*) FILTER (WHERE sentiment_label = 'neutral')         AS neutral,
    $sign * count(*) FILTER (WHERE sentiment_label = 'negative')        AS negative
FROM (
    SELECT created_at, country_code, lang, sentiment_compound, sentiment_label,
           unnest(list_distinct(teams)) AS team
    FROM {src}
)
GROUP BY ALL
ON CONFLICT (day, team, country_code, lang) DO UPDATE SET
    posts = rollup_team_day.posts + excluded.posts,
    sentiment_sum = rollup_team_day.sentiment_sum + excluded.sentiment_sum,
    positive = rollup_team_day.positive + excluded.positive,
    neutral = rollup_team_day.neutral + excluded.neutral,
    negative = rollup_team_day.negative + excluded.negative;

-- name: hashtag_hour
INSERT INTO rollup_hashtag_hour
SELECT date_trunc('hour', created_at) AS hour, hashtag, $sign * count(*) AS posts
FROM (
    SELECT created_at,
           unnest(list_distinct(list_transform(hashtags, lambda h: lower(ltrim(h, '#'))))) AS hashtag
    FROM {src}
)
WHERE hashtag <> ''
GROUP BY ALL
ON CONFLICT (hour, hashtag) DO UPDATE SET posts = rollup_hashtag_hour.posts + excluded.posts;

-- name: hashtag_day
INSERT INTO rollup_hashtag_day
SELECT CAST(created_at AS DATE) AS day, country_code, hashtag, $sign * count(*) AS posts
FROM (
    SELECT created_at, coalesce(country_code, '') AS country_code,
           unnest(list_distinct(list_transform(hashtags, lambda h: lower(ltrim(h, '#'))))) AS hashtag
    FROM {src}
)
WHERE hashtag <> ''
GROUP BY ALL
ON CONFLICT (day, country_code, hashtag) DO UPDATE SET
    posts = rollup_hashtag_day.posts + excluded.posts;

-- name: country_names
INSERT INTO country_names
SELECT country_code, max(country_name)
FROM {src}
WHERE country_code IS NOT NULL AND country_name IS NOT NULL AND $sign > 0
GROUP BY country_code
ON CONFLICT (country_code) DO UPDATE SET country_name = excluded.country_name;

-- name: team_hour
INSERT INTO rollup_team_hour
SELECT
    date_trunc('hour', created_at)                                      AS hour,
    team,
    coalesce(country_code, '')                                          AS country_code,
    coalesce(lang, '')                                                  AS lang,
    $sign * count(*)                                                    AS posts,
    $sign * sum(sentiment_compound)                                     AS sentiment_sum,
    $sign * count(*) FILTER (WHERE sentiment_label = 'positive')        AS positive,
    $sign * count(*) FILTER (WHERE sentiment_label = 'neutral')         AS neutral,
    $sign * count(*) FILTER (WHERE sentiment_label = 'negative')        AS negative
FROM (
    SELECT created_at, country_code, lang, sentiment_compound, sentiment_label,
           unnest(list_distinct(teams)) AS team
    FROM {src}
)
GROUP BY ALL
ON CONFLICT (hour, team, country_code, lang) DO UPDATE SET
    posts = rollup_team_hour.posts + excluded.posts,
    sentiment_sum = rollup_team_hour.sentiment_sum + excluded.sentiment_sum,
    positive = rollup_team_hour.positive + excluded.positive,
    neutral = rollup_team_hour.neutral + excluded.neutral,
    negative = rollup_team_hour.negative + excluded.negative;

-- name: hashtag_team_day
INSERT INTO rollup_hashtag_team_day
SELECT CAST(created_at AS DATE) AS day, team, hashtag, $sign * count(*) AS posts
FROM (
    SELECT created_at, team, unnest(tags) AS hashtag
    FROM (
        SELECT created_at, unnest(list_distinct(teams)) AS team,
               list_distinct(list_transform(hashtags, lambda h: lower(ltrim(h, '#')))) AS tags
        FROM {src}
    )
)
WHERE hashtag <> ''
GROUP BY ALL
ON CONFLICT (day, team, hashtag) DO UPDATE SET
    posts = rollup_hashtag_team_day.posts + excluded.posts;
