"""POST /api/v1/patients and GET /api/v1/patients/{cf}/appointments."""

import pytest

from tests.e2e.support import book, problem, rome_time, snapshot
from tests.factories import people, places


def new_patient(**changes) -> dict:
    cf, given, family, born = people.new_cf()
    return {"cf": cf, "given_name": given, "family_name": family,
            "birth_date": born.isoformat(), "comune": places.MILANO,
            "phone": "+39 333 123 4567", "email": "assistito@example.org",
            **changes}


def register(client, headers, body):
    return client.post("/api/v1/patients", headers=headers, json=body)


class TestRegisterPatient:
    def test_a_new_codice_fiscale_is_registered_with_201(self, client, world):
        body = new_patient()

        response = register(client, world.auth(), body)

        assert response.status_code == 201, response.text
        assert response.json() == body

    def test_a_known_codice_fiscale_returns_the_existing_record_with_200(
        self, client, world, engine,
    ):
        body = new_patient()
        register(client, world.auth(), body)
        before = snapshot(engine)

        again = register(client, world.auth(), {**body, "phone": "+39 02 1234567"})

        assert again.status_code == 200
        assert again.json() == body
        assert snapshot(engine) == before

    def test_the_codice_fiscale_is_stored_in_capitals(self, client, world):
        body = new_patient()

        response = register(client, world.auth(), {**body, "cf": body["cf"].lower()})

        assert response.status_code == 201
        assert response.json()["cf"] == body["cf"]

    def test_a_citizen_may_register_themselves(self, client, world):
        body = new_patient()

        response = register(client, world.citizen(body["cf"]), body)

        assert response.status_code == 201

    def test_a_citizen_may_not_register_someone_else(self, client, world, engine):
        body = new_patient()
        before = snapshot(engine)

        response = register(client, world.citizen(new_patient()["cf"]), body)

        problem(response, 403)
        assert snapshot(engine) == before

    @pytest.mark.parametrize("changes, field", [
        ({"cf": "RSSMRA80A01F205A"}, "cf"),
        ({"cf": "NOT-A-CF"}, "cf"),
        ({"birth_date": "1901-01-01"}, "birth_date"),
        ({"birth_date": "1980-02-30"}, "birth_date"),
        ({"birth_date": "ieri"}, "birth_date"),
        ({"comune": "15146"}, "comune"),
        ({"comune": "999999"}, "comune"),
        ({"given_name": "   "}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"phone": "chiamami"}, "phone"),
        ({"email": "non-una-mail"}, "email"),
        ({"nickname": "Gigi"}, "nickname"),
    ])
    def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
        self, client, world, engine, changes, field,
    ):
        headers = world.auth()
        before = snapshot(engine)

        response = register(client, headers, new_patient(**changes))

        problem(response, 422, field)
        assert snapshot(engine) == before

    def test_a_missing_field_is_named(self, client, world):
        body = new_patient()
        del body["family_name"]

        problem(register(client, world.auth(), body), 422, "family_name")


class TestPatientAppointments:
    @pytest.fixture
    def booked(self, client, world):
        """Three appointments of one patient, booked out of start order."""
        three = [world.service() for _ in range(3)]
        agenda = world.agenda(services=three)
        cf = world.patient()
        headers = world.auth()
        ids = [book(client, headers, cf, agenda.slots[i], service)["id"]
               for i, service in zip((5, 0, 10), three, strict=True)]
        return cf, ids

    def list_of(self, client, headers, cf, **params):
        return client.get(f"/api/v1/patients/{cf}/appointments", params=params,
                          headers=headers)

    def test_appointments_come_newest_start_first(self, client, world, booked):
        cf, (middle, first, last) = booked

        response = self.list_of(client, world.auth(), cf)

        items = response.json()["items"]
        assert [a["id"] for a in items] == [last, middle, first]
        starts = [rome_time(a["start"]) for a in items]
        assert starts == sorted(starts, reverse=True)
        assert all(a["patient_cf"] == cf for a in items)

    def test_the_status_filter_keeps_that_status_only(self, client, world, booked):
        cf, (middle, first, last) = booked
        headers = world.auth()
        client.post(f"/api/v1/appointments/{middle}/cancel", headers=headers,
                    json={"reason": "non serve più"})

        cancelled = self.list_of(client, headers, cf, status="cancelled").json()
        active = self.list_of(client, headers, cf, status="booked").json()
        done = self.list_of(client, headers, cf, status="completed").json()

        assert [a["id"] for a in cancelled["items"]] == [middle]
        assert [a["id"] for a in active["items"]] == [last, first]
        assert done == {"items": []}

    def test_revoked_duplicates_are_listed_as_revoked(self, client, world):
        agenda = world.agenda()
        cf = world.patient()
        headers = world.auth()
        old = book(client, headers, cf, agenda.slots[0], agenda.service)
        book(client, headers, cf, agenda.slots[4], agenda.service)

        revoked = self.list_of(client, headers, cf, status="revoked").json()

        assert [a["id"] for a in revoked["items"]] == [old["id"]]

    def test_a_citizen_reads_their_own_list(self, client, world, booked):
        cf, ids = booked

        response = self.list_of(client, world.citizen(cf), cf)

        assert sorted(a["id"] for a in response.json()["items"]) == sorted(ids)

    def test_a_citizen_may_not_read_someone_elses_list(self, client, world, booked):
        cf, _ = booked

        response = self.list_of(client, world.citizen(world.patient()), cf)

        problem(response, 403)

    def test_an_operator_sees_only_their_providers_appointments(
        self, client, world, booked,
    ):
        cf, ids = booked

        niguarda = self.list_of(client, world.operator(), cf).json()
        brianza = self.list_of(client, world.operator(places.ASST_BRIANZA),
                               cf).json()

        assert len(niguarda["items"]) == len(ids)
        assert brianza == {"items": []}

    def test_an_unregistered_patient_is_not_found(self, client, world):
        cf = people.new_cf()[0]

        problem(self.list_of(client, world.auth(), cf), 404, "cf")

    def test_a_malformed_codice_fiscale_is_refused(self, client, world):
        problem(self.list_of(client, world.auth(), "RSSMRA80A01F205A"), 422, "cf")

    def test_an_unknown_status_is_refused(self, client, world, booked):
        cf, _ = booked

        problem(self.list_of(client, world.auth(), cf, status="lost"), 422,
                "status")
