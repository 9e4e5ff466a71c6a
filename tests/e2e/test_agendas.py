"""The agendas a provider administers: list, detail, closures, templates,
suspension, and the appointments a change leaves to move."""

from datetime import date, timedelta

import pytest

from tests.e2e.support import book, problem, rome_time, snapshot
from tests.factories import places


def offered_days(client, world, agenda) -> set[date]:
    response = client.get("/api/v1/availability", headers=world.auth(),
                          params={"service": agenda.service, "limit": 100})
    return {rome_time(o["start"]).date() for o in response.json()["items"]}


def first_day(client, world, agenda) -> date:
    return min(offered_days(client, world, agenda))


class TestListAgendas:
    def pages(self, client, headers):
        offset, found = 0, []
        while page := client.get("/api/v1/agendas", headers=headers, params={
                "limit": 500, "offset": offset}).json()["items"]:
            found += page
            offset += len(page)
        return found

    def test_a_provider_admin_lists_their_providers_agendas_only(
        self, client, world,
    ):
        mine = world.agenda()
        theirs = world.agenda(provider=places.ASST_BRIANZA, comune=places.MONZA)

        listed = self.pages(client, world.admin())

        assert {a["provider_code"] for a in listed} == {places.ASST_NIGUARDA}
        assert mine.id in {a["id"] for a in listed}
        assert theirs.id not in {a["id"] for a in listed}

    def test_the_region_lists_every_agenda(self, client, world):
        niguarda = world.agenda()
        brianza = world.agenda(provider=places.ASST_BRIANZA, comune=places.MONZA)

        listed = self.pages(client, world.auth("region_admin", "web"))

        assert {niguarda.id, brianza.id} <= {a["id"] for a in listed}

    @pytest.mark.parametrize("role", ["operator", "specialist"])
    def test_other_provider_roles_may_not_list(self, client, world, role):
        headers = world.auth(role, "front_office", provider=places.ASST_NIGUARDA)

        problem(client.get("/api/v1/agendas", headers=headers), 403)

    def test_a_citizen_may_not_list(self, client, world):
        problem(client.get("/api/v1/agendas",
                           headers=world.citizen(world.patient())), 403)


class TestAgendaDetail:
    def test_the_detail_shows_services_templates_and_closures(self, client, world):
        agenda = world.agenda()

        response = client.get(f"/api/v1/agendas/{agenda.id}", headers=world.admin())

        assert response.status_code == 200
        detail = response.json()
        assert detail["id"] == agenda.id
        assert [s["code"] for s in detail["services"]] == [agenda.service]
        assert len(detail["templates"]) == 1
        assert detail["closures"] == []

    def test_another_providers_admin_may_not_see_it(self, client, world):
        agenda = world.agenda()

        problem(client.get(f"/api/v1/agendas/{agenda.id}",
                           headers=world.admin(places.ASST_BRIANZA)), 403)

    def test_an_unknown_agenda_is_not_found(self, client, world):
        problem(client.get("/api/v1/agendas/999999999", headers=world.admin()),
                404, "id")


class TestClosures:
    def test_a_closure_lists_the_appointments_to_move_and_stops_offers(
        self, client, world,
    ):
        agenda = world.agenda()
        appointment = book(client, world.auth(), world.patient(), agenda.slots[0],
                           agenda.service)
        day = rome_time(appointment["start"]).date()

        response = client.post(f"/api/v1/agendas/{agenda.id}/closures",
                               headers=world.admin(), json={
                                   "first_day": day.isoformat(),
                                   "last_day": day.isoformat(),
                                   "reason": "assenza del medico"})

        assert response.status_code == 201, response.text
        affected = response.json()["affected"]
        assert [a["id"] for a in affected] == [appointment["id"]]
        assert rome_time(affected[0]["starts_at"]) == rome_time(appointment["start"])
        assert day not in offered_days(client, world, agenda)
        again = client.get(f"/api/v1/agendas/{agenda.id}/affected",
                           headers=world.admin())
        assert [a["id"] for a in again.json()["affected"]] == [appointment["id"]]

    @pytest.mark.parametrize("changes, field", [
        ({"last_day": "2026-01-01"}, "last_day"),
        ({"reason": "  "}, "reason"),
        ({"first_day": "2026-02-30"}, "first_day"),
        ({"scope": "all"}, "scope"),
    ])
    def test_bad_input_is_refused_naming_the_field(
        self, client, world, engine, changes, field,
    ):
        agenda = world.agenda()
        headers = world.admin()
        body = {"first_day": "2026-06-01", "last_day": "2026-06-02",
                "reason": "ferie", **changes}
        before = snapshot(engine, *agenda.slots)

        response = client.post(f"/api/v1/agendas/{agenda.id}/closures",
                               headers=headers, json=body)

        problem(response, 422, field)
        assert snapshot(engine, *agenda.slots) == before

    @pytest.mark.parametrize("who", ["other_admin", "operator"])
    def test_only_the_providers_administration_may_close(
        self, client, world, engine, who,
    ):
        agenda = world.agenda()
        headers = (world.admin(places.ASST_BRIANZA) if who == "other_admin"
                   else world.operator())
        before = snapshot(engine, *agenda.slots)

        response = client.post(f"/api/v1/agendas/{agenda.id}/closures",
                               headers=headers, json={
                                   "first_day": "2026-06-01",
                                   "last_day": "2026-06-01", "reason": "ferie"})

        problem(response, 403)
        assert snapshot(engine, *agenda.slots) == before


class TestTemplates:
    def test_a_new_template_rebuilds_the_free_slots(self, client, world):
        agenda = world.agenda()
        start = first_day(client, world, agenda)

        response = client.post(f"/api/v1/agendas/{agenda.id}/templates",
                               headers=world.admin(), json={
                                   "valid_from": start.isoformat(),
                                   "bands": [{"weekday": d, "start": "14:00",
                                              "end": "15:00", "slot_min": 20}
                                             for d in range(7)]})

        assert response.status_code == 201, response.text
        offers = client.get("/api/v1/availability", headers=world.auth(), params={
            "service": agenda.service, "limit": 100}).json()["items"]
        assert offers
        assert {o["start"][11:16] for o in offers} == {"14:00", "14:20", "14:40"}

    def test_booked_appointments_outside_the_new_template_are_listed(
        self, client, world,
    ):
        agenda = world.agenda()
        appointment = book(client, world.auth(), world.patient(), agenda.slots[0],
                           agenda.service)
        day = rome_time(appointment["start"]).date()

        response = client.post(f"/api/v1/agendas/{agenda.id}/templates",
                               headers=world.admin(), json={
                                   "valid_from": (day - timedelta(days=1)).isoformat(),
                                   "bands": [{"weekday": 0, "start": "18:00",
                                              "end": "19:00", "slot_min": 30}]})

        assert [a["id"] for a in response.json()["affected"]] == [
            appointment["id"]]

    @pytest.mark.parametrize("band, field", [
        ({"start": "12:00", "end": "08:00"}, "bands[0]"),
        ({"start": "25:00"}, "bands[0]"),
        ({"start": "8:00"}, "bands.0.start"),
        ({"weekday": 7}, "bands.0.weekday"),
        ({"slot_min": 0}, "bands.0.slot_min"),
        ({"room": "A"}, "bands.0.room"),
    ])
    def test_a_bad_band_is_refused_naming_it(
        self, client, world, engine, band, field,
    ):
        agenda = world.agenda()
        headers = world.admin()
        body = {"valid_from": "2026-06-01", "bands": [
            {"weekday": 0, "start": "08:00", "end": "12:00", "slot_min": 30, **band}]}
        before = snapshot(engine, *agenda.slots)

        response = client.post(f"/api/v1/agendas/{agenda.id}/templates",
                               headers=headers, json=body)

        problem(response, 422, field)
        assert snapshot(engine, *agenda.slots) == before

    @pytest.mark.parametrize("body, field", [
        ({"valid_from": "2026-06-01", "valid_to": "2026-05-01"}, "valid_to"),
        ({"valid_from": "2026-06-01", "bands": []}, "bands"),
    ])
    def test_bad_validity_or_no_bands_is_refused(
        self, client, world, engine, body, field,
    ):
        agenda = world.agenda()
        headers = world.admin()
        band = {"weekday": 0, "start": "08:00", "end": "12:00", "slot_min": 30}
        before = snapshot(engine, *agenda.slots)

        response = client.post(f"/api/v1/agendas/{agenda.id}/templates",
                               headers=headers, json={"bands": [band], **body})

        problem(response, 422, field)
        assert snapshot(engine, *agenda.slots) == before


class TestSuspend:
    def test_a_suspended_agenda_offers_nothing_and_lists_its_appointments(
        self, client, world,
    ):
        agenda = world.agenda()
        appointment = book(client, world.auth(), world.patient(), agenda.slots[2],
                           agenda.service)

        response = client.post(f"/api/v1/agendas/{agenda.id}/suspend",
                               headers=world.admin())

        assert response.status_code == 200
        assert [a["id"] for a in response.json()["affected"]] == [
            appointment["id"]]
        assert offered_days(client, world, agenda) == set()

    def test_another_providers_admin_may_not_suspend(self, client, world, engine):
        agenda = world.agenda()
        headers = world.admin(places.ASST_BRIANZA)
        before = snapshot(engine, *agenda.slots)

        response = client.post(f"/api/v1/agendas/{agenda.id}/suspend",
                               headers=headers)

        problem(response, 403)
        assert snapshot(engine, *agenda.slots) == before

    def test_an_unknown_agenda_is_not_found(self, client, world):
        problem(client.post("/api/v1/agendas/999999999/suspend",
                            headers=world.admin()), 404, "id")
        problem(client.get("/api/v1/agendas/999999999/affected",
                           headers=world.admin()), 404, "id")
