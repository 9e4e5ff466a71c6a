"""Agendas, their templates and closures, and the regeneration of their slots."""

import json
from datetime import date, datetime, time

from sqlalchemy import Connection, text

from retecup.domain.schedule import Band, Closure, SlotTime, Template


def lock(conn: Connection, agenda_id: int) -> dict | None:
    row = conn.execute(
        text("""SELECT a.*, st.comune_istat, c.province, c.is_capital
                FROM agenda a JOIN site st ON st.id = a.site_id
                JOIN comune c ON c.istat = st.comune_istat
                WHERE a.id = :id FOR UPDATE OF a"""),
        {"id": agenda_id},
    ).mappings().first()
    return dict(row) if row else None


def listing(conn: Connection, provider: str | None, limit: int, offset: int) -> list:
    sql = """SELECT a.id, a.name, a.provider_code, a.site_id, st.name AS site_name,
                    a.regime, a.access, a.channels, a.status, a.reserve_percent,
                    a.reserve_release_days
             FROM agenda a JOIN site st ON st.id = a.site_id"""
    params: dict = {"limit": limit, "offset": offset}
    if provider:
        sql += " WHERE a.provider_code = :provider"
        params["provider"] = provider
    sql += " ORDER BY a.id LIMIT :limit OFFSET :offset"
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def services(conn: Connection, agenda_id: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT asv.service_code AS code, s.description, asv.duration_min
                FROM agenda_service asv JOIN service s ON s.code = asv.service_code
                WHERE asv.agenda_id = :id ORDER BY asv.service_code"""),
        {"id": agenda_id},
    ).mappings()
    return [dict(r) for r in rows]


def templates(conn: Connection, agenda_id: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT id, valid_from, valid_to, bands FROM agenda_template
                WHERE agenda_id = :id ORDER BY valid_from, id"""),
        {"id": agenda_id},
    ).mappings()
    return [dict(r) for r in rows]


def closures(conn: Connection, agenda_id: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT id, first_day, last_day, reason, created_at
                FROM agenda_closure WHERE agenda_id = :id ORDER BY first_day, id"""),
        {"id": agenda_id},
    ).mappings()
    return [dict(r) for r in rows]


def as_template(row: dict) -> Template:
    bands = tuple(
        Band(b["weekday"], time.fromisoformat(b["start"]), time.fromisoformat(b["end"]),
             b["slot_min"], b.get("capacity", 1))
        for b in row["bands"]
    )
    return Template(row["valid_from"], row["valid_to"], bands)


def as_closure(row: dict) -> Closure:
    return Closure(row["first_day"], row["last_day"])


def add_template(conn: Connection, agenda_id: int, valid_from: date,
                 valid_to: date | None, bands: list[dict]) -> int:
    return conn.execute(
        text("""INSERT INTO agenda_template (agenda_id, valid_from, valid_to, bands)
                VALUES (:a, :f, :t, :b) RETURNING id"""),
        {"a": agenda_id, "f": valid_from, "t": valid_to, "b": json.dumps(bands)},
    ).scalar_one()


def add_closure(conn: Connection, agenda_id: int, first: date, last: date,
                reason: str, by: int) -> int:
    return conn.execute(
        text("""INSERT INTO agenda_closure (agenda_id, first_day, last_day, reason,
                created_by) VALUES (:a, :f, :l, :r, :by) RETURNING id"""),
        {"a": agenda_id, "f": first, "l": last, "r": reason, "by": by},
    ).scalar_one()


def set_status(conn: Connection, agenda_id: int, status: str) -> None:
    conn.execute(text("UPDATE agenda SET status = :s WHERE id = :id"),
                 {"s": status, "id": agenda_id})


def replace_future_slots(conn: Connection, agenda_id: int, since: datetime,
                         slots: list[SlotTime], release_days: int) -> None:
    """Makes the open future slots of the agenda exactly `slots`.

    A slot that is no longer wanted is closed, never deleted: appointments and
    their history keep pointing at it, and the appointments on it are listed
    for the provider to move.
    """
    starts = [s.starts_at for s in slots]
    conn.execute(
        text("""UPDATE slot SET open = false
                WHERE agenda_id = :a AND starts_at >= :since AND open
                  AND NOT (starts_at = ANY(CAST(:starts AS timestamptz[])))"""),
        {"a": agenda_id, "since": since, "starts": starts},
    )
    if not slots:
        return

    conn.execute(
        text("""
        INSERT INTO slot (agenda_id, starts_at, ends_at, capacity, reserved_until)
        SELECT :a, s, e, c, CASE WHEN r THEN s - make_interval(days => :days) END
        FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]),
                    CAST(:caps AS smallint[]), CAST(:reserved AS boolean[]))
             AS u(s, e, c, r)
        ON CONFLICT (agenda_id, starts_at) DO UPDATE SET
            open = true,
            capacity = greatest(EXCLUDED.capacity, slot.booked + slot.held),
            ends_at = CASE WHEN slot.booked + slot.overbooked = 0
                           THEN EXCLUDED.ends_at ELSE slot.ends_at END,
            reserved_until = EXCLUDED.reserved_until
        """),
        {"a": agenda_id, "starts": starts, "ends": [s.ends_at for s in slots],
         "caps": [s.capacity for s in slots],
         "reserved": [s.reserved for s in slots], "days": release_days},
    )


def affected_appointments(conn: Connection, agenda_id: int, since: datetime) -> list:
    """Booked appointments left on closed slots: the provider must move them."""
    rows = conn.execute(
        text("""SELECT ap.id, ap.code, ap.starts_at, ap.service_code, pt.cf
                       AS patient_cf
                FROM appointment ap JOIN slot s ON s.id = ap.slot_id
                JOIN patient pt ON pt.id = ap.patient_id
                WHERE s.agenda_id = :a AND NOT s.open AND ap.status = 'booked'
                  AND ap.starts_at >= :since
                ORDER BY ap.starts_at, ap.id"""),
        {"a": agenda_id, "since": since},
    ).mappings()
    return [dict(r) for r in rows]


def set_generated_until(conn: Connection, agenda_id: int, day: date) -> None:
    conn.execute(text("UPDATE agenda SET generated_until = :d WHERE id = :id"),
                 {"d": day, "id": agenda_id})
