"""POST /api/v1/appointments refused: every refusal names its field and
changes nothing (appointments, history, outbox, holds, slot counters)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.e2e.support import book, new_nre, problem, snapshot
from tests.factories import people, places

RX = {"nre": "030A12345678901", "priority": "D", "prescribed_on": "2026-12-01"}


def prescription() -> dict:
    return {**RX, "nre": new_nre()}


def refused(client, engine, headers, body, status, field, *slots) -> dict:
    """Posts `body`, checks the problem and that nothing changed; returns it."""
    before = snapshot(engine, *slots)

    response = client.post("/api/v1/appointments", headers=headers, json=body)

    found = problem(response, status, field)
    assert snapshot(engine, *slots) == before
    return found


@pytest.fixture
def scene(world):
    agenda = world.agenda()
    cf = world.patient()
    body = {"patient_cf": cf, "slot_id": agenda.slots[0],
            "service": agenda.service}
    return agenda, cf, body


class TestBookingConflicts:
    def test_a_full_slot_is_refused(self, client, world, engine, scene):
        agenda, _, body = scene
        book(client, world.auth(), world.patient(), agenda.slots[0],
             agenda.service)

        found = refused(client, engine, world.auth(), body, 409, "slot_id",
                        agenda.slots[0])

        assert found["type"].endswith("/slot-taken")

    def test_an_overlapping_appointment_is_refused_naming_the_first(
        self, client, world, engine,
    ):
        cardio = world.agenda()
        ecg = world.agenda()
        cf = world.patient()
        first = book(client, world.auth(), cf, cardio.slots[0], cardio.service)

        found = refused(client, engine, world.auth(), {
            "patient_cf": cf, "slot_id": ecg.slots[0], "service": ecg.service,
        }, 409, "slot_id", cardio.slots[0], ecg.slots[0])

        assert first["code"] in found["detail"]
        assert found["appointment_id"] == first["id"]

    def test_a_prescription_already_used_for_the_service_is_refused(
        self, client, world, engine, scene,
    ):
        agenda, _, body = scene
        rx = prescription()
        book(client, world.auth(), world.patient(), agenda.slots[1],
             agenda.service, prescription=rx)

        found = refused(client, engine, world.auth(), {**body, "prescription": rx},
                        409, "prescription.nre", agenda.slots[0])

        assert found["type"].endswith("/prescription-already-used")

    def test_a_slot_in_the_past_is_refused(self, client, world, engine, scene):
        agenda, _, body = scene
        with engine.begin() as conn:
            past = conn.execute(text(
                """INSERT INTO slot (agenda_id, starts_at, ends_at, capacity)
                   VALUES (:a, now() - interval '1 day',
                           now() - interval '23 hours', 1) RETURNING id"""),
                {"a": agenda.id}).scalar_one()

        refused(client, engine, world.auth(), {**body, "slot_id": past}, 409,
                "slot_id", past)

    def test_a_slot_of_a_suspended_agenda_is_refused(
        self, client, world, engine, scene,
    ):
        agenda, _, body = scene
        client.post(f"/api/v1/agendas/{agenda.id}/suspend", headers=world.admin())

        refused(client, engine, world.auth(), body, 409, "slot_id",
                agenda.slots[0])

    def test_overbooking_without_the_right_role_is_refused(
        self, client, world, engine, scene,
    ):
        agenda, _, body = scene
        book(client, world.auth(), world.patient(), agenda.slots[0],
             agenda.service)

        refused(client, engine, world.auth(), {**body, "override_reason": "urge"},
                403, "override_reason", agenda.slots[0])


class TestBookingForbidden:
    def test_an_agenda_closed_to_the_channel_is_refused(
        self, client, world, engine,
    ):
        agenda = world.agenda(channels=["front_office", "specialist"])
        body = {"patient_cf": world.patient(), "slot_id": agenda.slots[0],
                "service": agenda.service}

        found = refused(client, engine, world.auth("pharmacist", "pharmacy"),
                        body, 403, None, agenda.slots[0])

        assert "pharmacy" in found["detail"]

    def test_a_citizen_books_only_for_themselves(self, client, world, engine, scene):
        agenda, _, body = scene

        refused(client, engine, world.citizen(world.patient()), body, 403, None,
                agenda.slots[0])

    def test_an_operator_books_only_on_their_providers_agendas(
        self, client, world, engine, scene,
    ):
        agenda, _, body = scene

        refused(client, engine, world.operator(places.ASST_BRIANZA), body, 403,
                None, agenda.slots[0])


class TestBookingNotFound:
    def test_an_unregistered_patient_is_not_found(self, client, world, engine,
                                                  scene):
        agenda, _, body = scene
        stranger = people.new_cf()[0]

        refused(client, engine, world.auth(), {**body, "patient_cf": stranger},
                404, "patient_cf", agenda.slots[0])

    def test_an_unknown_slot_is_not_found(self, client, world, engine, scene):
        _, _, body = scene

        refused(client, engine, world.auth(), {**body, "slot_id": 2**40}, 404,
                "slot_id")


IN_THREE_DAYS = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
INVALID = [
    ({"patient_cf": "RSSMRA80A01F205A"}, "patient_cf"),
    ({"patient_cf": "mario rossi"}, "patient_cf"),
    ({"service": "99.99.99"}, "service"),
    ({"service": places.ECG}, "service"),  # not offered by this agenda
    ({"slot_id": 0}, "slot_id"),
    ({"slot_id": "primo"}, "slot_id"),
    ({"prescription": {**RX, "nre": "030A1234"}}, "prescription.nre"),
    ({"prescription": {**RX, "nre": "ABC123456789012"}}, "prescription.nre"),
    ({"prescription": {**RX, "prescribed_on": "2026-02-30"}},
     "prescription.prescribed_on"),
    ({"prescription": {**RX, "prescribed_on": IN_THREE_DAYS}},
     "prescription.prescribed_on"),
    ({"prescription": {**RX, "priority": "X"}}, "prescription.priority"),
    ({"prescription": {**RX, "urgente": True}}, "prescription.urgente"),
    ({"hold_id": "non-un-uuid"}, "hold_id"),
    ({"override_reason": "   "}, "override_reason"),
    ({"note": "al mattino"}, "note"),
]


class TestBookingInvalid:
    @pytest.mark.parametrize("changes, field", INVALID,
                             ids=[f for _, f in INVALID])
    def test_bad_input_is_refused_naming_the_field(
        self, client, world, engine, scene, changes, field,
    ):
        agenda, _, body = scene

        found = refused(client, engine, world.auth(), {**body, **changes}, 422,
                        field, agenda.slots[0])

        assert found["type"].endswith("/invalid-input")

    @pytest.mark.parametrize("missing", ["patient_cf", "slot_id", "service"])
    def test_a_missing_field_is_named(self, client, world, engine, scene, missing):
        agenda, _, body = scene
        del body[missing]

        refused(client, engine, world.auth(), body, 422, missing, agenda.slots[0])

    def test_a_body_that_is_not_json_is_refused(self, client, world):
        response = client.post("/api/v1/appointments", headers={
            **world.auth(), "Content-Type": "application/json"}, content=b"{nope")

        problem(response, 422)
