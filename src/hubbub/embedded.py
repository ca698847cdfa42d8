"""Composition root of the embedded stack: simulator → enricher → DuckDB → API, in one process.

This is the one module (with the CLI) that knows every part. ``run_embedded`` serves the API with
uvicorn and runs the pipeline beside it; SIGTERM/SIGINT first drain the pipeline (the enricher
still needs the users endpoint while it drains), then stop the server.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from hubbub.config import Settings
from hubbub.models import UserDirectory
from hubbub.sources.base import Source
from hubbub.store.base import Store
from hubbub.stream.pipeline import EmbeddedPipeline

log = logging.getLogger(__name__)
RESUME_OVERLAP = timedelta(minutes=5)  # re-read a little; the store drops what it already has
DUPLICATE_SIGNAL_S = 2.0  # a second stop signal within this is the same request, not "force"
# the built dashboard (`make web`), served at / when present
WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def tune_gc() -> None:
    """Fewer, later garbage collections: the stream allocates millions of short-lived objects
    that reference counting frees anyway; the cyclic GC's frequent young-generation passes cost
    ~30% of throughput at the default threshold (700). Long-lived start-up objects are frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _as_datetime(day: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def build_source(settings: Settings, store: Store, users: Any | None) -> Source:
    if settings.source == "x":
        from hubbub.sources.x_api import XFilteredStream

        return XFilteredStream.from_settings(settings)
    if settings.source == "bluesky":
        from hubbub.sources.bluesky import BlueskyJetstream

        return BlueskyJetstream.from_settings(settings)
    if settings.source == "replay":
        from hubbub.sources.replay import open_replay

        if settings.replay_path is None:
            raise ValueError("--source replay needs --replay-path FILE (or HUBBUB_REPLAY_PATH)")
        if not settings.replay_path.exists():
            raise FileNotFoundError(f"replay file {settings.replay_path} does not exist")
        return open_replay(settings.replay_path, settings.replay_format, settings.replay_map)
    from hubbub.sources.simulator import WorldCupSimulator

    last = store.stats().get("last_created_at")  # RFC 3339 text, or None for an empty store
    resume_after = (
        datetime.fromisoformat(last.replace("Z", "+00:00")) - RESUME_OVERLAP if last else None
    )
    if resume_after:
        log.info("resuming the simulator after %s (already stored up to %s)", resume_after, last)
    return WorldCupSimulator(
        seed=settings.sim_seed,
        start=_as_datetime(settings.sim_start),
        end=_as_datetime(settings.sim_end) + timedelta(days=1),
        rate=settings.sim_rate,
        users=users,
        resume_after=resume_after,
    )


def build_user_directory(settings: Settings) -> UserDirectory | None:
    if settings.source != "sim":
        return None
    from hubbub.sources.users_pool import UserPool

    return UserPool(seed=settings.sim_seed)


def build_pipeline(settings: Settings, store: Store, users: Any | None) -> EmbeddedPipeline:
    from hubbub.enrich.enricher import Enricher
    from hubbub.enrich.users import UserLookupClient

    source = build_source(settings, store, users)
    from hubbub.enrich.text_analysis import TextAnalyzer

    texts = TextAnalyzer(workers=settings.enrich_workers)
    lookup: Any
    if settings.source == "bluesky":  # authors are Bluesky DIDs: ask Bluesky's profile API
        from hubbub.enrich.directory_lookup import DirectoryLookup
        from hubbub.sources.bluesky_profiles import BlueskyProfiles

        lookup = DirectoryLookup(BlueskyProfiles(settings.bluesky_api_url))
    else:
        lookup = UserLookupClient.from_settings(settings)
    enricher = Enricher(lookup, texts=texts)
    enricher.warm_up()
    return EmbeddedPipeline(
        source,
        enricher,
        store,
        batch_size=settings.batch_size,
        flush_interval_s=settings.flush_interval_s,
        queue_batches=settings.queue_batches,
        speed=settings.speed if settings.source in ("sim", "replay") else 0.0,  # live: as it comes
    )


def match_schedule() -> list[dict[str, Any]]:
    """The World Cup 2022 matches as plain data for the API's timeline markers (the API
    never imports sources)."""
    from hubbub.sources.worldcup import matches, teams

    tm = teams()
    out = []
    for m in matches():
        home, away = tm.get(m.home), tm.get(m.away)
        out.append(
            {
                "number": m.number,
                "stage": m.stage,
                "home": m.home,
                "away": m.away,
                "home_iso2": home.iso2 if home else None,
                "away_iso2": away.iso2 if away else None,
                "home_code": home.code if home else None,
                "away_code": away.code if away else None,
                "home_score": m.home_score,
                "away_score": m.away_score,
                "shootout": m.shootout,
                "kickoff": m.kickoff,
                "end": m.kickoff + timedelta(minutes=m.duration),
                "goals": [
                    {
                        "at": m.kickoff + timedelta(minutes=g.offset),
                        "minute": g.minute,
                        "side": g.side,
                        "scorer": g.scorer,
                        "penalty": g.penalty,
                        "own_goal": g.own_goal,
                    }
                    for g in m.goals
                ],
            }
        )
    return out


@dataclass
class RunSummary:
    started_at: str
    stopped_at: str
    emitted: int
    stored: int
    duplicates: int
    dead_letters: int
    clean: bool


class _DrainingServer(uvicorn.Server):
    """A uvicorn server whose first exit signal drains the pipeline before the server stops."""

    def __init__(self, config: uvicorn.Config, pipeline: EmbeddedPipeline) -> None:
        super().__init__(config)
        self.pipeline = pipeline
        self._first_signal_at: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if self._first_signal_at is None:
            self._first_signal_at = now
            log.info("signal %s: draining the pipeline, then stopping the server", sig)
            threading.Thread(target=self._drain_then_exit, name="drain", daemon=True).start()
        elif now - self._first_signal_at < DUPLICATE_SIGNAL_S:
            # the same stop delivered twice (Ctrl-C reaches make, uv and hubbub; uv forwards it)
            log.debug("signal %s again within %.0f s: still draining", sig, DUPLICATE_SIGNAL_S)
        else:  # asked again, later: stop now without draining
            log.warning("signal %s again: exiting without draining", sig)
            super().handle_exit(sig, frame)

    def _drain_then_exit(self) -> None:
        self.pipeline.request_stop()
        self.pipeline.join(timeout=120)
        self.should_exit = True


def _bi_snapshot_refresher(settings: Settings, store: Store) -> Any | None:
    """A timer that copies the DuckDB store to a read-only BI snapshot (Superset reads that:
    DuckDB lets no other process open the live file). Off unless the interval is > 0."""
    from hubbub.store.duckdb import DuckDBStore

    if settings.superset_snapshot_interval_s <= 0 or not isinstance(store, DuckDBStore):
        return None
    from hubbub.store.snapshot import SnapshotRefresher

    return SnapshotRefresher(
        store, settings.superset_snapshot_path, settings.superset_snapshot_interval_s
    )


def run_embedded(settings: Settings) -> RunSummary:
    """Run the whole embedded stack until SIGTERM/SIGINT; returns what happened."""
    from hubbub.api.app import create_app
    from hubbub.store.factory import open_store

    settings.store_path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    store.setup()
    try:
        users = build_user_directory(settings)
        pipeline = build_pipeline(settings, store, users)
    except BaseException:
        store.close()
        raise
    started = threading.Event()
    app = create_app(
        store,
        users=users,
        ready=lambda: started.is_set() and pipeline.error is None,
        static_dir=WEB_DIST,
        matches=match_schedule(),
    )
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", access_log=False
    )
    server = _DrainingServer(config, pipeline)
    refresher = _bi_snapshot_refresher(settings, store)

    def start_pipeline_when_serving() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            pipeline.start()
            started.set()
            if refresher:
                refresher.start()
            log.info("serving on http://%s:%d (docs at /docs)", settings.host, settings.port)

    tune_gc()
    began = datetime.now(UTC)
    threading.Thread(target=start_pipeline_when_serving, name="starter", daemon=True).start()
    try:
        server.run()
    finally:
        pipeline.request_stop()
        clean = pipeline.join(timeout=120) and pipeline.error is None
        pipeline.enricher.close()
        if refresher:
            refresher.stop(final=True)
        store.close()
    s = pipeline.stats
    summary = RunSummary(
        started_at=began.isoformat(),
        stopped_at=datetime.now(UTC).isoformat(),
        emitted=s.emitted,
        stored=s.stored,
        duplicates=s.duplicates,
        dead_letters=s.dead_letters + s.source_dead_letters,
        clean=clean,
    )
    summary_path = Path(f"{settings.store_path}.last-run.json")
    summary_path.write_text(json.dumps(asdict(summary), indent=2))
    log.info(
        "stopped %s: %d emitted, %d stored, %d duplicates, %d dead letters (summary in %s)",
        "cleanly" if clean else "WITH ERRORS",
        summary.emitted,
        summary.stored,
        summary.duplicates,
        summary.dead_letters,
        summary_path,
    )
    return summary
