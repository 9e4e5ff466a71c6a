"""Settings, read from `RETECUP_*` environment variables.

Built on first use rather than at import, so that tests and the command line can
set the environment before anything reads it.
"""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETECUP_")

    database_url: str | None = None
    data_dir: Path = Path("var")
    timezone: str = "Europe/Rome"
    horizon_days: int = 180
    hold_minutes: int = 5
    default_radius_km: float = 30.0
    pool_size: int = 10
    log_format: str = "console"
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
