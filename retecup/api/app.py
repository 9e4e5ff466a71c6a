"""The ASGI application: API version 1 under /api/v1."""

from fastapi import FastAPI
from sqlalchemy import Engine

from retecup import __version__
from retecup.api import metrics, problems
from retecup.api.middleware import RequestContext
from retecup.api.routes import agendas, appointments, availability, patients, reference
from retecup.web import mount

DESCRIPTION = """
Rete regionale di prenotazione delle prestazioni ambulatoriali (CUP regionale).

Ogni chiamata tranne `/api/v1/health` richiede `Authorization: Bearer TOKEN`
(`retecup token create ...`). Gli errori sono `application/problem+json`.
Le tariffe del catalogo dimostrativo sono **illustrative**.
"""


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="retecup", version=__version__, description=DESCRIPTION)
    app.state.engine = engine
    problems.install(app)
    app.add_middleware(RequestContext)
    metrics.install(app)

    for module in (reference, availability, patients, appointments, agendas):
        app.include_router(module.router, prefix="/api/v1")
    mount(app)  # the web pages (retecup.web), served by the same server
    return app
