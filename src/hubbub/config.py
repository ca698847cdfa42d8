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
    store_path: Path = Field(Path("data/hubbub.duckdb"), description="DuckDB file of the store")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    # the source of the stream
    source: Literal["sim", "replay"] = "sim"
    replay_path: Path | None = None
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

    # the pipeline
    batch_size: int = Field(2_000, ge=1)
    flush_interval_s: float = Field(0.25, gt=0)
    queue_batches: int = Field(8, ge=1, description="bounded queue capacity, in batches")

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    def users_url(self) -> str:
        return self.users_base_url or f"http://{self.host}:{self.port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
