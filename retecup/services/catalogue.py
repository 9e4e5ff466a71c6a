"""Use case: find services in the catalogue by what people type."""

from sqlalchemy import Connection

from retecup.adapters import sql_catalogue
from retecup.domain.errors import InvalidInput
from retecup.domain.text import fold


def search(conn: Connection, q: str, limit: int) -> list[dict]:
    words = [w for w in fold(q or "").split() if len(w) >= 2]
    if not words:
        raise InvalidInput("q", "scrivere almeno due lettere")

    exact = sql_catalogue.by_code(conn, (q or "").strip().upper())
    found = sql_catalogue.search(conn, words[:6], limit)
    if exact:
        found = [exact] + [s for s in found if s["code"] != exact["code"]]
    return found[:limit]
