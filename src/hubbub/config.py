"""One settings object for all of hubbub: environment variables ``HUBBUB_*`` and a ``.env`` file.

CLI flags default to these values, so ``HUBBUB_PORT=9000 hubbub up`` and ``hubbub up --port 9000``
are the same thing.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUBBUB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # where things live
    store: Literal["duckdb", "clickhouse", "chdb"] = "duckdb"
    store_path: Path = Field(Path("data/hubbub.duckdb"), description="DuckDB file of the store")
    clickhouse_url: str = Field("http://localhost:8123", description="ClickHouse HTTP endpoint")
    clickhouse_password: SecretStr | None = None
    clickhouse_database: str = "hubbub"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    # the source of the stream
    source: Literal["sim", "replay", "x", "bluesky"] = "sim"
    replay_path: Path | None = None
    replay_format: Literal["auto", "x", "post", "csv"] = "auto"
    replay_map: str | None = Field(None, description="CSV columns, e.g. text=tweet,created_at=date")
    sim_seed: int = 2022
    sim_start: date = date(2022, 11, 20)
    sim_end: date = date(2022, 12, 18)
    # ``speed``: 0 = as fast as possible; otherwise event-time seconds per wall-clock second
    speed: float = Field(1440.0, ge=0.0)
    sim_rate: float = Field(1.0, gt=0.0, description="volume multiplier of the simulator")

    # the users endpoint (X API v2 users lookup shape). None → hubbub's own, on the API port.
    users_base_url: str | None = None
    users_token: SecretStr | None = None
    users_timeout_s: float = Field(2.0, gt=0)
    users_retries: int = Field(2, ge=0)
    users_cache_size: int = Field(200_000, ge=0)
    users_cache_ttl_s: float = Field(3600.0, ge=0)
    # where looked-up users are cached: in-process LRU, or Redis shared by enricher replicas
    users_cache: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"

    # live sources (each client's base URL is a setting, so tests point them at local fakes)
    x_base_url: str = "https://api.x.com"
    x_bearer_token: SecretStr | None = None
    x_rules: list[str] = Field(default_factory=lambda: ["world cup", "fifa world cup"])
    bluesky_jetstream_url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    bluesky_api_url: str = "https://public.api.bsky.app"
    bluesky_keywords: list[str] = Field(
        default_factory=lambda: ["world cup", "worldcup", "fifa"],
        description="keep posts whose text or hashtags match one of these (empty = all)",
    )
    bluesky_langs: list[str] = Field(
        default_factory=list, description="keep posts in these languages (empty = all)"
    )

    # the pipeline
    batch_size: int = Field(2_000, ge=1)
    flush_interval_s: float = Field(0.25, gt=0)
    queue_batches: int = Field(8, ge=1, description="bounded queue capacity, in batches")
    enrich_workers: int = Field(0, ge=0, description="text-analysis processes (0 = in-thread)")

    # Kafka transport (distributed mode: `hubbub produce | enrich | sink`)
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = (
        "PLAINTEXT"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_ssl_ca_location: str | None = None
    kafka_client_id: str = "hubbub"
    kafka_topic_raw: str = "tweets"
    kafka_topic_enriched: str = "tweets.enriched"
    kafka_topic_dlq: str = "tweets.dlq"
    kafka_partitions: int = Field(6, ge=1)
    kafka_replication_factor: int = Field(1, ge=1)
    kafka_enrich_group: str = "hubbub-enricher"
    kafka_sink_group: str = "hubbub-sink"
    kafka_session_timeout_ms: int = Field(45_000, ge=1_000)
    kafka_consume_timeout_s: float = Field(0.2, gt=0)
    kafka_sink_batch_size: int = Field(10_000, ge=1)
    kafka_metrics_port: int | None = Field(None, ge=0, le=65535)

    # Superset (optional BI; its own venv via `make superset`, driven over its REST API).
    # It reads a read-only snapshot of the store (DuckDB allows one process per file).
    superset_url: str = "http://127.0.0.1:8088"
    superset_username: str = "admin"
    superset_password: SecretStr | None = None
    superset_snapshot_path: Path = Field(
        default=Path("data/bi/hubbub_bi.duckdb"),
        description="BI snapshot of the store Superset reads",
    )
    superset_snapshot_interval_s: float = Field(
        default=0.0, ge=0, description="how often `hubbub up` refreshes the snapshot (0 = never)"
    )
    superset_embed_domains: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"],
        description="origins allowed to embed the dashboard (bootstrap sets them)",
    )
    # guest tokens for the embedded dashboard, served by GET /api/v1/superset/guest-token
    superset_guest_enabled: bool = False
    superset_guest_dashboard: str = Field(
        default="hubbub", description="embedded dashboard uuid, or the dashboard slug to look it up"
    )
    superset_guest_username: str = "hubbub-guest"
    superset_guest_refresh_margin_s: float = Field(
        default=60.0,
        ge=0,
        description="fetch a new guest token this long before the current expires",
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    def users_url(self) -> str:
        return self.users_base_url or f"http://{self.host}:{self.port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
