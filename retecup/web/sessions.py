"""Browser sessions kept on the server, and the CSRF token each one carries.

The cookie holds 256 random bits; the table holds their SHA-256, so a copy of
the table opens no session. Every visitor of a page with a form gets a session
(signed in or not) so that every POST, sign-in included, carries the token.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from retecup.domain.access import Channel, Principal, Role
from retecup.web import store
from retecup.web.settings import get_web_settings

COOKIE = "retecup_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass
class WebSession:
    id_hash: bytes
    csrf: str
    principal: Principal | None = None
    area: str | None = None
    flash: str | None = None
    new_cookie: str | None = None


class LoginRequired(Exception):
    """Raised by a page that needs a signed-in user of `area`."""

    def __init__(self, area: str, next_url: str):
        self.area = area
        self.next_url = next_url


class CsrfRejected(Exception):
    """A form came without this session's token (stale page or forgery)."""


def _hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def now() -> datetime:
    return datetime.now(UTC)


def load(request: Request) -> WebSession:
    """The visitor's session, created (not yet signed in) if there is none."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached

    engine = request.app.state.engine
    cookie = request.cookies.get(COOKIE)
    with engine.begin() as conn:
        row = store.session(conn, _hash(cookie), now()) if cookie else None
        session = _from_row(row) if row else _create(conn)
    request.state.web_session = session
    return session


def _from_row(row: dict) -> WebSession:
    principal = None
    if row["principal_id"] and row["revoked_at"] is None:
        principal = Principal(
            id=row["principal_id"], role=Role(row["role"]),
            channel=Channel(row["channel"]), cf=row["cf"],
            provider_code=row["provider_code"],
        )
    return WebSession(row["id_hash"], row["csrf_token"], principal,
                      row["area"] if principal else None, row["flash"])


def _create(conn) -> WebSession:
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    hours = get_web_settings().session_hours
    id_hash = _hash(cookie)
    store.insert_session(conn, id_hash, csrf, now(), now() + timedelta(hours=hours))
    return WebSession(id_hash, csrf, new_cookie=cookie)


def sign_in(request: Request, conn, principal_id: int, area: str) -> None:
    """Binds the principal to a fresh session id (no session fixation)."""
    old = load(request)
    store.delete_session(conn, old.id_hash)
    store.purge_expired(conn, now())
    fresh = _create(conn)
    store.sign_in(conn, fresh.id_hash, principal_id, area)
    request.state.web_session = fresh


def sign_out(request: Request, conn) -> None:
    session = load(request)
    store.delete_session(conn, session.id_hash)
    if session.principal and session.area == "citizen":
        # A citizen's web principal exists only for this session.
        store.revoke_principal(conn, session.principal.id, now())
    request.state.web_session = _create(conn)


def flash(request: Request, message: str) -> None:
    """A message for the next page this session shows (after a redirect)."""
    with request.app.state.engine.begin() as conn:
        store.set_flash(conn, load(request).id_hash, message)


def pop_flash(request: Request) -> str | None:
    session = load(request)
    message, session.flash = session.flash, None
    if message:
        with request.app.state.engine.begin() as conn:
            store.set_flash(conn, session.id_hash, None)
    return message


def attach_cookie(request: Request, response: Response) -> Response:
    session = getattr(request.state, "web_session", None)
    if session is not None and session.new_cookie:
        response.set_cookie(
            COOKIE, session.new_cookie, httponly=True, samesite="lax",
            secure=get_web_settings().cookie_secure, path="/",
            max_age=get_web_settings().session_hours * 3600,
        )
    return response


def current(request: Request) -> WebSession:
    # A plain function, so FastAPI runs the database read in its thread pool.
    return load(request)


async def check_csrf(request: Request,
                     session: Annotated[WebSession, Depends(current)]) -> None:
    """Dependency of every POST page: the form's token must be the session's."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(str(sent), session.csrf):
        raise CsrfRejected()


def signed_in(area: str):
    """Dependency factory: the principal of a session signed in to `area`."""

    def dependency(request: Request) -> Principal:
        session = load(request)
        if session.principal is None or session.area != area:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            raise LoginRequired(area, target)
        return session.principal

    return Depends(dependency)


Csrf = Depends(check_csrf)
