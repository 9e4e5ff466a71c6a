"""GET an appointment, move it, cancel it, read its history."""

import pytest

from tests.e2e.support import book, problem, rome_time, slot_counters, snapshot
from tests.factories import places


@pytest.fixture
def booked(client, world):
    """An appointment on the first slot of a fresh agenda: (agenda, cf, body)."""
    agenda = world.agenda()
    cf = world.patient()
    return agenda, cf, book(client, world.auth(), cf, agenda.slots[0],
                            agenda.service)


def url(appointment: dict | int, action: str = "") -> str:
    id_ = appointment["id"] if isinstance(appointment, dict) else appointment
    return f"/api/v1/appointments/{id_}" + (f"/{action}" if action else "")


class TestGetAppointment:
    def test_the_patient_reads_their_appointment(self, client, world, booked):
        _, cf, appointment = booked

        response = client.get(url(appointment), headers=world.citizen(cf))

        assert response.status_code == 200
        body = response.json()
        assert body == {k: v for k, v in appointment.items() if k != "revoked"}
        assert rome_time(body["start"]) < rome_time(body["end"])

    def test_an_operator_of_the_provider_reads_it(self, client, world, booked):
        response = client.get(url(booked[2]), headers=world.operator())

        assert response.status_code == 200

    def test_another_citizen_may_not_read_it(self, client, world, booked):
        stranger = world.citizen(world.patient())

        found = problem(client.get(url(booked[2]), headers=stranger), 403)

        assert booked[1] not in found["detail"]

    def test_an_operator_of_another_provider_may_not_read_it(
        self, client, world, booked,
    ):
        brianza = world.operator(places.ASST_BRIANZA)

        problem(client.get(url(booked[2]), headers=brianza), 403)

    def test_an_unknown_appointment_is_not_found(self, client, world):
        problem(client.get(url(2**40), headers=world.auth()), 404, "id")

    def test_an_id_that_is_not_a_number_is_refused(self, client, world):
        problem(client.get(url("primo"), headers=world.auth()), 422,
                "appointment_id")


class TestMoveAppointment:
    def move(self, client, headers, appointment, body):
        return client.post(url(appointment, "move"), headers=headers, json=body)

    def test_the_appointment_takes_the_new_slot_and_frees_the_old(
        self, client, world, engine, booked,
    ):
        agenda, cf, appointment = booked

        response = self.move(client, world.citizen(cf), appointment,
                             {"slot_id": agenda.slots[3]})

        assert response.status_code == 200, response.text
        moved = response.json()
        assert (moved["id"], moved["status"]) == (appointment["id"], "booked")
        assert moved["slot_id"] == agenda.slots[3]
        assert rome_time(moved["start"]) > rome_time(appointment["start"])
        assert slot_counters(engine, agenda.slots[0]) == (0, 0, 0)
        assert slot_counters(engine, agenda.slots[3]) == (1, 0, 0)

    def test_a_move_to_a_full_slot_changes_nothing(
        self, client, world, engine, booked,
    ):
        agenda, cf, appointment = booked
        book(client, world.auth(), world.patient(), agenda.slots[1],
             agenda.service)
        before = snapshot(engine, agenda.slots[0], agenda.slots[1])

        response = self.move(client, world.citizen(cf), appointment,
                             {"slot_id": agenda.slots[1]})

        assert problem(response, 409, "slot_id")["type"].endswith("/slot-taken")
        assert snapshot(engine, agenda.slots[0], agenda.slots[1]) == before

    def test_a_move_onto_another_appointment_of_the_patient_is_refused(
        self, client, world, engine, booked,
    ):
        agenda, cf, appointment = booked
        other = world.agenda()
        mine = book(client, world.auth(), cf, other.slots[4], other.service)
        before = snapshot(engine, other.slots[4], other.slots[0])

        response = self.move(client, world.auth(), mine, {"slot_id": other.slots[0]})

        assert appointment["code"] in problem(response, 409, "slot_id")["detail"]
        assert snapshot(engine, other.slots[4], other.slots[0]) == before

    def test_a_cancelled_appointment_cannot_move(
        self, client, world, engine, booked,
    ):
        agenda, cf, appointment = booked
        client.post(url(appointment, "cancel"), headers=world.citizen(cf))
        before = snapshot(engine, agenda.slots[0], agenda.slots[2])

        response = self.move(client, world.citizen(cf), appointment,
                             {"slot_id": agenda.slots[2]})

        found = problem(response, 409)
        assert found["type"].endswith("/state-forbids")
        assert "cancelled" in found["detail"]
        assert snapshot(engine, agenda.slots[0], agenda.slots[2]) == before

    @pytest.mark.parametrize("who, status", [
        ("stranger", 403), ("brianza", 403), ("pharmacy_on_desk_agenda", 403)])
    def test_who_may_not_move_it_changes_nothing(
        self, client, world, engine, booked, who, status,
    ):
        agenda, _, appointment = booked
        headers, target = {
            "stranger": (world.citizen(world.patient()), agenda.slots[2]),
            "brianza": (world.operator(places.ASST_BRIANZA), agenda.slots[2]),
            "pharmacy_on_desk_agenda": (
                world.auth("pharmacist", "pharmacy"),
                world.agenda(services=(agenda.service,),
                             channels=["front_office"]).slots[0]),
        }[who]
        before = snapshot(engine, agenda.slots[0], target)

        problem(self.move(client, headers, appointment, {"slot_id": target}),
                status)

        assert snapshot(engine, agenda.slots[0], target) == before

    @pytest.mark.parametrize("body, field", [
        ({"slot_id": 0}, "slot_id"), ({}, "slot_id"),
        ({"slot_id": 1, "when": "domani"}, "when")])
    def test_bad_input_is_refused_naming_the_field(
        self, client, world, booked, body, field,
    ):
        problem(self.move(client, world.auth(), booked[2], body), 422, field)

    def test_the_same_slot_is_refused(self, client, world, engine, booked):
        agenda, _, appointment = booked
        before = snapshot(engine, agenda.slots[0])

        response = self.move(client, world.auth(), appointment,
                             {"slot_id": agenda.slots[0]})

        problem(response, 422, "slot_id")
        assert snapshot(engine, agenda.slots[0]) == before

    def test_a_slot_not_offering_the_service_is_refused(
        self, client, world, booked,
    ):
        other = world.agenda()

        response = self.move(client, world.auth(), booked[2],
                             {"slot_id": other.slots[1]})

        problem(response, 422, "service")

    def test_an_unknown_appointment_or_slot_is_not_found(
        self, client, world, booked,
    ):
        problem(self.move(client, world.auth(), 2**40, {"slot_id": 1}), 404, "id")
        problem(self.move(client, world.auth(), booked[2], {"slot_id": 2**40}),
                404, "slot_id")


class TestCancelAppointment:
    def test_the_slot_is_free_again_at_once(self, client, world, engine, booked):
        agenda, cf, appointment = booked

        response = client.post(url(appointment, "cancel"), headers=world.citizen(cf),
                               json={"reason": "sto meglio"})

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert slot_counters(engine, agenda.slots[0]) == (0, 0, 0)
        offered = client.get("/api/v1/availability", headers=world.auth(),
                             params={"service": agenda.service, "limit": 100})
        assert agenda.slots[0] in [o["slot_id"] for o in offered.json()["items"]]

    def test_a_reason_is_optional(self, client, world, booked):
        response = client.post(url(booked[2], "cancel"), headers=world.auth())

        assert response.status_code == 200

    def test_a_second_cancel_is_refused_and_changes_nothing(
        self, client, world, engine, booked,
    ):
        agenda, _, appointment = booked
        client.post(url(appointment, "cancel"), headers=world.auth())
        before = snapshot(engine, agenda.slots[0])

        response = client.post(url(appointment, "cancel"), headers=world.auth())

        assert problem(response, 409)["type"].endswith("/state-forbids")
        assert snapshot(engine, agenda.slots[0]) == before

    def test_another_citizen_may_not_cancel(self, client, world, engine, booked):
        agenda, _, appointment = booked
        stranger = world.citizen(world.patient())
        before = snapshot(engine, agenda.slots[0])

        problem(client.post(url(appointment, "cancel"), headers=stranger), 403)

        assert snapshot(engine, agenda.slots[0]) == before

    @pytest.mark.parametrize("body, field", [
        ({"reason": "x" * 501}, "reason"), ({"motivo": "x"}, "motivo")])
    def test_bad_input_is_refused_naming_the_field(
        self, client, world, engine, booked, body, field,
    ):
        before = snapshot(engine, booked[0].slots[0])

        response = client.post(url(booked[2], "cancel"), headers=world.auth(),
                               json=body)

        problem(response, 422, field)
        assert snapshot(engine, booked[0].slots[0]) == before

    def test_an_unknown_appointment_is_not_found(self, client, world):
        problem(client.post(url(2**40, "cancel"), headers=world.auth()), 404, "id")


class TestHistory:
    def test_every_change_is_kept_with_who_and_through_which_channel(
        self, client, world, booked,
    ):
        agenda, cf, appointment = booked
        client.post(url(appointment, "move"), headers=world.citizen(cf),
                    json={"slot_id": agenda.slots[2]})
        client.post(url(appointment, "cancel"), headers=world.operator())

        items = client.get(url(appointment, "history"),
                           headers=world.auth()).json()["items"]

        assert [(e["tag"], e["from_status"], e["to_status"], e["channel"])
                for e in items] == [
            ("api:appointment:booked", None, "booked", "contact_center"),
            ("api:appointment:moved", "booked", "booked", "web"),
            ("api:appointment:cancelled", "booked", "cancelled", "front_office"),
        ]

    def test_another_citizen_may_not_read_the_history(self, client, world, booked):
        stranger = world.citizen(world.patient())

        problem(client.get(url(booked[2], "history"), headers=stranger), 403)
