"""The ``hubbub`` command line. Command code is imported lazily so ``hubbub --help`` is instant.

Every option falls back to the ``HUBBUB_*`` environment variable shown in ``--help`` and then to
the settings' default (see ``hubbub.config.Settings``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="hubbub",
    help="hubbub: what are people saying, where, and how do they feel about it?",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _setup_logging(level: str) -> None:
    from rich.logging import RichHandler

    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(rich_tracebacks=True, show_path=False)],
    )
    for noisy in ("httpx", "httpcore"):  # one line per users-lookup request is noise
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _settings(**overrides: Any) -> Any:
    from pydantic import ValidationError

    from hubbub.config import Settings

    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        lines = [f"  --{'-'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise typer.BadParameter("invalid settings:\n" + "\n".join(lines)) from None


def _check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot listen on {host}:{port} ({exc.strerror}): stop what is using it, "
                f"or pick another port with --port or HUBBUB_PORT"
            ) from None


def _date(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2022-12-05"
        ) from None


Source = Annotated[
    str | None,
    typer.Option(
        help="Where posts come from: sim (World Cup 2022 simulator) or replay (a file).",
        envvar="HUBBUB_SOURCE",
    ),
]
Speed = Annotated[
    float | None,
    typer.Option(
        help="Event-time seconds per wall-clock second; 0 = as fast as possible. "
        "1440 plays a tournament day per minute.",
        envvar="HUBBUB_SPEED",
        min=0,
    ),
]
Start = Annotated[
    str | None, typer.Option(help="First day simulated (YYYY-MM-DD).", envvar="HUBBUB_SIM_START")
]
End = Annotated[
    str | None,
    typer.Option(help="Last day simulated, inclusive (YYYY-MM-DD).", envvar="HUBBUB_SIM_END"),
]
Rate = Annotated[
    float | None,
    typer.Option(help="Simulated volume multiplier.", envvar="HUBBUB_SIM_RATE", min=0.0001),
]
Seed = Annotated[
    int | None,
    typer.Option(help="Simulator seed (same seed, same posts).", envvar="HUBBUB_SIM_SEED"),
]
StorePath = Annotated[
    Path | None,
    typer.Option("--store", help="DuckDB file of the store.", envvar="HUBBUB_STORE_PATH"),
]
Host = Annotated[str | None, typer.Option(help="Address the API listens on.", envvar="HUBBUB_HOST")]
Port = Annotated[
    int | None,
    typer.Option(help="Port of the API and dashboard.", envvar="HUBBUB_PORT", min=1, max=65535),
]
ReplayPath = Annotated[
    Path | None,
    typer.Option(help="File to replay (.jsonl, .csv, .gz).", envvar="HUBBUB_REPLAY_PATH"),
]
ReplayFormat = Annotated[
    str | None,
    typer.Option(
        help="auto, x (X API v2 lines), post (hubbub Post lines) or csv.",
        envvar="HUBBUB_REPLAY_FORMAT",
    ),
]
ReplayMap = Annotated[
    str | None,
    typer.Option(
        "--map",
        help="CSV column mapping, e.g. text=tweet_text,created_at=date.",
        envvar="HUBBUB_REPLAY_MAP",
    ),
]
LogLevel = Annotated[
    str | None, typer.Option(help="DEBUG, INFO, WARNING or ERROR.", envvar="HUBBUB_LOG_LEVEL")
]


@app.command()
def up(
    source: Source = None,
    replay_path: ReplayPath = None,
    replay_format: ReplayFormat = None,
    replay_map: ReplayMap = None,
    speed: Speed = None,
    start: Start = None,
    end: End = None,
    rate: Rate = None,
    seed: Seed = None,
    store: StorePath = None,
    host: Host = None,
    port: Port = None,
    log_level: LogLevel = None,
) -> None:
    """Run the embedded stack (source → enricher → DuckDB → API) until Ctrl-C or SIGTERM."""
    settings = _settings(
        source=source,
        replay_path=replay_path,
        replay_format=replay_format,
        replay_map=replay_map,
        speed=speed,
        sim_start=_date(start),
        sim_end=_date(end),
        sim_rate=rate,
        sim_seed=seed,
        store_path=store,
        host=host,
        port=port,
        log_level=log_level,
    )
    _check_port_free(settings.host, settings.port)
    _setup_logging(settings.log_level)
    from hubbub.embedded import run_embedded

    try:
        summary = run_embedded(settings)
    except (ValueError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc)) from None
    if not summary.clean:
        raise typer.Exit(1)


@app.command()
def serve(
    store: StorePath = None,
    host: Host = None,
    port: Port = None,
    log_level: LogLevel = None,
    create_store: Annotated[
        bool, typer.Option(help="Create an empty store if there is none (e.g. a users endpoint).")
    ] = False,
) -> None:
    """Serve the API and dashboard over an existing store, without running a pipeline.

    With HUBBUB_SOURCE=sim (the default) it also serves the simulator's users at /2/users."""
    settings = _settings(store_path=store, host=host, port=port, log_level=log_level)
    _setup_logging(settings.log_level)
    missing = settings.store != "clickhouse" and not settings.store_path.exists()
    if missing and not create_store:
        raise typer.BadParameter(
            f"no store at {settings.store_path}: run `hubbub up` first (or pass --create-store)"
        )
    settings.store_path.parent.mkdir(parents=True, exist_ok=True)
    import uvicorn

    from hubbub.api.app import create_app
    from hubbub.embedded import WEB_DIST, build_user_directory, match_schedule
    from hubbub.store.factory import open_store

    users = build_user_directory(settings)  # the simulator's users when HUBBUB_SOURCE=sim
    db = open_store(settings)
    db.setup()
    try:
        app_ = create_app(
            db, users=users, ready=lambda: True, static_dir=WEB_DIST, matches=match_schedule()
        )
        uvicorn.run(app_, host=settings.host, port=settings.port)
    finally:
        db.close()


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="JSON Lines file to write (Post shape).")],
    start: Start = None,
    end: End = None,
    rate: Rate = None,
    seed: Seed = None,
) -> None:
    """Write simulated World Cup posts to a JSON Lines file (replay it with --source replay)."""
    from datetime import timedelta

    from rich.progress import Progress

    from hubbub.embedded import _as_datetime
    from hubbub.sources.simulator import WorldCupSimulator

    settings = _settings(sim_start=_date(start), sim_end=_date(end), sim_rate=rate, sim_seed=seed)
    sim = WorldCupSimulator(
        seed=settings.sim_seed,
        start=_as_datetime(settings.sim_start),
        end=_as_datetime(settings.sim_end) + timedelta(days=1),
        rate=settings.sim_rate,
    )
    written = 0
    with out.open("w", encoding="utf-8") as fh, Progress(transient=True) as progress:
        task = progress.add_task("simulating", total=None)
        for batch in sim.batches(5_000):
            fh.writelines(p.model_dump_json() + "\n" for p in batch.posts)
            written += len(batch.posts)
            progress.update(task, advance=len(batch.posts))
    typer.echo(f"wrote {written:,} posts to {out}")


@app.command()
def schema(
    out: Annotated[Path, typer.Option(help="Folder for the JSON Schema files.")] = Path("schemas"),
) -> None:
    """Write the JSON Schema of the topics `tweets` and `tweets.enriched`."""
    from hubbub.schemas import write_schemas

    for path in write_schemas(out):
        typer.echo(f"wrote {path}")


# command modules that reuse the options above (imported last, on purpose)
from hubbub.cli_stream import register_stream_commands  # noqa: E402
from hubbub.cli_superset import app as superset_app  # noqa: E402

register_stream_commands(app)
app.add_typer(superset_app)  # hubbub superset …


def main() -> None:
    app()


if __name__ == "__main__":
    main()
