"""Wiring: settings, logs, database and the web application, in one place."""

from fastapi import FastAPI

from retecup import logs
from retecup.adapters.database import get_engine
from retecup.adapters.migrate import upgrade
from retecup.config import get_settings


def application() -> FastAPI:
    """The server's app, on the configured (or embedded) database, migrated."""
    from retecup.api.app import create_app

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    engine = get_engine()
    upgrade(engine)
    return create_app(engine)
