"""The embedded pipeline: source → topic ``tweets`` → enricher → topic ``tweets.enriched`` → sink.

Each stage is a thread; topics are bounded in-memory queues, so a slow stage slows the ones
before it (backpressure) instead of growing memory. ``request_stop()`` stops the source and
lets the enricher and the sink drain everything already in flight before they exit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hubbub.enrich.enricher import Enricher
from hubbub.metrics import DUPLICATES, FRESHNESS, LAST_INGEST, POSTS_IN, POSTS_OUT
from hubbub.models import EnrichedPost
from hubbub.sources.base import Source, paced
from hubbub.store.base import Store
from hubbub.stream.dlq import DeadLetterSink
from hubbub.stream.freshness import FreshnessSamples
from hubbub.stream.memory import MemoryTopic
from hubbub.stream.reenrich import reenrich_pass
from hubbub.stream.stages import RawMessage, enrich_batch, validate_batch
from hubbub.stream.transport import Envelope, Topic, TopicClosed

log = logging.getLogger(__name__)


@dataclass
class PipelineStats:
    emitted: int = 0  # messages the source put on `tweets` (valid or not)
    source_dead_letters: int = 0
    enriched: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    # (seconds from entering the stream to queryable, posts) per stored micro-batch
    freshness: FreshnessSamples = field(default_factory=FreshnessSamples)

    def freshness_quantile(self, q: float) -> float | None:
        """Post-weighted quantile of freshness, in seconds."""
        return self.freshness.quantile(q)


class EmbeddedPipeline:
    def __init__(
        self,
        source: Source,
        enricher: Enricher,
        store: Store,
        *,
        batch_size: int = 2_000,
        flush_interval_s: float = 0.25,
        sink_batch_size: int = 50_000,
        queue_batches: int = 8,
        speed: float = 0.0,
        reenrich_every_s: float | None = 30.0,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.source, self.enricher, self.store = source, enricher, store
        self.batch_size, self.flush_interval_s, self.speed = batch_size, flush_interval_s, speed
        # The sink writes what has arrived within flush_interval_s, up to sink_batch_size posts:
        # small batches when the stream is calm (fresh), big ones under load (fewer commits).
        self.sink_batch_size = max(sink_batch_size, batch_size)
        self.raw: Topic[RawMessage] = MemoryTopic("tweets", queue_batches)
        self.enriched: Topic[EnrichedPost] = MemoryTopic("tweets.enriched", queue_batches)
        self.dlq = DeadLetterSink(store)
        self.stats = PipelineStats()
        self.error: BaseException | None = None
        self.reenrich_every_s = reenrich_every_s
        self._last_reenrich = time.monotonic()
        self._on_error = on_error
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._guard(self._run_source), name="source", daemon=True),
            threading.Thread(target=self._guard(self._run_enricher), name="enrich", daemon=True),
            threading.Thread(target=self._guard(self._run_sink), name="sink", daemon=True),
        ]

    # --- lifecycle ---
    def start(self) -> EmbeddedPipeline:
        for t in self._threads:
            t.start()
        log.info("pipeline started (batch %d, speed %s)", self.batch_size, self.speed or "max")
        return self

    def request_stop(self) -> None:
        """Stop taking new posts; what is in flight is still enriched and stored."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self.running

    def run(self) -> PipelineStats:
        self.start().join()
        if self.error:
            raise self.error
        return self.stats

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _guard(self, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # a stage died: stop the others, keep the error
                log.exception("stage %s failed", threading.current_thread().name)
                self.error = exc
                self._stop.set()
                self.raw.close()
                self.enriched.close()
                if self._on_error:
                    self._on_error(exc)

        return run

    # --- stages ---
    def _run_source(self) -> None:
        try:
            for batch in paced(self.source.batches(self.batch_size), self.speed):
                if batch.dead_letters:
                    self.dlq.send(batch.dead_letters)
                    self.stats.source_dead_letters += len(batch.dead_letters)
                if batch.posts:
                    self.raw.publish(Envelope(list(batch.posts)))
                    self.stats.emitted += len(batch.posts)
                    POSTS_OUT.labels(stage="source").inc(len(batch.posts))
                if self._stop.is_set():
                    break
        finally:
            self.source.close()
            self.raw.close()
            log.info("source finished: %d posts emitted", self.stats.emitted)

    def _run_enricher(self) -> None:
        while True:
            try:
                envelope = self.raw.consume(timeout=0.1)
            except TopicClosed:
                break
            self._maybe_reenrich()
            if envelope is None:
                continue
            POSTS_IN.labels(stage="enrich").inc(len(envelope.items))
            base = envelope.offset * self.batch_size
            posts, dead = validate_batch(envelope.items, base)
            enriched = enrich_batch(self.enricher, posts, dead)
            self.dlq.send(dead)
            self.stats.dead_letters += len(dead)
            if enriched:
                self.enriched.publish(Envelope(enriched, entered_at=envelope.entered_at))
                self.stats.enriched += len(enriched)
                POSTS_OUT.labels(stage="enrich").inc(len(enriched))
            self.raw.ack(envelope)
        self.enriched.close()

    def _maybe_reenrich(self) -> None:
        """Now and then, retry the user lookups that failed earlier (posts stored, marked)."""
        every = self.reenrich_every_s
        if every is None or time.monotonic() - self._last_reenrich < every:
            return
        self._last_reenrich = time.monotonic()
        try:
            reenrich_pass(self.store, self.enricher, self.batch_size)
        except Exception:
            log.exception("re-enrichment pass failed; will try again in %.0f s", every)

    def _run_sink(self) -> None:
        pending: list[Envelope[EnrichedPost]] = []
        pending_posts = 0
        first_at = 0.0
        closed = False
        while not closed or pending:
            if not closed:
                try:
                    envelope = self.enriched.consume(timeout=self.flush_interval_s / 4)
                except TopicClosed:
                    closed = True
                    envelope = None
                if envelope is not None:
                    if not pending:
                        first_at = time.monotonic()
                    pending.append(envelope)
                    pending_posts += len(envelope.items)
            due = time.monotonic() - first_at >= self.flush_interval_s
            if pending and (closed or pending_posts >= self.sink_batch_size or due):
                self._flush(pending)
                pending, pending_posts = [], 0

    def _flush(self, envelopes: list[Envelope[EnrichedPost]]) -> None:
        posts = [p for e in envelopes for p in e.items]
        POSTS_IN.labels(stage="sink").inc(len(posts))
        result = self.store.write(posts)
        now = time.time()
        for e in envelopes:
            seconds = max(0.0, now - e.entered_at)
            self.stats.freshness.add(seconds, len(e.items))
            FRESHNESS.observe(seconds)
            self.enriched.ack(e)
        duplicates = result.received - result.inserted
        self.stats.stored += result.inserted
        self.stats.duplicates += duplicates
        DUPLICATES.inc(duplicates)
        POSTS_OUT.labels(stage="sink").inc(result.inserted)
        LAST_INGEST.set(now)
