"""Races that really race: threads on committed transactions, real PostgreSQL.

Each client runs its use case in its own connection and transaction; a barrier
lines them up so that the conflicting statements overlap.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from retecup.domain.errors import Conflict
from retecup.services import booking, tokens
from tests.factories import agendas as agenda_factory
from tests.factories import people, places

pytestmark = pytest.mark.race


def race(engine, jobs):
    """Runs every job at once; returns (results, conflicts)."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        try:
            with engine.begin() as conn:
                return job(conn), None
        except Conflict as refused:
            return None, refused

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        outcomes = list(pool.map(run, jobs))
    return ([r for r, _ in outcomes if r is not None],
            [c for _, c in outcomes if c is not None])


def contact_centre(engine):
    with engine.begin() as conn:
        return tokens.authenticate(
            conn, people.token(conn, "contact_center", "contact_center"))


def active_on(engine, slot_ids):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM appointment WHERE slot_id = ANY(:s) "
            "AND status = 'booked'"), {"s": slot_ids}).scalar()


def test_fifty_clients_for_ten_slots_make_exactly_ten_appointments(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn)
        slots = agenda_factory.free_slots(conn, agenda_id)[:10]
        patients = [people.patient(conn) for _ in range(50)]
    who = contact_centre(engine)
    now = datetime.now(UTC)

    def client(i):
        cmd = booking.BookSlot(patients[i], slots[i % 10], places.CARDIO_VISIT)
        return lambda conn: booking.book(conn, who, cmd, now).appointment["id"]

    booked, refused = race(engine, [client(i) for i in range(50)])

    assert len(booked) == 10
    assert len(refused) == 40
    assert active_on(engine, slots) == 10
    with engine.connect() as conn:
        over = conn.execute(text(
            "SELECT count(*) FROM slot WHERE id = ANY(:s) AND booked <> 1"),
            {"s": slots}).scalar()
    assert over == 0


def test_move_racing_a_booking_for_the_same_slot_leaves_one(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn)
        slots = agenda_factory.free_slots(conn, agenda_id)
        mover, booker = people.patient(conn), people.patient(conn)
    who = contact_centre(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        mine = booking.book(conn, who, booking.BookSlot(
            mover, slots[0], places.CARDIO_VISIT), now).appointment
    target = slots[5]

    def move(conn):
        return booking.move(conn, who, booking.MoveAppointment(
            mine["id"], target), now)["id"]

    def book(conn):
        return booking.book(conn, who, booking.BookSlot(
            booker, target, places.CARDIO_VISIT), now).appointment["id"]

    for _ in range(5):
        won, lost = race(engine, [move, book])
        assert len(won) == 1 and len(lost) == 1
        assert active_on(engine, [target]) == 1
        _reset(engine, who, mine["id"], slots[0], target, now)


def _reset(engine, who, moved_id, home, target, now):
    """Puts the mover back on its first slot and cancels the booker, if any."""
    with engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT id FROM appointment WHERE slot_id = :t AND status = 'booked'"),
            {"t": target}).scalars().all()
        for appointment_id in rows:
            if appointment_id == moved_id:
                booking.move(conn, who, booking.MoveAppointment(moved_id, home), now)
            else:
                booking.cancel(conn, who, appointment_id, "test", now)


def test_two_bookings_of_one_service_by_one_patient_leave_one_active(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn)
        slots = agenda_factory.free_slots(conn, agenda_id)
        cf = people.patient(conn)
    who = contact_centre(engine)
    now = datetime.now(UTC)

    def book(slot):
        cmd = booking.BookSlot(cf, slot, places.CARDIO_VISIT)
        return lambda conn: booking.book(conn, who, cmd, now)

    booked, refused = race(engine, [book(slots[2]), book(slots[6])])

    assert len(booked) == 2 and not refused
    assert sum(len(b.revoked) for b in booked) == 1
    with engine.connect() as conn:
        statuses = conn.execute(text(
            "SELECT status FROM appointment a JOIN patient p ON p.id = a.patient_id "
            "WHERE p.cf = :cf ORDER BY a.id"), {"cf": cf}).scalars().all()
    assert sorted(statuses) == ["booked", "revoked"]


def test_concurrent_swaps_of_two_slots_do_not_deadlock(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn, bands=agenda_factory.every_day(
            capacity=2))
        slots = agenda_factory.free_slots(conn, agenda_id)
        a, b = people.patient(conn), people.patient(conn)
    who = contact_centre(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        first = booking.book(conn, who, booking.BookSlot(
            a, slots[1], places.CARDIO_VISIT), now).appointment
        second = booking.book(conn, who, booking.BookSlot(
            b, slots[3], places.CARDIO_VISIT), now).appointment

    def move(appointment, target):
        return lambda conn: booking.move(conn, who, booking.MoveAppointment(
            appointment["id"], target), now)

    moved, refused = race(engine, [move(first, slots[3]), move(second, slots[1])])

    assert len(moved) == 2 and not refused
