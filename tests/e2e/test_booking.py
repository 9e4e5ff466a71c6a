"""POST /api/v1/appointments: booking, duplicates, first offer, idempotency."""

from datetime import UTC, datetime, timedelta

from tests.e2e.support import (
    book,
    new_nre,
    problem,
    rome_time,
    slot_counters,
    snapshot,
)
from tests.factories import agendas


def post(client, headers, body, key=None):
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.post("/api/v1/appointments", headers=headers, json=body)


class TestBook:
    def test_a_booking_answers_201_with_the_whole_appointment(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        cf = world.patient()
        offered = client.get("/api/v1/availability", headers=world.auth(), params={
            "service": agenda.service, "from": "2020-01-01T00:00:00+00:00",
            "limit": 100}).json()["items"]
        offer = next(o for o in offered if o["slot_id"] == agenda.slots[0])

        booked = book(client, world.auth(), cf, agenda.slots[0], agenda.service)

        assert booked["status"] == "booked"
        assert booked["patient_cf"] == cf
        assert booked["service"] == agenda.service
        assert booked["slot_id"] == agenda.slots[0]
        assert (booked["start"], booked["end"]) == (offer["start"], offer["end"])
        assert booked["provider"] == offer["provider"]
        assert booked["site"] == offer["site"]
        assert "preparation" in booked
        assert booked["channel"] == "contact_center"
        assert booked["revoked"] == []
        assert isinstance(booked["took_first_offer"], bool)
        for key in ("start", "end", "booked_at", "first_offer"):
            rome_time(booked[key])
        assert abs(rome_time(booked["booked_at"]) - datetime.now(UTC)) < timedelta(
            minutes=1)
        assert slot_counters(engine, agenda.slots[0]) == (1, 0, 0)

    def test_the_same_service_booked_again_revokes_the_first_and_frees_it(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        cf = world.patient()
        headers = world.auth()
        first = book(client, headers, cf, agenda.slots[0], agenda.service)

        second = book(client, headers, cf, agenda.slots[3], agenda.service)

        assert [r["id"] for r in second["revoked"]] == [first["id"]]
        assert second["revoked"][0]["status"] == "revoked"
        again = client.get(f"/api/v1/appointments/{first['id']}", headers=headers)
        assert again.json()["status"] == "revoked"
        assert slot_counters(engine, agenda.slots[0]) == (0, 0, 0)

    def test_another_service_is_not_a_duplicate(self, client, world):
        other_service = world.service()
        agenda = world.agenda(services=(world.service(), other_service))
        cf = world.patient()
        book(client, world.auth(), cf, agenda.slots[0], agenda.service)

        other = book(client, world.auth(), cf, agenda.slots[3], other_service)

        assert other["revoked"] == []

    def test_a_prescription_is_kept_with_its_priority_deadline(self, client, world):
        agenda = world.agenda()
        today = datetime.now(UTC).date().isoformat()
        nre = new_nre()

        booked = book(client, world.auth(), world.patient(), agenda.slots[0],
                      agenda.service, prescription={
                          "nre": nre.lower(), "priority": "B",
                          "prescribed_on": today})

        assert booked["nre"] == nre
        assert (booked["priority"], booked["prescribed_on"]) == ("B", today)
        assert rome_time(booked["deadline"]).time().isoformat() == "00:00:00"

    def test_whether_the_first_offer_was_taken_is_recorded(self, client, world):
        agenda = world.agenda()
        headers = world.auth()

        later = book(client, headers, world.patient(), agenda.slots[2],
                     agenda.service)
        earliest = book(client, headers, world.patient(), agenda.slots[0],
                        agenda.service)

        assert later["took_first_offer"] is False
        assert later["first_offer"] == earliest["start"]
        assert earliest["took_first_offer"] is True
        assert earliest["first_offer"] == earliest["start"]

    def test_a_slot_takes_as_many_patients_as_its_capacity(
        self, client, world, engine,
    ):
        agenda = world.agenda(bands=agendas.every_day(capacity=2))
        headers = world.auth()
        for _ in range(2):
            book(client, headers, world.patient(), agenda.slots[0],
                 agenda.service)
        third_body = {"patient_cf": world.patient(), "slot_id": agenda.slots[0],
                      "service": agenda.service}
        before = snapshot(engine, agenda.slots[0])

        third = post(client, headers, third_body)

        problem(third, 409, "slot_id")
        assert snapshot(engine, agenda.slots[0]) == before
        assert slot_counters(engine, agenda.slots[0]) == (2, 0, 0)

    def test_an_operator_may_book_over_capacity_giving_a_reason(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        book(client, world.auth(), world.patient(), agenda.slots[0],
             agenda.service)

        over = book(client, world.operator(), world.patient(), agenda.slots[0],
                    agenda.service, override_reason="paziente fragile")

        assert over["over_capacity"] is True
        assert slot_counters(engine, agenda.slots[0]) == (1, 0, 1)


class TestIdempotency:
    def body(self, world, agenda, slot=0) -> dict:
        return {"patient_cf": world.patient(), "slot_id": agenda.slots[slot],
                "service": agenda.service}

    def test_the_same_key_and_body_replay_the_result_and_book_once(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        headers, body = world.auth(), self.body(world, agenda)
        first = post(client, headers, body, key="prenota-1")
        after_first = snapshot(engine, agenda.slots[0])

        replay = post(client, headers, body, key="prenota-1")

        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.json() == first.json()
        assert snapshot(engine, agenda.slots[0]) == after_first
        assert slot_counters(engine, agenda.slots[0]) == (1, 0, 0)

    def test_the_same_key_with_another_body_is_a_conflict(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        headers = world.auth()
        post(client, headers, self.body(world, agenda), key="prenota-2")
        other_body = self.body(world, agenda, 1)
        before = snapshot(engine, agenda.slots[0], agenda.slots[1])

        reused = post(client, headers, other_body, key="prenota-2")

        body = problem(reused, 409, "Idempotency-Key")
        assert body["type"].endswith("idempotency-key-reused")
        assert snapshot(engine, agenda.slots[0], agenda.slots[1]) == before

    def test_a_key_belongs_to_the_caller_that_used_it(self, client, world):
        agenda = world.agenda()
        post(client, world.auth(), self.body(world, agenda), key="prenota-3")

        other = post(client, world.auth(), self.body(world, agenda, 1),
                     key="prenota-3")

        assert other.status_code == 201

    def test_a_refused_booking_does_not_use_up_its_key(self, client, world):
        agenda = world.agenda()
        headers = world.auth()
        book(client, headers, world.patient(), agenda.slots[0], agenda.service)
        body = self.body(world, agenda)
        assert post(client, headers, body, key="prenota-4").status_code == 409

        retry = post(client, headers, {**body, "slot_id": agenda.slots[1]},
                     key="prenota-4")

        assert retry.status_code == 201
