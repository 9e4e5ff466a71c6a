"""What the HTTP tests share: problem checks, Rome times, snapshots, services.

`services` adds catalogue rows of our own beside tests/factories/places.py: a
fresh code per call keeps an availability test's offers to the agendas it built,
since every test commits to one database shared by the whole session.
"""

import re
import uuid
import warnings
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from retecup.domain.schedule import ROME
from retecup.domain.text import fold

# Starlette 1.x warns that it would rather drive httpx2 than the httpx the
# project pins for tests; the warning is about Starlette's future, not ours, and
# warnings are errors here. TODO: pin httpx2 in the test extra and drop this.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette")
    from fastapi.testclient import TestClient  # noqa: F401  (re-exported)

PROBLEM = "application/problem+json"
_ROME_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+0[12]:00")
_TRACE = re.compile(r"Traceback|File \"|\.py\b|sqlalchemy|psycopg|SELECT ", re.I)


def problem(response, status: int, field: str | None = None) -> dict:
    """Asserts an RFC 9457 problem that names `field` and leaks no internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    if field is not None:
        assert field in body["detail"], body["detail"]
    assert not _TRACE.search(response.text), response.text
    return body


def book(client, headers: dict, cf: str, slot_id: int, service: str,
         **extra) -> dict:
    """Books through the API and returns the 201 body."""
    response = client.post("/api/v1/appointments", headers=headers, json={
        "patient_cf": cf, "slot_id": slot_id, "service": service, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def rome_time(value: str) -> datetime:
    """Parses an ISO 8601 time that must carry Europe/Rome's offset."""
    assert _ROME_ISO.fullmatch(value), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == parsed.astimezone(ROME).utcoffset(), value
    return parsed


def snapshot(engine: Engine, *slot_ids: int) -> tuple:
    """Everything a refused request must leave as it was."""
    with engine.connect() as conn:
        totals = conn.execute(text("""
            SELECT (SELECT count(*) FROM appointment),
                   (SELECT md5(coalesce(string_agg(
                        id || status || slot_id, ',' ORDER BY id), ''))
                    FROM appointment),
                   (SELECT count(*) FROM appointment_event),
                   (SELECT count(*) FROM outbox),
                   (SELECT count(*) FROM slot_hold),
                   (SELECT count(*) FROM patient),
                   (SELECT count(*) FROM idempotency),
                   (SELECT count(*) FROM agenda_template),
                   (SELECT count(*) FROM agenda_closure),
                   (SELECT md5(string_agg(id || status, ',' ORDER BY id))
                    FROM agenda)
        """)).one()
        slots = conn.execute(
            text("""SELECT id, booked, held, overbooked, open FROM slot
                    WHERE id = ANY(:ids) ORDER BY id"""),
            {"ids": list(slot_ids)},
        ).all()
    return tuple(totals), [tuple(s) for s in slots]


def slot_counters(engine: Engine, slot_id: int) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(
            text("SELECT booked, held, overbooked FROM slot WHERE id = :s"),
            {"s": slot_id}).one())


def new_nre() -> str:
    """A Lombardy NRE no other test uses: an NRE books a service once, ever."""
    return "030" + uuid.uuid4().hex[:12].upper()


def service(conn: Connection, description: str, kind: str = "visit") -> str:
    """A catalogue service no other test offers; returns its code."""
    code = f"E2E.{uuid.uuid4().hex[:6].upper()}"
    conn.execute(
        text("""INSERT INTO service (code, description, branch_code, kind,
                tariff_cents, tariff_source, duplicate_group, search_text)
                VALUES (:c, :d, '02', :k, 2000, 'illustrative', :c, :s)"""),
        {"c": code, "d": description, "k": kind,
         "s": fold(f"{code} {description}")},
    )
    return code


SONDRIO = "014061"  # about 100 km from Milan, outside any default radius


def ensure_sondrio(conn: Connection) -> None:
    conn.execute(text("""
        INSERT INTO comune (istat, name, province, belfiore, is_capital, lat, lon,
                            population)
        VALUES ('014061', 'Sondrio', 'SO', 'I829', true, 46.180347, 9.856893,
                21066)
        ON CONFLICT DO NOTHING"""))


# Real rows of the national catalogue, for the search tests.
CATALOGUE = [
    ("88.76.1", "ECOGRAFIA DELL'ADDOME COMPLETO", "diagnostic"),
    ("89.7A.7", "PRIMA VISITA DERMATOLOGICA/ALLERGOLOGICA", "visit"),
    ("89.13", "PRIMA VISITA NEUROLOGICA [NEUROCHIRURGICA]", "visit"),
]


def ensure_catalogue(conn: Connection) -> None:
    for code, description, kind in CATALOGUE:
        conn.execute(
            text("""INSERT INTO service (code, description, branch_code, kind,
                    tariff_cents, tariff_source, duplicate_group, search_text)
                    VALUES (:c, :d, NULL, :k, 3000, 'illustrative', :c, :s)
                    ON CONFLICT DO NOTHING"""),
            {"c": code, "d": description, "k": kind,
             "s": fold(f"{code} {description}")},
        )
