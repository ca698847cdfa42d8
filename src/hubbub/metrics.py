"""Prometheus metrics shared by the stages and served by the API at ``/metrics``.

Stages count into these; the API only renders the registry, so it never imports the stream.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

POSTS_IN = Counter("hubbub_stage_posts_in_total", "Posts received by a stage", ["stage"])
POSTS_OUT = Counter("hubbub_stage_posts_out_total", "Posts passed on by a stage", ["stage"])
DUPLICATES = Counter("hubbub_sink_duplicates_total", "Posts already stored (dropped by id)")
DEAD_LETTERS = Counter(
    "hubbub_dead_letters_total", "Messages sent to the dead-letter sink", ["stage", "reason"]
)
QUEUE_DEPTH = Gauge("hubbub_queue_depth_batches", "Batches waiting in a stage's queue", ["queue"])
USER_LOOKUPS = Counter(
    "hubbub_user_lookups_total", "User lookups by outcome", ["outcome"]
)  # outcome: cache_hit, fetched, not_found, failed
FRESHNESS = Histogram(
    "hubbub_freshness_seconds",
    "Seconds from a post entering the stream to being queryable in the store",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
LAST_INGEST = Gauge("hubbub_last_ingest_timestamp_seconds", "Unix time of the last stored batch")
