"""Bearer tokens: issued once, stored only as a hash."""

import hashlib
import secrets

from sqlalchemy import Connection

from retecup.adapters import sql_people
from retecup.domain import identifiers
from retecup.domain.access import Channel, Principal, Role, check_principal_fields
from retecup.domain.errors import InvalidInput, Unauthenticated


def _hash(token: str) -> bytes:
    # Tokens are 256 random bits, so a plain SHA-256 is enough: there is no
    # password to guess, and a fast hash keeps every request cheap.
    return hashlib.sha256(token.encode()).digest()


def create(conn: Connection, role: str, channel: str, cf: str | None = None,
           provider: str | None = None) -> str:
    try:
        role_, channel_ = Role(role), Channel(channel)
    except ValueError as error:
        field = "role" if role not in set(Role) else "channel"
        raise InvalidInput(field, str(error)) from None
    check_principal_fields(role_, cf, provider)
    if cf:
        cf = identifiers.codice_fiscale(cf)
    if provider and not sql_people.provider_exists(conn, provider):
        raise InvalidInput("provider", f"ente {provider} sconosciuto")

    token = secrets.token_urlsafe(32)
    sql_people.insert_principal(conn, _hash(token), role_, channel_, cf, provider)
    return token


def authenticate(conn: Connection, token: str | None) -> Principal:
    if not token:
        raise Unauthenticated("manca il token (Authorization: Bearer ...)")
    row = sql_people.principal_by_hash(conn, _hash(token))
    if row is None:
        raise Unauthenticated("token sconosciuto o revocato")
    return Principal(
        id=row["id"], role=Role(row["role"]), channel=Channel(row["channel"]),
        cf=row["cf"], provider_code=row["provider_code"],
    )
