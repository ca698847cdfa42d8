"""The stage steps shared by every transport (embedded queues or Kafka services).

Each step returns what passes on and appends what fails to a list of dead letters, so that the
caller decides where dead letters go (the store's table in embedded mode, ``tweets.dlq`` on Kafka).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hubbub.enrich.enricher import Enricher
from hubbub.models import DeadLetter, EnrichedPost, Post
from hubbub.stream.validate import validate_message

log = logging.getLogger(__name__)
RawMessage = Post | bytes | str


def validate_batch(
    items: Sequence[RawMessage], offset_base: int = 0, *, offsets: Sequence[int] | None = None
) -> tuple[list[Post], list[DeadLetter]]:
    """Posts pass as they are; raw bytes/str are validated against the topic's schema."""
    posts: list[Post] = []
    dead: list[DeadLetter] = []
    for i, item in enumerate(items):
        if isinstance(item, Post):
            posts.append(item)
            continue
        offset = offsets[i] if offsets is not None else offset_base + i
        checked = validate_message(item, offset=offset)
        if isinstance(checked, Post):
            posts.append(checked)
        else:
            dead.append(checked)
    return posts, dead


def enrich_batch(
    enricher: Enricher, posts: Sequence[Post], dead: list[DeadLetter]
) -> list[EnrichedPost]:
    """Enrich a batch; if the batch fails, retry post by post and dead-letter only the culprits."""
    try:
        return enricher.enrich(posts)
    except Exception:
        log.exception("batch enrichment failed; retrying post by post")
    out: list[EnrichedPost] = []
    for post in posts:
        try:
            out.extend(enricher.enrich([post]))
        except Exception as exc:
            dead.append(
                DeadLetter(
                    stage="enrich",
                    reason=f"enrich error: {exc!r}"[:500],
                    raw=post.model_dump_json(),
                    source=post.source,
                )
            )
    return out
