"""GET /api/v1/availability: the earliest offers for one service.

Each test offers a service of its own (tests/e2e/support.py), so the offers it
reads come only from the agendas it built.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import text

from retecup.domain.schedule import ROME
from tests.e2e import support
from tests.e2e.support import problem, rome_time, snapshot
from tests.factories import agendas, places

CINISELLO = "015077"
TWO_A_DAY = agendas.every_day("08:00", "10:00", 60)


def offers(client, headers, service, **params) -> dict:
    response = client.get("/api/v1/availability",
                          params={"service": service, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def rome_midnight(days_from_today: int) -> str:
    day = datetime.now(UTC).astimezone(ROME).date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(0), ROME).isoformat()


@pytest.fixture
def area(world):
    """One service on four agendas: two in Milan, one in Cinisello, one in Monza."""
    service = world.service()
    made = [world.agenda(services=(service,), bands=TWO_A_DAY)
            for _ in range(2)]
    made.append(world.agenda(services=(service,), bands=TWO_A_DAY,
                             comune=CINISELLO))
    made.append(world.agenda(services=(service,), bands=TWO_A_DAY,
                             comune=places.MONZA, provider=places.ASST_BRIANZA))
    return service, [a.id for a in made]


class TestOffers:
    def test_an_offer_names_slot_times_provider_site_and_distance(
        self, client, world, area,
    ):
        service, (milan, *_) = area

        found = offers(client, world.auth(), service, comune=places.MILANO)

        first = found["items"][0]
        assert found["deadline"] is None
        assert first["agenda_id"] == milan
        assert rome_time(first["end"]) - rome_time(first["start"]) == timedelta(
            hours=1)
        assert first["provider"] == {
            "code": places.ASST_NIGUARDA,
            "name": "ASST GRANDE OSPEDALE METROPOLITANO NIGUARDA"}
        assert first["site"]["comune"] == places.MILANO
        assert set(first["site"]) == {"id", "name", "address", "comune"}
        assert first["distance_km"] == 0.0
        assert first["within_priority"] is None

    def test_offers_come_by_start_then_distance_then_slot(self, client, world, area):
        service, agenda_ids = area

        items = offers(client, world.auth(), service, comune=places.MILANO,
                       limit=100)["items"]

        keys = [(rome_time(i["start"]), i["distance_km"], i["slot_id"])
                for i in items]
        assert keys == sorted(keys)
        by_start: dict[str, list[int]] = {}
        for item in items:
            by_start.setdefault(item["start"], []).append(item["agenda_id"])
        # Most days all four agendas run; patron days close Milan or Monza.
        assert agenda_ids in by_start.values()
        assert all(ids == [a for a in agenda_ids if a in ids]
                   for ids in by_start.values())
        distances = {i["agenda_id"]: i["distance_km"] for i in items}
        assert [distances[a] for a in agenda_ids] == [0.0, 0.0, 10.4, 14.9]

    def test_asking_again_or_for_more_gives_the_same_list_extended(
        self, client, world, area,
    ):
        service, _ = area
        headers = world.auth()

        short = offers(client, headers, service, comune=places.MILANO, limit=3)
        again = offers(client, headers, service, comune=places.MILANO, limit=3)
        longer = offers(client, headers, service, comune=places.MILANO, limit=11)

        assert short == again
        assert longer["items"][:3] == short["items"]
        assert len(longer["items"]) == 11

    def test_without_a_place_offers_tie_on_slot_id(self, client, world, area):
        service, _ = area

        items = offers(client, world.auth(), service, limit=4)["items"]

        assert all(i["distance_km"] is None for i in items)
        assert [i["slot_id"] for i in items] == sorted(i["slot_id"] for i in items)

    def test_the_radius_leaves_out_farther_sites(self, client, world, area):
        service, agenda_ids = area

        items = offers(client, world.auth(), service, comune=places.MILANO,
                       radius_km=12, limit=100)["items"]

        assert {i["agenda_id"] for i in items} == set(agenda_ids[:3])

    def test_the_health_agency_filter_keeps_its_providers_only(
        self, client, world, area,
    ):
        service, agenda_ids = area

        brianza = offers(client, world.auth(), service, ats=places.ATS_BRIANZA,
                         limit=100)["items"]
        milano = offers(client, world.auth(), service, ats=places.ATS_MILANO,
                        limit=100)["items"]

        assert {i["agenda_id"] for i in brianza} == {agenda_ids[3]}
        assert {i["agenda_id"] for i in milano} == set(agenda_ids[:3])

    def test_a_citizen_without_a_place_searches_around_home(
        self, client, world, engine,
    ):
        service = world.service()
        with engine.begin() as conn:
            support.ensure_sondrio(conn)
        far = world.agenda(services=(service,), bands=TWO_A_DAY,
                           comune=support.SONDRIO)
        near = world.agenda(services=(service,), bands=TWO_A_DAY)
        cf = world.patient(places.MILANO)

        mine = offers(client, world.citizen(cf), service, limit=100)["items"]
        anyone = offers(client, world.auth(), service, limit=100)["items"]

        assert {i["agenda_id"] for i in mine} == {near.id}
        assert {i["distance_km"] for i in mine} == {0.0}
        assert {i["agenda_id"] for i in anyone} == {near.id, far.id}


class TestPriority:
    def test_urgent_offers_say_whether_they_start_before_the_deadline(
        self, client, world,
    ):
        service = world.service(kind="visit")
        world.agenda(services=(service,), bands=TWO_A_DAY, horizon_days=8)
        today = datetime.now(UTC).astimezone(ROME).date()

        found = offers(client, world.auth(), service, priority="U",
                       prescribed_on=today.isoformat(), limit=100)

        deadline = rome_time(found["deadline"])
        assert found["deadline"] == rome_midnight(4)
        flags = [(rome_time(i["start"]) < deadline, i["within_priority"])
                 for i in found["items"]]
        assert all(expected is got for expected, got in flags)
        assert {got for _, got in flags} == {True, False}

    def test_the_prescription_date_defaults_to_today(self, client, world):
        service = world.service(kind="visit")

        found = offers(client, world.auth(), service, priority="B")

        assert found["deadline"] == rome_midnight(11)

    @pytest.mark.parametrize("kind, days", [("visit", 30), ("diagnostic", 60)])
    def test_a_deferrable_deadline_depends_on_the_kind_of_service(
        self, client, world, kind, days,
    ):
        service = world.service(kind=kind)

        found = offers(client, world.auth(), service, priority="D")

        assert found["deadline"] == rome_midnight(days + 1)

    @pytest.mark.parametrize("priority, share", [
        (None, 2), ("U", 1), ("B", 1), ("D", 2), ("P", 2)])
    def test_reserved_slots_are_offered_to_urgent_and_brief_only(
        self, client, world, priority, share,
    ):
        # reserve_percent 50 keeps one slot in two for priorities U and B.
        service = world.service()
        world.agenda(services=(service,), bands=TWO_A_DAY, horizon_days=4,
                     reserve_percent=50)
        every = offers(client, world.auth(), service, priority="U", limit=100)
        asked = {"priority": priority} if priority else {}

        found = offers(client, world.auth(), service, limit=100, **asked)

        assert len(every["items"]) >= 2
        assert len(found["items"]) * share == len(every["items"])
        assert {i["slot_id"] for i in found["items"]} <= {
            i["slot_id"] for i in every["items"]}


class TestWhatIsOffered:
    def test_only_agendas_open_to_the_callers_channel_are_offered(
        self, client, world,
    ):
        service = world.service()
        desk_only = world.agenda(services=(service,), bands=TWO_A_DAY,
                                 channels=["front_office"])
        cf = world.patient()

        assert offers(client, world.auth(), service)["items"] == []
        assert offers(client, world.citizen(cf), service)["items"] == []
        at_desk = offers(client, world.operator(), service)["items"]
        assert {i["agenda_id"] for i in at_desk} == {desk_only.id}
        region = offers(client, world.auth("region_admin", "web"), service)
        assert {i["agenda_id"] for i in region["items"]} == {desk_only.id}

    def test_an_operator_sees_only_the_agendas_of_their_provider(
        self, client, world,
    ):
        service = world.service()
        world.agenda(services=(service,), bands=TWO_A_DAY)

        brianza = world.operator(places.ASST_BRIANZA)

        assert offers(client, brianza, service)["items"] == []

    def test_private_practice_slots_are_offered_only_when_asked_for(
        self, client, world,
    ):
        service = world.service()
        alpi = world.agenda(services=(service,), bands=TWO_A_DAY, regime="alpi")

        assert offers(client, world.auth(), service)["items"] == []
        items = offers(client, world.auth(), service, regime="alpi")["items"]
        assert {i["agenda_id"] for i in items} == {alpi.id}

    def test_a_full_slot_and_a_past_slot_are_never_offered(
        self, client, world, engine,
    ):
        service = world.service()
        agenda = world.agenda(services=(service,), bands=TWO_A_DAY)
        with engine.begin() as conn:
            past = conn.execute(text(
                """INSERT INTO slot (agenda_id, starts_at, ends_at, capacity)
                   VALUES (:a, now() - interval '2 hours',
                           now() - interval '1 hour', 1) RETURNING id"""),
                {"a": agenda.id}).scalar_one()
        headers = world.auth()
        booked = client.post("/api/v1/appointments", headers=headers, json={
            "patient_cf": world.patient(), "slot_id": agenda.slots[0],
            "service": service})
        assert booked.status_code == 201, booked.text

        items = offers(client, headers, service, limit=100,
                       **{"from": "2020-01-01T00:00:00+01:00"})["items"]

        offered = {i["slot_id"] for i in items}
        assert offered == set(agenda.slots[1:])
        assert past not in offered

    def test_the_window_bounds_the_start_times(self, client, world):
        service = world.service()
        world.agenda(services=(service,), bands=TWO_A_DAY)
        start, end = rome_midnight(2), rome_midnight(4)
        every = offers(client, world.auth(), service, limit=100)["items"]

        items = offers(client, world.auth(), service, limit=100,
                       **{"from": start, "to": end})["items"]

        low, high = rome_time(start), rome_time(end)
        assert items == [i for i in every if low <= rome_time(i["start"]) < high]
        assert len(items) < len(every)

    def test_times_carry_the_summer_or_winter_offset_of_rome(self, client, world):
        service = world.service()
        world.agenda(services=(service,), bands=TWO_A_DAY, horizon_days=4,
                     now=datetime(2027, 3, 26, 6, tzinfo=UTC))

        items = offers(client, world.auth(), service, limit=100, **{
            "from": "2027-03-27T00:00:00+01:00",
            "to": "2027-03-31T00:00:00+02:00"})["items"]

        # Clocks go forward on Easter Sunday 2027; Easter Monday is a holiday.
        assert [i["start"] for i in items] == [
            "2027-03-27T08:00:00+01:00", "2027-03-27T09:00:00+01:00",
            "2027-03-30T08:00:00+02:00", "2027-03-30T09:00:00+02:00"]
        assert [i["end"][11:] for i in items] == [
            "09:00:00+01:00", "10:00:00+01:00", "09:00:00+02:00",
            "10:00:00+02:00"]


class TestAvailabilityRefusals:
    @pytest.mark.parametrize("params, field", [
        ({}, "service"),
        ({"service": "99.99.99"}, "service"),
        ({"service": places.ECG, "priority": "Z"}, "priority"),
        ({"service": places.ECG, "prescribed_on": "2026-02-30"}, "prescribed_on"),
        ({"service": places.ECG, "comune": "15146"}, "comune"),
        ({"service": places.ECG, "comune": "999999"}, "comune"),
        ({"service": places.ECG, "from": "2026-12-24T08:00:00"}, "from"),
        ({"service": places.ECG, "from": "domani"}, "from"),
        ({"service": places.ECG, "from": "2030-01-02T00:00:00+01:00",
          "to": "2030-01-01T00:00:00+01:00"}, "to"),
        ({"service": places.ECG, "regime": "privato"}, "regime"),
        ({"service": places.ECG, "limit": "0"}, "limit"),
        ({"service": places.ECG, "radius_km": "-1"}, "radius_km"),
    ])
    def test_bad_input_is_a_problem_naming_the_parameter(
        self, client, world, engine, params, field,
    ):
        headers = world.auth()
        before = snapshot(engine)

        response = client.get("/api/v1/availability", params=params,
                              headers=headers)

        problem(response, 422, field)
        assert snapshot(engine) == before
