"""``hubbub produce | enrich | sink | topics``: the distributed mode's services on Kafka.

Each is one OS process; run as many ``enrich`` and ``sink`` replicas as the topics have
partitions. Settings come from ``HUBBUB_KAFKA_*`` (see ``hubbub.config.Settings``); SIGTERM or
Ctrl-C finishes the batch in flight, commits and leaves the consumer group.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from hubbub.cli import (
    End,
    LogLevel,
    Rate,
    ReplayPath,
    Seed,
    Source,
    Speed,
    Start,
    StorePath,
    _date,
    _settings,
    _setup_logging,
)

log = logging.getLogger(__name__)

Bootstrap = Annotated[
    str | None,
    typer.Option(help="Kafka bootstrap servers (host:port,…).",
                 envvar="HUBBUB_KAFKA_BOOTSTRAP_SERVERS"),
]
Partitions = Annotated[
    int | None,
    typer.Option(help="Partitions of topics created when missing.",
                 envvar="HUBBUB_KAFKA_PARTITIONS", min=1),
]
MetricsPort = Annotated[
    int | None,
    typer.Option(help="Serve Prometheus /metrics on this port (0/none = off).",
                 envvar="HUBBUB_KAFKA_METRICS_PORT", min=0, max=65535),
]
BatchSize = Annotated[
    int | None, typer.Option(help="Messages per batch.", envvar="HUBBUB_BATCH_SIZE", min=1)
]


def _start(settings: Any) -> Any:
    """Logging, metrics endpoint and the stop flag of a service."""
    _setup_logging(settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per users lookup otherwise
    if settings.kafka_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.kafka_metrics_port, addr=settings.host)
        log.info("metrics on http://%s:%d/metrics", settings.host, settings.kafka_metrics_port)
    from hubbub.stream.services import StopFlag

    return StopFlag().install()


def _fail(exc: Exception) -> typer.Exit:
    log.error("%s: %s", type(exc).__name__, exc)
    return typer.Exit(1)


def build_source(settings: Any) -> Any:
    """The producer's source: the simulator, or a file replay (no store to resume from here: a
    restarted producer sends again, and the sink drops what it already stored)."""
    if settings.source == "replay":
        from hubbub.sources.replay import open_replay

        if settings.replay_path is None:
            raise typer.BadParameter("--source replay needs --replay-path FILE")
        return open_replay(settings.replay_path)
    from datetime import timedelta

    from hubbub.embedded import _as_datetime
    from hubbub.sources.simulator import WorldCupSimulator

    return WorldCupSimulator(
        seed=settings.sim_seed,
        start=_as_datetime(settings.sim_start),
        end=_as_datetime(settings.sim_end) + timedelta(days=1),
        rate=settings.sim_rate,
    )


def produce(
    source: Source = None,
    replay_path: ReplayPath = None,
    speed: Speed = None,
    start: Start = None,
    end: End = None,
    rate: Rate = None,
    seed: Seed = None,
    bootstrap_servers: Bootstrap = None,
    partitions: Partitions = None,
    batch_size: BatchSize = None,
    metrics_port: MetricsPort = None,
    log_level: LogLevel = None,
) -> None:
    """Publish posts from a source to the topic `tweets` (key = post id)."""
    settings = _settings(
        source=source, replay_path=replay_path, speed=speed, sim_start=_date(start),
        sim_end=_date(end), sim_rate=rate, sim_seed=seed,
        kafka_bootstrap_servers=bootstrap_servers, kafka_partitions=partitions,
        batch_size=batch_size, kafka_metrics_port=metrics_port, log_level=log_level,
    )
    stop = _start(settings)
    from hubbub.stream.services import run_producer

    try:
        run_producer(build_source(settings), settings, stop)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        raise _fail(exc) from None


def enrich(
    bootstrap_servers: Bootstrap = None,
    partitions: Partitions = None,
    group: Annotated[
        str | None, typer.Option(help="Consumer group.", envvar="HUBBUB_KAFKA_ENRICH_GROUP")
    ] = None,
    users_url: Annotated[
        str | None,
        typer.Option(help="Base URL of the users endpoint (X API v2 shape).",
                     envvar="HUBBUB_USERS_BASE_URL"),
    ] = None,
    batch_size: BatchSize = None,
    metrics_port: MetricsPort = None,
    log_level: LogLevel = None,
) -> None:
    """Consume `tweets`, enrich, publish to `tweets.enriched`; invalid messages → `tweets.dlq`."""
    settings = _settings(
        kafka_bootstrap_servers=bootstrap_servers, kafka_partitions=partitions,
        kafka_enrich_group=group, users_base_url=users_url, batch_size=batch_size,
        kafka_metrics_port=metrics_port, log_level=log_level,
    )
    stop = _start(settings)
    from hubbub.enrich.enricher import Enricher
    from hubbub.enrich.text_analysis import TextAnalyzer
    from hubbub.enrich.users import UserLookupClient
    from hubbub.stream.services import run_enricher

    enricher = Enricher(
        UserLookupClient.from_settings(settings),
        texts=TextAnalyzer(workers=settings.enrich_workers),
    )
    enricher.warm_up()  # build the lookup tables before joining the group, not on batch one
    try:
        run_enricher(enricher, settings, stop)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from None
    finally:
        enricher.close()


def sink(
    store: StorePath = None,
    bootstrap_servers: Bootstrap = None,
    partitions: Partitions = None,
    group: Annotated[
        str | None, typer.Option(help="Consumer group.", envvar="HUBBUB_KAFKA_SINK_GROUP")
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Messages per store write.", envvar="HUBBUB_KAFKA_SINK_BATCH_SIZE",
                     min=1),
    ] = None,
    metrics_port: MetricsPort = None,
    log_level: LogLevel = None,
) -> None:
    """Consume `tweets.enriched` (and `tweets.dlq`) and write batches to the store."""
    settings = _settings(
        store_path=store, kafka_bootstrap_servers=bootstrap_servers, kafka_partitions=partitions,
        kafka_sink_group=group, kafka_sink_batch_size=batch_size,
        kafka_metrics_port=metrics_port, log_level=log_level,
    )
    stop = _start(settings)
    from hubbub.store.factory import open_store
    from hubbub.stream.services import run_sink

    db = open_store(settings)
    db.setup()
    try:
        stats = run_sink(db, settings, stop)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    summary = Path(f"{settings.store_path}.sink-last-run.json")
    summary.write_text(json.dumps(stats.summary(), indent=2))


def topics(
    bootstrap_servers: Bootstrap = None,
    partitions: Partitions = None,
    log_level: LogLevel = None,
) -> None:
    """Create the topics that are missing and list them with their partitions."""
    settings = _settings(
        kafka_bootstrap_servers=bootstrap_servers, kafka_partitions=partitions,
        log_level=log_level,
    )
    _setup_logging(settings.log_level)
    from hubbub.stream.kafka import ensure_topics

    try:
        found = ensure_topics(settings)
    except Exception as exc:  # noqa: BLE001 - any broker error is reported the same way
        raise _fail(exc) from None
    for name, count in found.items():
        typer.echo(f"{name}\t{count} partitions")


def register_stream_commands(app: typer.Typer) -> None:
    for command in (produce, enrich, sink, topics):
        app.command()(command)
