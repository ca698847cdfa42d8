"""Re-enrichment: posts stored while the users endpoint was failing get their user data later.

A post is never held back because a lookup failed: it is stored marked ``user_lookup_failed``.
Once lookups work again, ``reenrich_pass`` fetches those authors and updates the stored rows
(the store keeps its rollups right, see ``Store.update_enrichment``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hubbub.enrich.enricher import Enricher
from hubbub.models import EnrichedPost, Post, construct_complete
from hubbub.store.base import Store

log = logging.getLogger(__name__)
_POST_FIELDS = tuple(Post.model_fields)


@dataclass(frozen=True, slots=True)
class ReenrichResult:
    checked: int
    fixed: int  # now complete (or the endpoint says the user does not exist)


def as_raw_post(post: EnrichedPost) -> Post:
    """The raw post again, without the user fields a failed lookup left empty."""
    fields = {name: getattr(post, name) for name in _POST_FIELDS}
    return construct_complete(Post, fields)


def reenrich_pass(store: Store, enricher: Enricher, limit: int = 2_000) -> ReenrichResult:
    """Re-enrich up to ``limit`` posts whose user lookup failed; store those that now resolve."""
    stale = store.posts_needing_reenrichment(limit)
    if not stale:
        return ReenrichResult(0, 0)
    fresh = enricher.enrich([as_raw_post(p) for p in stale])
    fixed = [p for p in fresh if p.enrichment_status != "user_lookup_failed"]
    if fixed:
        store.update_enrichment(fixed)
        log.info("re-enriched %d of %d posts whose user lookup had failed", len(fixed), len(stale))
    return ReenrichResult(len(stale), len(fixed))


def reenrich_all(store: Store, enricher: Enricher, batch: int = 2_000) -> ReenrichResult:
    """Passes until nothing more resolves; returns the totals."""
    checked = fixed = 0
    while True:
        result = reenrich_pass(store, enricher, batch)
        checked, fixed = checked + result.checked, fixed + result.fixed
        if result.fixed == 0 or result.checked < batch:
            return ReenrichResult(checked, fixed)
