"""POST /api/v1/holds: a slot kept for a few minutes while the patient confirms."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.e2e.support import book, problem, rome_time, slot_counters, snapshot
from tests.factories import places


def hold(client, headers, slot_id, **extra):
    return client.post("/api/v1/holds", headers=headers,
                       json={"slot_id": slot_id, **extra})


def offered(client, world, agenda) -> set[int]:
    response = client.get("/api/v1/availability", headers=world.auth(),
                          params={"service": agenda.service, "limit": 100})
    return {o["slot_id"] for o in response.json()["items"]}


class TestHold:
    def test_a_hold_answers_201_with_its_id_and_expiry(
        self, client, world, engine,
    ):
        agenda = world.agenda()

        response = hold(client, world.auth(), agenda.slots[0])

        assert response.status_code == 201, response.text
        held = response.json()
        uuid.UUID(held["hold_id"])
        assert held["slot_id"] == agenda.slots[0]
        expires = rome_time(held["expires_at"])
        in_five = datetime.now(UTC) + timedelta(minutes=5)
        assert abs(expires - in_five) < timedelta(seconds=30)
        assert slot_counters(engine, agenda.slots[0]) == (0, 1, 0)

    def test_a_held_slot_is_neither_offered_nor_bookable_by_others(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        hold(client, world.auth(), agenda.slots[0])
        body = {"patient_cf": world.patient(), "slot_id": agenda.slots[0],
                "service": agenda.service}
        before = snapshot(engine, agenda.slots[0])

        refused = client.post("/api/v1/appointments", json=body,
                              headers=world.auth("pharmacist", "pharmacy"))

        problem(refused, 409, "slot_id")
        assert snapshot(engine, agenda.slots[0]) == before
        assert agenda.slots[0] not in offered(client, world, agenda)

    def test_the_holder_books_the_held_place(self, client, world, engine):
        agenda = world.agenda()
        headers = world.auth()
        held = hold(client, headers, agenda.slots[0]).json()

        booked = book(client, headers, world.patient(), agenda.slots[0],
                      agenda.service, hold_id=held["hold_id"])

        assert booked["slot_id"] == agenda.slots[0]
        assert slot_counters(engine, agenda.slots[0]) == (1, 0, 0)

    def test_someone_elses_hold_cannot_be_used(self, client, world, engine):
        agenda = world.agenda()
        held = hold(client, world.auth(), agenda.slots[0]).json()
        body = {"patient_cf": world.patient(), "slot_id": agenda.slots[0],
                "service": agenda.service, "hold_id": held["hold_id"]}
        other = world.auth()
        before = snapshot(engine, agenda.slots[0])

        response = client.post("/api/v1/appointments", json=body, headers=other)

        problem(response, 409, "hold_id")
        assert snapshot(engine, agenda.slots[0]) == before

    def test_an_expired_hold_frees_the_slot_with_no_action(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        hold(client, world.auth(), agenda.slots[0])
        with engine.begin() as conn:  # five minutes go by
            for sql in ("UPDATE slot_hold SET expires_at = :t WHERE slot_id = :s",
                        "UPDATE slot SET hold_expires_at = :t WHERE id = :s"):
                conn.execute(text(sql), {"s": agenda.slots[0],
                                         "t": datetime.now(UTC)})

        assert agenda.slots[0] in offered(client, world, agenda)
        book(client, world.auth(), world.patient(), agenda.slots[0],
             agenda.service)
        assert slot_counters(engine, agenda.slots[0]) == (1, 0, 0)


class TestHoldRefusals:
    def test_a_full_slot_cannot_be_held(self, client, world, engine):
        agenda = world.agenda()
        book(client, world.auth(), world.patient(), agenda.slots[0],
             agenda.service)
        headers = world.auth()
        before = snapshot(engine, agenda.slots[0])

        found = problem(hold(client, headers, agenda.slots[0]), 409, "slot_id")

        assert found["type"].endswith("/slot-taken")
        assert snapshot(engine, agenda.slots[0]) == before

    def test_a_past_slot_cannot_be_held(self, client, world, engine):
        agenda = world.agenda()
        with engine.begin() as conn:
            past = conn.execute(text(
                """INSERT INTO slot (agenda_id, starts_at, ends_at, capacity)
                   VALUES (:a, now() - interval '1 hour', now(), 1)
                   RETURNING id"""), {"a": agenda.id}).scalar_one()
        headers = world.auth()
        before = snapshot(engine, past)

        problem(hold(client, headers, past), 409, "slot_id")

        assert snapshot(engine, past) == before

    @pytest.mark.parametrize("who", ["pharmacy_on_desk_agenda", "brianza"])
    def test_who_may_not_book_the_agenda_may_not_hold_it(
        self, client, world, engine, who,
    ):
        agenda = world.agenda(channels=["front_office", "pharmacy"]
                              if who == "brianza" else ["front_office"])
        headers = (world.operator(places.ASST_BRIANZA) if who == "brianza"
                   else world.auth("pharmacist", "pharmacy"))
        before = snapshot(engine, agenda.slots[0])

        problem(hold(client, headers, agenda.slots[0]), 403)

        assert snapshot(engine, agenda.slots[0]) == before

    def test_an_unknown_slot_is_not_found(self, client, world):
        problem(hold(client, world.auth(), 2**40), 404, "slot_id")

    @pytest.mark.parametrize("body, field", [
        ({}, "slot_id"), ({"slot_id": 0}, "slot_id"),
        ({"slot_id": 1, "minutes": 30}, "minutes")])
    def test_bad_input_is_refused_naming_the_field(
        self, client, world, engine, body, field,
    ):
        headers = world.auth()
        before = snapshot(engine)

        response = client.post("/api/v1/holds", headers=headers, json=body)

        problem(response, 422, field)
        assert snapshot(engine) == before
