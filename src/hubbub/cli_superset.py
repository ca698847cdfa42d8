"""``hubbub superset snapshot | bootstrap | guest-token``: hubbub's side of Superset.

Superset itself runs from its own virtualenv (``make superset``); these commands talk to it over
its REST API and never import it. Superset reads a BI snapshot of the store, not the store:
DuckDB lets only one process open a file, and while ``hubbub up`` runs that process is hubbub.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hubbub.cli import LogLevel, StorePath, _settings, _setup_logging

app = typer.Typer(
    name="superset",
    help="Superset (optional BI): BI snapshot of the store, dashboard bootstrap, guest tokens.",
    no_args_is_help=True,
)

Url = Annotated[str | None, typer.Option(help="Superset's base URL.", envvar="HUBBUB_SUPERSET_URL")]
Username = Annotated[
    str | None,
    typer.Option(help="Superset admin user.", envvar="HUBBUB_SUPERSET_USERNAME"),
]
Password = Annotated[
    str | None,
    typer.Option(help="Superset admin password.", envvar="HUBBUB_SUPERSET_PASSWORD"),
]
Snapshot = Annotated[
    Path | None,
    typer.Option(
        "--snapshot",
        help="The BI snapshot file (DuckDB) Superset reads.",
        envvar="HUBBUB_SUPERSET_SNAPSHOT_PATH",
    ),
]


def _client(settings: Any) -> Any:
    import logging

    from hubbub.superset.client import SupersetClient

    logging.getLogger("httpx").setLevel(logging.WARNING)
    if settings.superset_password is None:
        raise typer.BadParameter(
            "set the Superset password: --password or HUBBUB_SUPERSET_PASSWORD"
        )
    return SupersetClient(
        settings.superset_url,
        settings.superset_username,
        settings.superset_password.get_secret_value(),
    )


@app.command()
def snapshot(store: StorePath = None, out: Snapshot = None) -> None:
    """Write the BI snapshot from a store that no process has open.

    While `hubbub up` runs, it owns the store: set HUBBUB_SUPERSET_SNAPSHOT_INTERVAL_S and the
    running stack refreshes the snapshot itself.
    """
    settings = _settings(store_path=store, superset_snapshot_path=out)
    if not settings.store_path.exists():
        raise typer.BadParameter(f"no store at {settings.store_path}: run `hubbub up` first")
    from hubbub.store.base import StoreUnavailable
    from hubbub.store.duckdb import DuckDBStore
    from hubbub.store.snapshot import write_snapshot

    db = DuckDBStore(settings.store_path)
    try:
        db.setup()
    except StoreUnavailable as exc:
        raise typer.BadParameter(
            f"{exc}\nIs `hubbub up` running? It holds the store; let it refresh the snapshot "
            "(HUBBUB_SUPERSET_SNAPSHOT_INTERVAL_S=60)."
        ) from None
    try:
        result = write_snapshot(db, settings.superset_snapshot_path)
    finally:
        db.close()
    typer.echo(f"wrote {result.posts:,} posts to {result.path} in {result.seconds:.2f}s")


@app.command()
def bootstrap(
    url: Url = None,
    username: Username = None,
    password: Password = None,
    snapshot: Snapshot = None,
    embed: Annotated[
        bool,
        typer.Option(
            help="Enable embedding the dashboard for HUBBUB_SUPERSET_EMBED_DOMAINS' origins."
        ),
    ] = True,
    log_level: LogLevel = None,
) -> None:
    """Create or update hubbub's database, datasets, charts and dashboard in Superset.

    Idempotent: objects are found by name and updated only when they differ.
    """
    settings = _settings(
        superset_url=url,
        superset_username=username,
        superset_password=password,
        superset_snapshot_path=snapshot,
        log_level=log_level,
    )
    _setup_logging(settings.log_level)
    path = settings.superset_snapshot_path
    if not path.exists():
        raise typer.BadParameter(
            f"no BI snapshot at {path}: run `hubbub superset snapshot` (stack stopped) or "
            "`hubbub up` with HUBBUB_SUPERSET_SNAPSHOT_INTERVAL_S set"
        )
    from hubbub.superset.assets import DASHBOARD_SLUG
    from hubbub.superset.bootstrap import bootstrap as run_bootstrap
    from hubbub.superset.client import SupersetError

    with _client(settings) as client:
        try:
            result = run_bootstrap(
                client, path, embed_domains=settings.superset_embed_domains if embed else None
            )
        except SupersetError as exc:
            raise typer.BadParameter(str(exc)) from None
    for o in result.outcomes:
        typer.echo(f"{o.action:<9}  {o.kind:<9}  {o.name}  (id {o.id})")
    base = settings.superset_url.rstrip("/")
    typer.echo(f"dashboard: {base}/superset/dashboard/{DASHBOARD_SLUG}/")
    if result.embedded_uuid:
        typer.echo(f"embedded dashboard id: {result.embedded_uuid}")


@app.command("guest-token")
def guest_token(url: Url = None, username: Username = None, password: Password = None) -> None:
    """Fetch one guest token for the embedded dashboard and print it as JSON (for debugging)."""
    settings = _settings(superset_url=url, superset_username=username, superset_password=password)
    from hubbub.superset.guest_token import GuestTokens

    with _client(settings) as client:
        tokens = GuestTokens(
            client, settings.superset_guest_dashboard, username=settings.superset_guest_username
        )
        token = tokens.get()
    typer.echo(
        json.dumps(
            {
                "token": token.token,
                "dashboard_id": token.dashboard_id,
                "expires_at": token.expires_at,
            }
        )
    )
