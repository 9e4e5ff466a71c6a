"""Brings a database to the newest schema with Alembic."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        # One migration at a time per database, even if two processes start
        # together (say `serve` and `load`).
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7263001)")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
