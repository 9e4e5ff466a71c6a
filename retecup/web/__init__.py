"""The web pages: the citizen's area at / and the operator console at /operatore.

`mount(app)` adds the pages, their static files and their error pages to the
API application, so one server serves both. Pages call the services directly,
in one transaction each, as the API routes do; they never call the API.
"""

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response

from retecup.domain.errors import RetecupError
from retecup.web import headers, sessions
from retecup.web.messages import explain
from retecup.web.render import redirect, render
from retecup.web.settings import get_web_settings

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    from retecup.web.routes import admin, citizen, operator, operator_booking

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (citizen, admin, operator_booking, operator):
        app.include_router(module.router)
    _install_error_pages(app)
    headers.install(app, is_page)
    if get_web_settings().demo:
        log.warning("web pages in demo mode: one-time codes are shown on the "
                    "page, not sent; set RETECUP_WEB_DEMO=false in production")


def is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path.startswith("/static/")
                or path in ("/docs", "/redoc", "/openapi.json"))


def _install_error_pages(app: FastAPI) -> None:
    # The API keeps its problem+json; a page gets an Italian page instead.
    api_handlers = dict(app.exception_handlers)

    def for_pages(kind, page_handler):
        api_handler = api_handlers.get(kind)

        async def handler(request: Request, error: Exception) -> Response:
            if is_page(request) or api_handler is None:
                return await page_handler(request, error)
            return await api_handler(request, error)

        app.add_exception_handler(kind, handler)

    for_pages(RetecupError, _domain_error)
    for_pages(HTTPException, _http_error)
    for_pages(RequestValidationError, _invalid_request)
    for_pages(Exception, _unexpected)
    app.add_exception_handler(sessions.LoginRequired, _login_required)
    app.add_exception_handler(sessions.CsrfRejected, _csrf_rejected)


async def _domain_error(request: Request, error: RetecupError) -> Response:
    return _error_page(request, error.status, error.title, explain(error))


async def _http_error(request: Request, error: HTTPException) -> Response:
    if error.status_code == 404:
        return _error_page(request, 404, "Pagina non trovata",
                           "L'indirizzo non corrisponde a nessuna pagina.")
    if error.status_code == 422:
        return _error_page(request, 422, "Dati non validi",
                           "Alcuni dati del modulo mancano o non sono validi.")
    return _error_page(request, error.status_code, "Richiesta non valida",
                       "La richiesta non può essere soddisfatta.")


async def _invalid_request(request: Request, error: Exception) -> Response:
    return _error_page(request, 422, "Dati non validi",
                       "Alcuni dati del modulo mancano o non sono validi: torni "
                       "indietro e controlli.")


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on a page", extra={"path": request.url.path})
    return _error_page(request, 500, "Errore imprevisto",
                       "Si è verificato un errore imprevisto; riprovi più tardi.")


async def _login_required(request: Request, error: sessions.LoginRequired):
    operator = error.area == "operator"
    login = "/operatore/accedi" if operator else "/accedi"
    # After signing in, only a page can be shown again, not a form's POST.
    back = error.next_url if request.method == "GET" else (
        "/operatore" if operator else "/")
    return redirect(request, f"{login}?next={quote(back)}")


async def _csrf_rejected(request: Request, error: sessions.CsrfRejected):
    return _error_page(request, 403, "Modulo scaduto",
                       "La pagina era rimasta aperta troppo a lungo o la sessione "
                       "è cambiata. Torni indietro, ricarichi la pagina e riprovi.")


def _error_page(request: Request, status: int, title: str, message: str):
    try:
        return render(request, "error.html", status=status, title=title,
                      message=message)
    except Exception:  # the database may be what failed; still no trace
        log.exception("error page could not be rendered")
        return Response(f"{title}. {message}", status_code=status,
                        media_type="text/plain; charset=utf-8")
