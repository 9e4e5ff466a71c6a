"""Writes generated rows in bulk with COPY, inside the load's transaction."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.types.json import Jsonb

from retecup.loader import agendas, slots
from retecup.loader.agendas import AgendaPlan
from retecup.loader.bookings import Booking
from retecup.loader.patients import Patient

log = logging.getLogger(__name__)

EVENT_TAG = "load:appointment:booked"


def copy_rows(conn: psycopg.Connection, table: str, columns: tuple[str, ...],
              rows: Iterable[tuple]) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reserve_ids(conn: psycopg.Connection, table: str, count: int) -> list[int]:
    """Identity values taken in advance, so plans know their agenda ids."""
    rows = conn.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        (table, count)).fetchall()
    return sorted(r[0] for r in rows)


def write_agendas(conn, plans: list[AgendaPlan], bands_by_key: dict, last_day, *,
                  bulk: bool) -> dict:
    written = {}
    # COPY writes the reserved ids into the identity column as given.
    with _rebuilt_after(conn, "agenda", bulk):
        written["agendas"] = copy_rows(conn, "agenda", (
            "id", "provider_code", "site_id", "name", "regime", "access", "channels",
            "reserve_percent", "reserve_release_days", "generated", "generated_until"),
            agendas.agenda_rows(plans, last_day))
    with _rebuilt_after(conn, "agenda_service", bulk):
        written["agenda_services"] = copy_rows(
            conn, "agenda_service", ("agenda_id", "service_code", "duration_min"),
            agendas.agenda_service_rows(plans))
    with _rebuilt_after(conn, "agenda_template", bulk):
        written["agenda_templates"] = copy_rows(
            conn, "agenda_template", ("agenda_id", "valid_from", "valid_to", "bands"),
            agendas.template_rows(plans, bands_by_key))
    return written


def write_slots(conn, plans, patterns, booked, *, bulk: bool) -> int:
    """Slot rows; in bulk mode every index, the primary key's too, is rebuilt."""
    with _rebuilt_after(conn, "slot", bulk, primary_key=True):
        count = slots.copy_slots(conn, plans, patterns, booked)
    # Statistics now, so that joining appointments to slots uses the index.
    conn.execute("ANALYZE slot")
    return count


@contextmanager
def _rebuilt_after(conn, table: str, enabled: bool, *,
                   primary_key: bool = False) -> Iterator[None]:
    """Bulk mode: no index or constraint maintenance row by row.

    Drops the table's unique, exclusion and foreign-key constraints and its
    plain indexes (with `primary_key`, also its primary key and the foreign
    keys of other tables that reference it), runs the body, then recreates
    them exactly as the catalog described them, so they follow the
    migrations, and checks them over all rows at once. All of it happens in
    the load's transaction: a failure rolls the drop back too.
    """
    if not enabled:
        yield
        return

    kinds = "('p', 'u', 'x', 'f')" if primary_key else "('u', 'x', 'f')"
    own = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        f"WHERE conrelid = %s::regclass AND contype IN {kinds} ORDER BY conname",
        (table,)).fetchall()
    referencing = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f' "
        "AND conrelid <> confrelid AND %s ORDER BY 1, 2",
        (table, primary_key)).fetchall()
    indexes = conn.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
        "AND k.conrelid = i.indrelid) ORDER BY c.relname", (table,)).fetchall()

    for other, name, _ in referencing:
        conn.execute(f'ALTER TABLE {other} DROP CONSTRAINT "{name}"')
    for name, _, _ in own:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    log.info("indexes dropped for a bulk load",
             extra={"table": table, "constraints": len(own) + len(referencing),
                    "indexes": len(indexes)})

    yield

    # Keys and indexes first, foreign keys last: each check is then one join.
    conn.execute("SET LOCAL maintenance_work_mem = '2GB'")
    order = {"p": 0, "u": 1, "x": 1}
    for name, definition, _ in sorted((c for c in own if c[2] != "f"),
                                      key=lambda c: order[c[2]]):
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        conn.execute(definition)
    for name, definition, kind in own:
        if kind == "f":
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for other, name, definition in referencing:
        conn.execute(f'ALTER TABLE {other} ADD CONSTRAINT "{name}" {definition}')


def write_patients(conn, patients: list[Patient]) -> dict[str, int]:
    """Inserts new patients; returns the id of each CF that was new."""
    conn.execute("CREATE TEMP TABLE load_patient (ord int, cf text, given_name text, "
                 "family_name text, birth_date date, comune_istat text, phone text, "
                 "email text) ON COMMIT DROP")
    copy_rows(conn, "load_patient", (
        "ord", "cf", "given_name", "family_name", "birth_date", "comune_istat", "phone",
        "email"),
        ((i, p.cf, p.given_name, p.family_name, p.birth_date, p.comune_istat, p.phone,
          p.email) for i, p in enumerate(patients)))
    inserted = conn.execute(
        "INSERT INTO patient (cf, given_name, family_name, birth_date, comune_istat, "
        "phone, email, synthetic) SELECT cf, given_name, family_name, birth_date, "
        "comune_istat, phone, email, true FROM load_patient ORDER BY ord "
        "ON CONFLICT (cf) DO NOTHING RETURNING cf, id").fetchall()
    return dict(inserted)


def write_bookings(conn, bookings: list[Booking], *, bulk: bool) -> int:
    if not bookings:
        return 0
    conn.execute("CREATE TEMP TABLE load_booking (ord int, code text, patient_id int, "
                 "service_code text, agenda_id int, starts_at timestamptz, "
                 "channel text, booked_at timestamptz, priority text, "
                 "prescribed_on date, deadline timestamptz) ON COMMIT DROP")
    copy_rows(conn, "load_booking", (
        "ord", "code", "patient_id", "service_code", "agenda_id", "starts_at",
        "channel", "booked_at", "priority", "prescribed_on", "deadline"),
        ((i, b.code, b.patient_id, b.service_code, b.agenda_id, b.starts_at, b.channel,
          b.booked_at, b.priority, b.prescribed_on, b.deadline)
         for i, b in enumerate(bookings)))

    # The slot rows already count these appointments (written by the slot
    # COPY); times come from the slot itself, the duplicate group from the
    # service.
    conn.execute("ANALYZE load_booking")
    with _rebuilt_after(conn, "appointment", bulk):
        count = _insert_appointments(conn)
    if count != len(bookings):
        raise RuntimeError(f"{len(bookings) - count} bookings found no slot")
    with _rebuilt_after(conn, "appointment_event", bulk):
        _insert_events(conn)
    return count


def _insert_appointments(conn) -> int:
    return conn.execute(
        "INSERT INTO appointment (code, patient_id, service_code, duplicate_group, "
        "slot_id, agenda_id, starts_at, ends_at, status, channel, booked_at, priority, "
        "prescribed_on, deadline, first_offer, took_first_offer, updated_at) "
        "SELECT b.code, b.patient_id, b.service_code, v.duplicate_group, s.id, "
        "s.agenda_id, s.starts_at, s.ends_at, 'booked', b.channel, b.booked_at, "
        "b.priority, b.prescribed_on, b.deadline, s.starts_at, true, b.booked_at "
        "FROM load_booking b JOIN slot s ON s.agenda_id = b.agenda_id "
        "AND s.starts_at = b.starts_at JOIN service v ON v.code = b.service_code "
        "ORDER BY b.ord").rowcount


def _insert_events(conn) -> None:
    conn.execute(
        "INSERT INTO appointment_event (appointment_id, at, tag, channel, from_status, "
        "to_status, data) SELECT a.id, a.booked_at, %s, a.channel, NULL, 'booked', %s "
        "FROM appointment a JOIN load_booking b USING (code) ORDER BY a.id",
        (EVENT_TAG, Jsonb({"generated": True})))
