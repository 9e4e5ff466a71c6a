"""Places on slots: taking, releasing, holding. Each is one conditional UPDATE.

The capacity rule lives in the WHERE clause and in the CHECK constraint of the
slot table; nothing here reads a count in Python and then writes it back.
"""

import uuid
from datetime import datetime

from sqlalchemy import Connection, text

_TAKE = text("""
    WITH purged AS (
        DELETE FROM slot_hold WHERE slot_id = :slot AND expires_at <= :now
        RETURNING 1),
    n AS (SELECT count(*)::int AS expired FROM purged)
    UPDATE slot SET booked = booked + 1, held = held - n.expired
    FROM n
    WHERE slot.id = :slot AND slot.open
      AND slot.booked + slot.held - n.expired < slot.capacity
    RETURNING slot.id
""")

_OVERBOOK = text("""
    UPDATE slot SET overbooked = overbooked + 1
    WHERE id = :slot AND open RETURNING id
""")

_CONSUME_HOLD = text("""
    WITH used AS (
        DELETE FROM slot_hold
        WHERE id = :hold AND slot_id = :slot AND principal_id = :principal
          AND expires_at > :now
        RETURNING slot_id)
    UPDATE slot SET booked = booked + 1, held = held - 1
    FROM used WHERE slot.id = used.slot_id AND slot.open
    RETURNING slot.id
""")

_HOLD = text("""
    WITH purged AS (
        DELETE FROM slot_hold WHERE slot_id = :slot AND expires_at <= :now
        RETURNING 1),
    n AS (SELECT count(*)::int AS expired FROM purged)
    UPDATE slot SET held = held - n.expired + 1,
        hold_expires_at = greatest(
            CASE WHEN hold_expires_at > :now THEN hold_expires_at END, :expires)
    FROM n
    WHERE slot.id = :slot AND slot.open
      AND slot.booked + slot.held - n.expired < slot.capacity
    RETURNING slot.id
""")

_RELEASE = text("""
    UPDATE slot SET booked = booked - CASE WHEN :over THEN 0 ELSE 1 END,
                    overbooked = overbooked - CASE WHEN :over THEN 1 ELSE 0 END
    WHERE id = :slot
""")


def take_place(conn: Connection, slot_id: int, now: datetime) -> bool:
    return conn.execute(_TAKE, {"slot": slot_id, "now": now}).first() is not None


def take_place_over_capacity(conn: Connection, slot_id: int) -> bool:
    return conn.execute(_OVERBOOK, {"slot": slot_id}).first() is not None


def take_held_place(
    conn: Connection, slot_id: int, hold_id: uuid.UUID, principal_id: int,
    now: datetime,
) -> bool:
    params = {"slot": slot_id, "hold": hold_id, "principal": principal_id, "now": now}
    return conn.execute(_CONSUME_HOLD, params).first() is not None


def release_place(conn: Connection, slot_id: int, over_capacity: bool) -> None:
    conn.execute(_RELEASE, {"slot": slot_id, "over": over_capacity})


def hold_place(
    conn: Connection, slot_id: int, principal_id: int, now: datetime,
    expires: datetime,
) -> uuid.UUID | None:
    params = {"slot": slot_id, "now": now, "expires": expires}
    if conn.execute(_HOLD, params).first() is None:
        return None

    hold_id = uuid.uuid4()
    conn.execute(
        text("""INSERT INTO slot_hold (id, slot_id, principal_id, created_at,
                expires_at) VALUES (:id, :slot, :principal, :now, :expires)"""),
        {"id": hold_id, "slot": slot_id, "principal": principal_id, "now": now,
         "expires": expires},
    )
    return hold_id


def live_holds_of(conn: Connection, principal_id: int, now: datetime) -> int:
    return conn.execute(
        text("""SELECT count(*) FROM slot_hold
                WHERE principal_id = :p AND expires_at > :now"""),
        {"p": principal_id, "now": now},
    ).scalar_one()


def slot_for_booking(conn: Connection, slot_id: int) -> dict | None:
    """The slot with what a booking must check: agenda, provider, channels."""
    row = conn.execute(
        text("""
        SELECT s.id AS slot_id, s.agenda_id, s.starts_at, s.ends_at, s.capacity,
               s.booked, s.held, s.open, s.reserved_until,
               a.provider_code, a.site_id, a.regime, a.access, a.channels,
               a.status AS agenda_status
        FROM slot s JOIN agenda a ON a.id = s.agenda_id
        WHERE s.id = :slot
        """),
        {"slot": slot_id},
    ).mappings().first()
    return dict(row) if row else None


def service_duration(conn: Connection, agenda_id: int, service: str) -> int | None:
    return conn.execute(
        text("""SELECT duration_min FROM agenda_service
                WHERE agenda_id = :agenda AND service_code = :service"""),
        {"agenda": agenda_id, "service": service},
    ).scalar()
