"""Every error leaves as application/problem+json (RFC 9457), never a trace."""

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from retecup.domain.errors import RetecupError

log = logging.getLogger(__name__)

TYPE_BASE = "https://retecup.example.org/problems/"
MEDIA_TYPE = "application/problem+json"


def problem(status: int, slug: str, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status,
            "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE,
                        headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RetecupError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _bad_value)
    app.add_exception_handler(Exception, _unexpected)


# The members RFC 9457 defines; an error's own data must not overwrite them
# (StateForbids carries the appointment's `status`, which is not the HTTP one).
_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


async def _domain_error(request: Request, error: RetecupError) -> JSONResponse:
    extra = {k: v for k, v in error.data.items()
             if isinstance(v, (str, int)) and k not in _MEMBERS}
    return problem(error.status, error.slug, error.title, error.detail, **extra)


async def _invalid_request(request: Request, error: RequestValidationError):
    first = error.errors()[0]
    location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query",
                                                                 "path", "header")]
    field = ".".join(location) or "body"
    if first.get("type") == "json_invalid":
        field = "body"
    detail = f"{field}: {first.get('msg', 'valore non valido')}"
    return problem(422, "invalid-input", "Dati non validi", detail, field=field)


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    titles = {404: "Non trovato", 405: "Metodo non consentito"}
    return problem(error.status_code, "http", titles.get(error.status_code, "Errore"),
                   str(error.detail))


async def _bad_value(request: Request, error: DBAPIError) -> JSONResponse:
    # A value the database cannot store (out of range, malformed) that the
    # validation let through: the client's input, not our failure.
    if isinstance(error.orig, psycopg.errors.DataError):
        log.warning("value refused by the database", extra={"path": request.url.path})
        return problem(422, "invalid-input", "Dati non validi",
                       "body: un valore non è accettabile")
    return await _unexpected(request, error)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", extra={"path": request.url.path})
    return problem(500, "internal", "Errore interno",
                   "si è verificato un errore imprevisto; riprovare più tardi")
