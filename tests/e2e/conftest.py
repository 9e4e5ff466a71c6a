"""The real application over HTTP, on the session's PostgreSQL database.

`client` speaks HTTP to `create_app(engine)` through Starlette's TestClient:
routing, validation, authentication, problem documents and JSON encoding all
run as in production. `world` builds the rows a test needs, committed, through
tests/factories; requests then go through the API only.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from retecup.api.app import create_app
from tests.e2e import support
from tests.e2e.support import TestClient
from tests.factories import agendas, people, places


@pytest.fixture(scope="session")
def client(engine) -> TestClient:
    # No `with`: the lifespan (background horizon jobs) is not part of a request.
    # A server error comes back as the 500 a real client would see.
    return TestClient(create_app(engine), raise_server_exceptions=False)


@dataclass(frozen=True)
class Agenda:
    id: int
    slots: list[int]
    service: str  # the first service it offers


class World:
    def __init__(self, engine):
        self.engine = engine

    def auth(self, role="contact_center", channel="contact_center", *, cf=None,
             provider=None) -> dict:
        """Headers carrying a fresh bearer token of that role and channel."""
        with self.engine.begin() as conn:
            token = people.token(conn, role, channel, cf, provider)
        return {"Authorization": f"Bearer {token}"}

    def citizen(self, cf: str, channel="web") -> dict:
        return self.auth("citizen", channel, cf=cf)

    def operator(self, provider=places.ASST_NIGUARDA, role="operator") -> dict:
        return self.auth(role, "front_office", provider=provider)

    def admin(self, provider=places.ASST_NIGUARDA) -> dict:
        return self.auth("provider_admin", "front_office", provider=provider)

    def patient(self, comune=places.MILANO) -> str:
        with self.engine.begin() as conn:
            return people.patient(conn, comune)

    def service(self, description="VISITA DI PROVA", kind="visit") -> str:
        with self.engine.begin() as conn:
            places.ensure_reference(conn)
            return support.service(conn, description, kind)

    def agenda(self, **kwargs) -> Agenda:
        """An agenda of the factory; unless told, of a service of its own."""
        kwargs.setdefault("horizon_days", 6)
        if "services" not in kwargs:
            kwargs["services"] = (self.service(),)
        with self.engine.begin() as conn:
            agenda_id = agendas.agenda(conn, **kwargs)
            return Agenda(agenda_id, agendas.free_slots(conn, agenda_id),
                          kwargs["services"][0])


@pytest.fixture
def world(engine) -> World:
    return World(engine)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)
