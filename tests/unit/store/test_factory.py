"""The store is chosen by configuration, never by editing code."""

from hubbub.config import Settings
from hubbub.store.clickhouse import ClickHouseStore
from hubbub.store.duckdb import DuckDBStore
from hubbub.store.factory import clickhouse_url, open_store


def test_duckdb_is_the_default(tmp_path):
    store = open_store(Settings(store_path=tmp_path / "s.duckdb"))
    assert isinstance(store, DuckDBStore)


def test_chdb_and_clickhouse_by_setting(tmp_path):
    assert isinstance(
        open_store(Settings(store="chdb", store_path=tmp_path / "ch")), ClickHouseStore
    )
    assert isinstance(open_store(Settings(store="clickhouse")), ClickHouseStore)


def test_the_password_secret_goes_into_the_url():
    s = Settings(clickhouse_url="https://analyst@ch.example.com:8443/", clickhouse_password="p@ss")
    assert clickhouse_url(s) == "https://analyst:p%40ss@ch.example.com:8443/"
    assert clickhouse_url(Settings(clickhouse_url="http://h:8123")) == "http://h:8123"
