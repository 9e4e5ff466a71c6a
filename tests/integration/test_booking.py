"""Booking, moving, cancelling, holding: the rules on a real database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from retecup.domain.errors import (
    Forbidden,
    OverlappingAppointment,
    PrescriptionAlreadyUsed,
    SlotClosed,
    SlotTaken,
    StateForbids,
)
from retecup.domain.priority import Priority
from retecup.services import agendas, booking, holds, tokens
from retecup.services.availability import FindOffers, find_offers
from tests.factories import agendas as agenda_factory
from tests.factories import people, places


def principal(engine, role="contact_center", channel="contact_center", **kw):
    with engine.begin() as conn:
        token = people.token(conn, role, channel, **kw)
        return tokens.authenticate(conn, token)


def counters(engine, slot_id):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT booked, held, overbooked FROM slot WHERE id = :s"),
            {"s": slot_id}).one()


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn)
        slots = agenda_factory.free_slots(conn, agenda_id)
        cf = people.patient(conn)
    return agenda_id, slots, cf


def book(engine, who, cf, slot, service=places.CARDIO_VISIT, **kw):
    with engine.begin() as conn:
        cmd = booking.BookSlot(cf, slot, service, **kw)
        return booking.book(conn, who, cmd, datetime.now(UTC))


class TestBook:
    def test_booking_takes_the_place_and_keeps_history(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)

        booked = book(engine, cc, cf, slots[0])

        assert booked.appointment["status"] == "booked"
        assert booked.revoked == []
        assert counters(engine, slots[0]) == (1, 0, 0)
        with engine.connect() as conn:
            event = conn.execute(text(
                "SELECT tag, channel, to_status FROM appointment_event "
                "WHERE appointment_id = :a"), {"a": booked.appointment["id"]}).one()
        assert tuple(event) == ("api:appointment:booked", "contact_center", "booked")

    def test_full_slot_is_refused_and_nothing_changes(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        book(engine, cc, cf, slots[0])
        with engine.begin() as conn:
            other = people.patient(conn)

        with pytest.raises(SlotTaken):
            book(engine, cc, other, slots[0])

        assert counters(engine, slots[0]) == (1, 0, 0)
        with engine.connect() as conn:
            count = conn.execute(text(
                "SELECT count(*) FROM appointment a JOIN patient p "
                "ON p.id = a.patient_id WHERE p.cf = :cf"), {"cf": other}).scalar()
        assert count == 0

    def test_second_booking_of_same_service_revokes_the_first(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        first = book(engine, cc, cf, slots[0]).appointment

        second = book(engine, cc, cf, slots[3])

        assert [r["id"] for r in second.revoked] == [first["id"]]
        assert second.revoked[0]["status"] == "revoked"
        assert counters(engine, slots[0]) == (0, 0, 0)
        with engine.connect() as conn:
            kinds = conn.execute(text(
                "SELECT kind FROM outbox WHERE appointment_id = :a"),
                {"a": first["id"]}).scalars().all()
        assert kinds == ["revocation"]

    def test_a_different_service_is_not_a_duplicate(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        book(engine, cc, cf, slots[0])

        second = book(engine, cc, cf, slots[3], service=places.ECG)

        assert second.revoked == []

    def test_overlapping_appointment_is_refused_naming_the_first(self, engine):
        with engine.begin() as conn:
            one = agenda_factory.agenda(conn)
            two = agenda_factory.agenda(conn, services=(places.ECG,))
            cf = people.patient(conn)
            slot_one = agenda_factory.free_slots(conn, one)[0]
            slot_two = agenda_factory.free_slots(conn, two)[0]
        cc = principal(engine)
        first = book(engine, cc, cf, slot_one).appointment

        with pytest.raises(OverlappingAppointment) as refused:
            book(engine, cc, cf, slot_two, service=places.ECG)

        assert first["code"] in refused.value.detail
        assert counters(engine, slot_two) == (0, 0, 0)

    def test_citizen_books_only_for_themselves(self, engine, world):
        _, slots, cf = world
        with engine.begin() as conn:
            other = people.patient(conn)
        citizen = principal(engine, "citizen", "web", cf=other)

        with pytest.raises(Forbidden):
            book(engine, citizen, cf, slots[0])

    def test_channel_not_allowed_by_the_agenda_is_refused(self, engine):
        with engine.begin() as conn:
            agenda_id = agenda_factory.agenda(
                conn, channels=["specialist", "front_office"],
                services=(places.CARDIO_FOLLOW_UP,))
            slot = agenda_factory.free_slots(conn, agenda_id)[0]
            cf = people.patient(conn)

        with pytest.raises(Forbidden):
            book(engine, principal(engine, "pharmacist", "pharmacy"), cf, slot,
                 service=places.CARDIO_FOLLOW_UP)

    def test_prescription_books_a_service_once(self, engine, world):
        _, slots, cf = world
        with engine.begin() as conn:
            other = people.patient(conn)
        rx = booking.Prescription("030A12345678901", Priority.D, date.today())
        cc = principal(engine)
        book(engine, cc, cf, slots[0], prescription=rx)

        with pytest.raises(PrescriptionAlreadyUsed):
            book(engine, cc, other, slots[1], prescription=rx)

    def test_override_books_over_capacity_with_its_reason(self, engine, world):
        _, slots, cf = world
        with engine.begin() as conn:
            other = people.patient(conn)
        cc = principal(engine)
        operator = principal(engine, "operator", "front_office",
                             provider=places.ASST_NIGUARDA)
        book(engine, cc, cf, slots[0])

        over = book(engine, operator, other, slots[0], override_reason="urgenza")

        assert over.appointment["over_capacity"] is True
        assert counters(engine, slots[0]) == (1, 0, 1)
        with pytest.raises(Forbidden):
            with engine.begin() as conn:
                third = people.patient(conn)
            book(engine, cc, third, slots[0], override_reason="per favore")


class TestFirstOffer:
    def test_taking_a_later_slot_is_recorded(self, engine, world):
        _, slots, cf = world

        booked = book(engine, principal(engine), cf, slots[2]).appointment

        assert booked["took_first_offer"] is False
        assert booked["first_offer"] < booked["starts_at"]

    def test_taking_the_earliest_slot_is_recorded(self, engine):
        with engine.begin() as conn:
            agenda_id = agenda_factory.agenda(conn, comune=places.MONZA,
                                              provider=places.ASST_BRIANZA,
                                              services=(places.CARDIO_FOLLOW_UP,))
            slots = agenda_factory.free_slots(conn, agenda_id)
            cf = people.patient(conn, comune=places.MONZA)

        booked = book(engine, principal(engine), cf, slots[0],
                      service=places.CARDIO_FOLLOW_UP).appointment

        assert booked["took_first_offer"] is True


class TestMoveAndCancel:
    def test_move_takes_the_new_slot_and_frees_the_old(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        appointment = book(engine, cc, cf, slots[0]).appointment

        with engine.begin() as conn:
            moved = booking.move(conn, cc, booking.MoveAppointment(
                appointment["id"], slots[1]), datetime.now(UTC))

        assert moved["slot_id"] == slots[1]
        assert counters(engine, slots[0]) == (0, 0, 0)
        assert counters(engine, slots[1]) == (1, 0, 0)

    def test_move_to_a_full_slot_changes_nothing(self, engine, world):
        _, slots, cf = world
        with engine.begin() as conn:
            other = people.patient(conn)
        cc = principal(engine)
        mine = book(engine, cc, cf, slots[0]).appointment
        book(engine, cc, other, slots[1])

        with pytest.raises(SlotTaken), engine.begin() as conn:
            booking.move(conn, cc, booking.MoveAppointment(mine["id"], slots[1]),
                         datetime.now(UTC))

        assert counters(engine, slots[0]) == (1, 0, 0)
        assert counters(engine, slots[1]) == (1, 0, 0)

    def test_cancel_frees_the_slot_at_once_and_only_once(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        appointment = book(engine, cc, cf, slots[0]).appointment

        with engine.begin() as conn:
            booking.cancel(conn, cc, appointment["id"], "non serve più",
                           datetime.now(UTC))

        assert counters(engine, slots[0]) == (0, 0, 0)
        with pytest.raises(StateForbids), engine.begin() as conn:
            booking.cancel(conn, cc, appointment["id"], None, datetime.now(UTC))


class TestHolds:
    def test_held_slot_is_not_offered_nor_bookable_by_others(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        pharmacy = principal(engine, "pharmacist", "pharmacy")
        with engine.begin() as conn:
            held = holds.hold(conn, cc, slots[0], datetime.now(UTC))

        with pytest.raises(SlotTaken):
            book(engine, pharmacy, cf, slots[0])
        booked = book(engine, cc, cf, slots[0], hold_id=held["hold_id"])

        assert booked.appointment["slot_id"] == slots[0]
        assert counters(engine, slots[0]) == (1, 0, 0)

    def test_expired_hold_frees_the_place_without_any_job(self, engine, world):
        _, slots, cf = world
        cc = principal(engine)
        long_ago = datetime.now(UTC) - timedelta(minutes=30)
        with engine.begin() as conn:
            holds.hold(conn, cc, slots[0], long_ago)

        with engine.begin() as conn:
            offers = find_offers(conn, cc, FindOffers(places.CARDIO_VISIT,
                                 limit=100), datetime.now(UTC))
        assert slots[0] in [o["slot_id"] for o in offers.items]

        book(engine, principal(engine, "pharmacist", "pharmacy"), cf, slots[0])
        assert counters(engine, slots[0]) == (1, 0, 0)


class TestClosures:
    def test_closure_lists_affected_and_refuses_bookings(self, engine, world):
        agenda_id, slots, cf = world
        cc = principal(engine)
        appointment = book(engine, cc, cf, slots[0]).appointment
        admin = principal(engine, "provider_admin", "front_office",
                          provider=places.ASST_NIGUARDA)
        day = appointment["starts_at"].date()

        with engine.begin() as conn:
            result = agendas.add_closure(conn, admin, agendas.AddClosure(
                agenda_id, day, day, "assenza del medico"), datetime.now(UTC))

        assert [a["id"] for a in result["affected"]] == [appointment["id"]]
        with engine.begin() as conn:
            other = people.patient(conn)
        with pytest.raises(SlotClosed):
            book(engine, cc, other, slots[1])
