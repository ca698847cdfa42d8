"""How the ClickHouse store talks to ClickHouse: a tiny executor with two implementations.

``ConnectExecutor`` runs on a ClickHouse server through clickhouse-connect (HTTP);
``ChdbExecutor`` runs the same statements on chdb, ClickHouse in-process, which is what the
tests use. The store only ever calls ``command``, ``query`` and ``insert_arrow``, so every
statement it sends is exercised on chdb.

Parameters use ClickHouse's server-side binding, ``{name:Type}`` in the SQL and a dict of
Python values (str, int, float, date, datetime, lists of those). Datetimes are naive UTC.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.ipc as ipc

from hubbub.store.base import StoreError, StoreUnavailable

Params = Mapping[str, Any]


class Executor(Protocol):
    """Runs SQL in one ClickHouse database (``database``), created if missing."""

    database: str

    def command(self, sql: str, params: Params | None = None) -> None:
        """Run a statement that returns nothing (DDL, INSERT … SELECT)."""
        ...

    def query(self, sql: str, params: Params | None = None) -> pa.Table:
        """Run a SELECT; the result as an Arrow table (DateTime64 columns come back aware UTC)."""
        ...

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        """Insert an Arrow table into ``table`` (columns by name)."""
        ...

    def close(self) -> None: ...


def _text_value(value: Any, *, top: bool) -> str:
    """A parameter value in ClickHouse's text form (what ``param_<name>`` carries over HTTP)."""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return text if top else f"'{text}'"
    if isinstance(value, date):
        return value.isoformat() if top else f"'{value.isoformat()}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_text_value(v, top=False) for v in value) + "]"
    if value is None:
        return "\\N" if top else "NULL"
    text = str(value)
    if top:  # the "escaped" text format: backslash sequences only
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _arrow_stream(data: pa.Table) -> bytes:
    sink = io.BytesIO()
    with ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    return sink.getvalue()


class ChdbExecutor:
    """chdb (in-process ClickHouse) on a directory. One open path per process: close first.

    A lock serialises calls: a chdb session is one connection.
    """

    def __init__(self, path: str | Path, database: str = "hubbub") -> None:
        from chdb import session  # optional dependency, imported when used

        self.database = database
        self.path = str(path)
        Path(self.path).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._session: Any = session.Session(self.path)
            self._session.query(f"CREATE DATABASE IF NOT EXISTS {database}")
            self._session.query(f"USE {database}")
        except Exception as e:  # noqa: BLE001 - chdb raises plain RuntimeError/ChdbError
            raise StoreUnavailable(f"cannot open chdb at {self.path}: {e}") from e

    def _run(self, sql: str, params: Params | None, fmt: str) -> Any:
        text = {k: _text_value(v, top=True) for k, v in (params or {}).items()}
        with self._lock:
            if self._session is None:
                raise StoreUnavailable("the chdb session is closed")
            try:
                return self._session.query(sql, fmt, params=text or None)
            except Exception as e:  # noqa: BLE001
                raise StoreError(f"ClickHouse (chdb) failed: {e}\n{sql[:500]}") from e

    def command(self, sql: str, params: Params | None = None) -> None:
        self._run(sql, params, "CSV")

    def query(self, sql: str, params: Params | None = None) -> pa.Table:
        result: pa.Table = self._run(sql, params, "ArrowTable")
        return result

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        cols = ", ".join(data.column_names)
        payload = _arrow_stream(data)
        with self._lock:
            if self._session is None:
                raise StoreUnavailable("the chdb session is closed")
            try:
                with self._session.send_insert(
                    f"INSERT INTO {table} ({cols})", "ArrowStream"
                ) as ins:
                    ins.append(payload)
                    ins.finish()
            except Exception as e:  # noqa: BLE001
                raise StoreError(f"ClickHouse (chdb) insert into {table} failed: {e}") from e

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


class ConnectExecutor:
    """A ClickHouse server through clickhouse-connect (HTTP; thread-safe, no HTTP session)."""

    def __init__(self, url: str, database: str = "hubbub", **settings: Any) -> None:
        import clickhouse_connect  # optional dependency: the [clickhouse] extra

        self.database = database
        try:
            admin = clickhouse_connect.get_client(dsn=url, autogenerate_session_id=False)
            admin.command(f"CREATE DATABASE IF NOT EXISTS {database}")
            admin.close()
            self._client: Any = clickhouse_connect.get_client(
                dsn=url, database=database, autogenerate_session_id=False, settings=settings
            )
        except Exception as e:  # noqa: BLE001
            raise StoreUnavailable(f"cannot connect to ClickHouse at {url}: {e}") from e

    @staticmethod
    def _params(params: Params | None) -> dict[str, Any]:
        # datetimes as text: the parameter types in the SQL say how to read them (UTC)
        return {
            k: _text_value(v, top=True) if isinstance(v, datetime) else v
            for k, v in (params or {}).items()
        }

    def command(self, sql: str, params: Params | None = None) -> None:
        try:
            self._client.command(sql, parameters=self._params(params))
        except Exception as e:  # noqa: BLE001
            raise StoreError(f"ClickHouse failed: {e}") from e

    def query(self, sql: str, params: Params | None = None) -> pa.Table:
        try:
            result: pa.Table = self._client.query_arrow(
                sql, parameters=self._params(params), use_strings=True
            )
        except Exception as e:  # noqa: BLE001
            raise StoreError(f"ClickHouse query failed: {e}") from e
        return result

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        try:
            self._client.insert_arrow(table, data)
        except Exception as e:  # noqa: BLE001
            raise StoreError(f"ClickHouse insert into {table} failed: {e}") from e

    def close(self) -> None:
        self._client.close()
