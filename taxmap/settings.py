"""One settings object, read from the environment and `.env` (prefix ``TAXMAP_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TAXMAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Root of the demo region and warehouse")
    input_dir: Path | None = Field(None, description="ETL input folder; default: the demo region's input")
    warehouse_dir: Path | None = Field(None, description="Folder holding warehouse.duckdb; default DATA_DIR/warehouse")
    demo_scale: Literal["small", "baoan", "shenzhen"] = "small"
    demo_seed: int = 20261124
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    threads: int | None = Field(None, description="DuckDB threads; default: all cores")
    # DuckDB's share: with the Python side this keeps a Bao'an-scale run under 4 GB (bench/etl_scale.py).
    memory_limit: str = Field("2500MB", description="DuckDB memory limit for the ETL (it spills beyond)")
    linkage_backend: Literal["duckdb", "spark"] = Field(
        "duckdb", description="Where `taxmap etl` runs the Splink linkage: in DuckDB, or on Spark (pyspark + Java)")
    tile_url: str | None = Field(None, description="Base map tile URL template; no base map when unset")
    tile_crs: Literal["WGS84", "GCJ02"] = "WGS84"
    database_url: str | None = Field(
        None, description="The transactional store (users, audit, tasks): SQLAlchemy URL; default SQLite in DATA_DIR")
    env: Literal["development", "production"] = Field(
        "development", description="production: secure cookies, and no start without TAXMAP_SECRET_KEY")
    secret_key: str | None = Field(None, description="Signs the session cookies; required in production")
    session_minutes: int = Field(30, description="A session ends after this many minutes without a request")
    login_max_failures: int = Field(5, description="Failed logins in a row before an account is locked")
    login_lockout_minutes: int = Field(15, description="How long a locked account stays locked")
    photo_dir: Path | None = Field(None, description="Where officers' site photos are kept; default DATA_DIR/photos")
    disclosure_k: int = Field(3, ge=2, description="Cells with fewer taxpayers publish no sensitive figures to "
                                                   "those who may not see single taxpayers (docs/analysis.md)")
    screen_frame_ancestors: str | None = Field(
        None, description="Origins allowed to frame /screen (CSP frame-ancestors), e.g. 'self' https://portal; "
                          "unset: no framing anywhere")
    screen_stale_hours: float = Field(26.0, description="The big screen warns when the data is older than this")
    screen_refresh_seconds: int = Field(5, description="How often the big screen refreshes its numbers")

    @property
    def resolved_photo_dir(self) -> Path:
        return self.photo_dir or self.data_dir / "photos"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'taxmap.sqlite'}"

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo" / self.demo_scale

    @property
    def resolved_input_dir(self) -> Path:
        return self.input_dir or self.demo_dir / "input"

    @property
    def resolved_warehouse_dir(self) -> Path:
        return self.warehouse_dir or self.data_dir / "warehouse"

    @property
    def warehouse_path(self) -> Path:
        return self.resolved_warehouse_dir / "warehouse.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
