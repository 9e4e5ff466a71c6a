"""What every route needs: the database, the caller, the time."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from retecup.domain.access import Principal
from retecup.services import tokens

# Principals are looked up once per token and kept for a short while: a token
# revoked in the database stops working within this many seconds.
PRINCIPAL_TTL_S = 30.0
_principals: dict[str, tuple[float, Principal]] = {}
# auto_error off: a missing token must be our 401 problem, not FastAPI's 403.
_bearer_scheme = HTTPBearer(auto_error=False, description="retecup token create")


@contextmanager
def transaction(request: Request) -> Iterator[Connection]:
    with request.app.state.engine.begin() as conn:
        yield conn


def now() -> datetime:
    return datetime.now(UTC)


def current_principal(
    request: Request,
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)
    ] = None,
) -> Principal:
    token = credentials.credentials.strip() if credentials else None
    cached = _principals.get(token) if token else None
    if cached and cached[0] > time.monotonic():
        return cached[1]

    with request.app.state.engine.connect() as conn:
        principal = tokens.authenticate(conn, token)
    if len(_principals) > 10_000:
        _principals.clear()
    _principals[token] = (time.monotonic() + PRINCIPAL_TTL_S, principal)
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
