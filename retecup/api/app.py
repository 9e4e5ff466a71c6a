"""The ASGI application: API version 1 under /api/v1."""

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
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

FAVICON_URL = "/static/favicon.svg"


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="retecup", version=__version__, description=DESCRIPTION,
                  docs_url=None)
    app.state.engine = engine
    problems.install(app)
    app.add_middleware(RequestContext)
    metrics.install(app)
    _docs(app)

    for module in (reference, availability, patients, appointments, agendas):
        app.include_router(module.router, prefix="/api/v1")
    mount(app)  # the web pages (retecup.web), served by the same server
    return app


def _docs(app: FastAPI) -> None:
    """The OpenAPI page, with its scripts served from here, not from a CDN:
    regional networks often run where the internet is not reachable."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title="retecup – API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url=FAVICON_URL,
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse(FAVICON_URL, status_code=301)
