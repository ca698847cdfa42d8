"""Which store a service writes to, chosen by the settings (DuckDB now; ClickHouse next)."""

from __future__ import annotations

from pathlib import Path

from hubbub.config import Settings
from hubbub.store.base import Store


def open_store(settings: Settings, path: Path | None = None) -> Store:
    """The configured store, not yet set up (call ``setup()``). ``path`` overrides the file."""
    from hubbub.store.duckdb import DuckDBStore

    return DuckDBStore(path or settings.store_path)
