"""Agendas with explicit templates, and their slots, built through the service."""

import itertools
import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, text

from retecup.services import agendas
from tests.factories import places

BOOKING_CHANNELS = ["web", "app", "pharmacy", "contact_center", "front_office", "gp"]
_names = itertools.count(1)


def every_day(start="08:00", end="12:00", slot_min=30, capacity=1) -> list[dict]:
    return [{"weekday": d, "start": start, "end": end, "slot_min": slot_min,
             "capacity": capacity} for d in range(7)]


def agenda(
    conn: Connection, *, provider=places.ASST_NIGUARDA, comune=places.MILANO,
    services=(places.CARDIO_VISIT, places.ECG), bands=None,
    valid_from: date | None = None, horizon_days=30, channels=None,
    regime="ssn", access="first", reserve_percent=0, release_days=0,
    now: datetime | None = None,
) -> int:
    """An agenda with one template and its slots generated from `now`."""
    now = now or datetime.now(UTC)
    places.ensure_reference(conn)
    site_id = places.site(conn, provider, comune, f"Ambulatorio {comune}")
    agenda_id = conn.execute(
        text("""INSERT INTO agenda (provider_code, site_id, name, regime, access,
                channels, reserve_percent, reserve_release_days, generated_until)
                VALUES (:p, :s, :n, :r, :a, :c, :rp, :rd, :until) RETURNING id"""),
        {"p": provider, "s": site_id, "n": f"Agenda di prova {next(_names)}",
         "r": regime, "a": access, "c": channels or BOOKING_CHANNELS,
         "rp": reserve_percent, "rd": release_days,
         "until": now.date() + timedelta(days=horizon_days)},
    ).scalar_one()
    for code in services:
        conn.execute(
            text("""INSERT INTO agenda_service (agenda_id, service_code,
                    duration_min) VALUES (:a, :s, 20)"""),
            {"a": agenda_id, "s": code},
        )
    conn.execute(
        text("""INSERT INTO agenda_template (agenda_id, valid_from, bands)
                VALUES (:a, :f, :b)"""),
        {"a": agenda_id, "f": valid_from or now.date() - timedelta(days=1),
         "b": json.dumps(bands or every_day())},
    )
    agendas.regenerate(conn, _locked(conn, agenda_id), now)
    return agenda_id


def _locked(conn: Connection, agenda_id: int) -> dict:
    from retecup.adapters import sql_agendas

    return sql_agendas.lock(conn, agenda_id)


def free_slots(conn: Connection, agenda_id: int) -> list[int]:
    return list(conn.execute(
        text("""SELECT id FROM slot WHERE agenda_id = :a AND open
                AND booked + held < capacity AND starts_at > now()
                ORDER BY starts_at"""),
        {"a": agenda_id},
    ).scalars())
