"""Which store to use, chosen by the settings: ``HUBBUB_STORE=duckdb|clickhouse|chdb``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from hubbub.config import Settings
from hubbub.store.base import Store


def clickhouse_url(settings: Settings) -> str:
    """The ClickHouse URL with the password from ``HUBBUB_CLICKHOUSE_PASSWORD`` put in."""
    url = settings.clickhouse_url
    if settings.clickhouse_password is None:
        return url
    parts = urlsplit(url)
    user = parts.username or "default"
    host = parts.hostname or "localhost"
    netloc = f"{quote(user)}:{quote(settings.clickhouse_password.get_secret_value())}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def open_store(settings: Settings, path: Path | None = None) -> Store:
    """The configured store, not yet set up (call ``setup()``). ``path`` overrides the file
    (DuckDB) or directory (chdb)."""
    if settings.store == "clickhouse":
        from hubbub.store.clickhouse import ClickHouseStore

        return ClickHouseStore.connect(clickhouse_url(settings), settings.clickhouse_database)
    if settings.store == "chdb":
        from hubbub.store.clickhouse import ClickHouseStore

        return ClickHouseStore.chdb(path or settings.store_path, settings.clickhouse_database)
    from hubbub.store.duckdb import DuckDBStore

    return DuckDBStore(path or settings.store_path)
