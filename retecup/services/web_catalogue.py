"""One service of the catalogue by its code, for the pages."""

from sqlalchemy import Connection

from retecup.adapters import sql_catalogue
from retecup.domain.errors import InvalidInput


def service(conn: Connection, code: str) -> dict:
    found = sql_catalogue.by_code(conn, (code or "").strip().upper())
    if found is None:
        raise InvalidInput("service", f"prestazione {code!r} sconosciuta")
    return found
