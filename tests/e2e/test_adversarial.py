"""Adversarial HTTP tests: races, hostile input, odd dates, other people's data.

Each attack checks what the contract promises: a problem document naming the
field, no trace, and nothing changed (support.snapshot); or, for races, that
the counters on the slot rows agree with the appointments. The bugs this file
found were fixed; each test now guards its fix.
"""

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from codicefiscale import codicefiscale
from sqlalchemy import text

from retecup.domain.schedule import ROME
from tests.e2e.support import (
    book,
    new_nre,
    problem,
    rome_time,
    slot_counters,
    snapshot,
)
from tests.factories import agendas, people, places

APPOINTMENTS = "/api/v1/appointments"


def together(calls: list) -> list:
    """Runs every call at once from its own thread; returns the responses."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def post(client, headers, path, body):
    return lambda: client.post(path, headers=headers, json=body)


def active(engine, slot_ids) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM appointment WHERE slot_id = ANY(:s) "
            "AND status IN ('booked', 'checked_in')"), {"s": list(slot_ids)}).scalar()


def booked_total(engine, slot_ids) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT sum(booked + overbooked) FROM slot WHERE id = ANY(:s)"),
            {"s": list(slot_ids)}).scalar()


@pytest.fixture
def scene(world):
    agenda = world.agenda()
    cf = world.patient()
    return agenda, cf, {"patient_cf": cf, "slot_id": agenda.slots[0],
                        "service": agenda.service}


@pytest.mark.race
class TestRacesOverHttp:
    def test_fifty_clients_for_one_slot_make_one_appointment(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        slot = agenda.slots[0]
        calls = [post(client, world.auth(), APPOINTMENTS, {
            "patient_cf": world.patient(), "slot_id": slot,
            "service": agenda.service}) for _ in range(50)]

        responses = together(calls)

        codes = sorted(r.status_code for r in responses)
        assert codes == [201] + [409] * 49
        for refused in (r for r in responses if r.status_code == 409):
            problem(refused, 409, "slot_id")
        assert slot_counters(engine, slot) == (1, 0, 0)
        assert active(engine, [slot]) == 1

    def test_ten_retries_with_one_key_book_once(self, client, world, engine,
                                                scene):
        agenda, cf, body = scene
        headers = {**world.auth(), "Idempotency-Key": uuid.uuid4().hex}

        responses = together([post(client, headers, APPOINTMENTS, body)
                              for _ in range(10)])

        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        assert active(engine, agenda.slots) == 1

    def test_one_key_with_ten_bodies_books_once(self, client, world, engine):
        agenda = world.agenda()
        headers = {**world.auth(), "Idempotency-Key": uuid.uuid4().hex}
        calls = [post(client, headers, APPOINTMENTS, {
            "patient_cf": world.patient(), "slot_id": slot,
            "service": agenda.service}) for slot in agenda.slots[:10]]

        responses = together(calls)

        assert sorted(r.status_code for r in responses) == [201] + [409] * 9
        assert active(engine, agenda.slots) == 1

    def test_ten_bookings_of_one_service_leave_one_active(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        cf = world.patient()
        calls = [post(client, world.auth(), APPOINTMENTS, {
            "patient_cf": cf, "slot_id": s, "service": agenda.service})
            for s in agenda.slots[:10]]

        responses = together(calls)

        assert {r.status_code for r in responses} == {201}
        assert active(engine, agenda.slots) == 1
        assert booked_total(engine, agenda.slots[:10]) == 1

    def test_overlapping_bookings_of_two_services_leave_one(
        self, client, world, engine,
    ):
        first, second = world.agenda(), world.agenda()
        cf = world.patient()

        responses = together([
            post(client, world.auth(), APPOINTMENTS, {
                "patient_cf": cf, "slot_id": a.slots[0], "service": a.service})
            for a in (first, second)])

        assert sorted(r.status_code for r in responses) == [201, 409]
        problem(next(r for r in responses if r.status_code == 409), 409,
                "slot_id")
        assert active(engine, [first.slots[0], second.slots[0]]) == 1

    def test_ten_holds_on_one_place_give_one(self, client, world, engine):
        agenda = world.agenda()
        slot = agenda.slots[0]

        responses = together([post(client, world.auth(), "/api/v1/holds",
                                   {"slot_id": slot}) for _ in range(10)])

        assert sorted(r.status_code for r in responses) == [201] + [409] * 9
        assert slot_counters(engine, slot) == (0, 1, 0)

    def test_a_move_racing_a_cancel_leaves_the_counters_right(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        for round_ in range(4):
            old, new = agenda.slots[2 * round_], agenda.slots[2 * round_ + 1]
            headers = world.auth()
            appointment = book(client, headers, world.patient(), old,
                               agenda.service)
            url = f"{APPOINTMENTS}/{appointment['id']}"

            together([post(client, headers, f"{url}/cancel", {}),
                      post(client, headers, f"{url}/move", {"slot_id": new})])

            assert booked_total(engine, [old, new]) == active(engine, [old, new])

    def test_a_booking_racing_the_cancel_of_its_duplicate_ends_consistent(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        for round_ in range(4):
            cf, headers = world.patient(), world.auth()
            older = book(client, headers, cf, agenda.slots[2 * round_],
                         agenda.service)

            cancel, booking = together([
                post(client, headers, f"{APPOINTMENTS}/{older['id']}/cancel", {}),
                post(client, headers, APPOINTMENTS, {
                    "patient_cf": cf, "slot_id": agenda.slots[2 * round_ + 1],
                    "service": agenda.service})])

            # Whichever takes the patient's lock first wins: the older
            # appointment ends cancelled, or revoked by the new booking (and
            # then the cancel is refused as the state forbids it).
            assert booking.status_code == 201, booking.text
            revoked = [r["id"] for r in booking.json()["revoked"]]
            if cancel.status_code == 200:
                assert revoked == []
            else:
                assert cancel.status_code == 409, cancel.text
                assert cancel.json()["type"].endswith("state-forbids")
                assert revoked == [older["id"]]


class TestDuplicatesRevoked:
    def test_the_same_service_at_the_same_time_elsewhere_revokes_the_first(
        self, client, world,
    ):
        service = world.service()
        here = world.agenda(services=(service,))
        there = world.agenda(services=(service,), provider=places.ASST_BRIANZA,
                             comune=places.MONZA)
        cf = world.patient()
        first = book(client, world.auth(), cf, here.slots[0], service)

        response = client.post(APPOINTMENTS, headers=world.auth(), json={
            "patient_cf": cf, "slot_id": there.slots[0], "service": service})

        assert response.status_code == 201, response.text
        assert [r["id"] for r in response.json()["revoked"]] == [first["id"]]

    def test_a_later_date_with_the_same_prescription_revokes_the_first(
        self, client, world,
    ):
        agenda = world.agenda()
        cf = world.patient()
        rx = {"nre": new_nre(), "priority": "P", "prescribed_on":
              datetime.now(ROME).date().isoformat()}
        first = book(client, world.auth(), cf, agenda.slots[0], agenda.service,
                     prescription=rx)

        response = client.post(APPOINTMENTS, headers=world.auth(), json={
            "patient_cf": cf, "slot_id": agenda.slots[-1],
            "service": agenda.service, "prescription": rx})

        assert response.status_code == 201, response.text
        assert [r["id"] for r in response.json()["revoked"]] == [first["id"]]


HOSTILE_BOOKINGS = [
    ({"slot_id": 2**63}, 422, "slot_id"),
    ({"slot_id": -1}, 422, "slot_id"),
    ({"slot_id": 1.5}, 422, "slot_id"),
    ({"slot_id": None}, 422, "slot_id"),
    ({"patient_cf": "RSSMRA80 A01F205X"}, 422, "patient_cf"),
    ({"patient_cf": "' OR 1=1 --"}, 422, "patient_cf"),
    ({"patient_cf": "\U0001f600" * 16}, 422, "patient_cf"),
    ({"patient_cf": 12345}, 422, "patient_cf"),
    ({"service": "x'; DROP TABLE slot; --"}, 422, "service"),
    ({"service": "\U0001fa7a"}, 422, "service"),
    ({"service": "A" * 5000}, 422, "service"),
    ({"prescription": {"nre": "٠٣٠AAAAAAAAAAAA", "priority": "D",
                       "prescribed_on": "2026-11-02"}}, 422, "prescription.nre"),
    ({"prescription": {"nre": "030AAAAAAAAAAAA", "priority": "d",
                       "prescribed_on": "2026-11-02"}}, 422,
     "prescription.priority"),
    ({"hold_id": str(uuid.UUID(int=0))}, 409, "hold_id"),
]


class TestHostileInputChangesNothing:
    @pytest.mark.parametrize("changes, status, field", HOSTILE_BOOKINGS,
                             ids=[str(i) for i in range(len(HOSTILE_BOOKINGS))])
    def test_a_hostile_booking_is_a_problem_naming_the_field(
        self, client, world, engine, scene, changes, status, field,
    ):
        agenda, _, body = scene
        before = snapshot(engine, agenda.slots[0])

        response = client.post(APPOINTMENTS, headers=world.auth(),
                               json={**body, **changes})

        problem(response, status, field)
        assert snapshot(engine, agenda.slots[0]) == before

    @pytest.mark.parametrize("content, kind", [
        (b"null", "application/json"), (b"[]", "application/json"),
        (b"\"x\"", "application/json"), (b"<a/>", "application/xml"),
        (b"\xff\xfe", "application/json")])
    def test_a_body_that_is_not_an_object_is_refused(
        self, client, world, engine, scene, content, kind,
    ):
        before = snapshot(engine, scene[0].slots[0])

        response = client.post(APPOINTMENTS, content=content, headers={
            **world.auth(), "Content-Type": kind})

        problem(response, 422)
        assert snapshot(engine, scene[0].slots[0]) == before

    def test_a_lower_case_padded_codice_fiscale_books_the_same_patient(
        self, client, world, scene,
    ):
        agenda, cf, body = scene

        booked = book(client, world.auth(), f"  {cf.lower()} ", agenda.slots[0],
                      f" {agenda.service.lower()} ")

        assert booked["patient_cf"] == cf

    def test_hostile_names_are_stored_as_text(self, client, world):
        cf, _, _, born = people.new_cf()
        body = {"cf": cf, "given_name": "\U0001f600 Zoë", "family_name":
                "'); DROP TABLE patient; --", "birth_date": born.isoformat(),
                "comune": places.MILANO}

        response = client.post("/api/v1/patients", headers=world.auth(),
                               json=body)

        assert response.status_code == 201, response.text
        assert response.json()["family_name"] == body["family_name"]
        search = client.get("/api/v1/services", headers=world.auth(),
                            params={"q": "visita' OR '1'='1"})
        assert search.status_code == 200

    def test_a_boolean_slot_id_is_refused(self, client, world, engine, scene):
        agenda, _, body = scene

        problem(client.post(APPOINTMENTS, headers=world.auth(),
                            json={**body, "slot_id": True}), 422, "slot_id")


def nul_requests(agenda, cf, appointment) -> list:
    rx_day = datetime.now(ROME).date().isoformat()
    return [
        ("POST", APPOINTMENTS, {"json": {"patient_cf": cf, "slot_id":
                                         agenda.slots[1], "service": "89.52\0"}},
         "service"),
        ("POST", f"{APPOINTMENTS}/{appointment['id']}/cancel",
         {"json": {"reason": "malattia\0"}}, "reason"),
        ("POST", f"/api/v1/agendas/{agenda.id}/closures", {"json": {
            "first_day": rx_day, "last_day": rx_day, "reason": "ferie\0"}},
         "reason"),
        ("GET", "/api/v1/services", {"params": {"q": "visita\0"}}, "q"),
        ("GET", "/api/v1/availability", {"params": {
            "service": agenda.service, "ats": "03\x0021"}}, "ats"),
    ]


def server_log(caplog) -> str:
    """What the application logged, tracebacks included (not the test client)."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records
                     if r.name.startswith("retecup"))


class TestNulBytes:
    @pytest.mark.parametrize("index", range(5),
                             ids=["service", "cancel", "closure", "q", "ats"])
    def test_a_nul_character_is_invalid_input(self, client, world, engine,
                                              scene, index):
        agenda, cf, _ = scene
        appointment = book(client, world.auth(), cf, agenda.slots[0],
                           agenda.service)
        method, path, kwargs, field = nul_requests(agenda, cf, appointment)[index]
        headers = world.admin() if "agendas" in path else world.auth()
        before = snapshot(engine, *agenda.slots)

        response = client.request(method, path, headers=headers, **kwargs)

        problem(response, 422, field)
        assert snapshot(engine, *agenda.slots) == before

    def test_everyday_changes_log_no_codice_fiscale_or_name(
        self, client, world, caplog,
    ):
        caplog.set_level("DEBUG")
        agenda = world.agenda()
        cf, given, family, born = people.new_cf()
        client.post("/api/v1/patients", headers=world.auth(), json={
            "cf": cf, "given_name": given, "family_name": family,
            "birth_date": born.isoformat(), "comune": places.MILANO})
        headers = world.citizen(cf)
        book(client, headers, cf, agenda.slots[0], agenda.service)
        second = book(client, headers, cf, agenda.slots[1], agenda.service)
        client.get(f"/api/v1/patients/{cf}/appointments", headers=headers)
        client.post(f"{APPOINTMENTS}/{second['id']}/cancel", headers=headers,
                    json={"reason": f"{given} {family}"})

        ours = server_log(caplog)
        assert "appointment revoked" in ours and "appointment cancelled" in ours
        assert cf not in ours and family not in ours

    def test_a_refused_registration_logs_no_personal_data(
        self, client, world, caplog,
    ):
        cf, given, family, born = people.new_cf()

        response = client.post("/api/v1/patients", headers=world.auth(), json={
            "cf": cf, "given_name": given + "\0", "family_name": family,
            "birth_date": born.isoformat(), "comune": places.MILANO,
            "phone": "+39 333 765 4321"})

        ours = server_log(caplog)
        assert cf not in ours and family not in ours
        problem(response, 422, "given_name")


class TestOddDates:
    def test_a_prescription_date_at_the_end_of_time_is_refused(
        self, client, world,
    ):
        response = client.get("/api/v1/availability", headers=world.auth(),
                              params={"service": world.service(), "priority": "P",
                                      "prescribed_on": "9999-12-31"})

        problem(response, 422, "prescribed_on")

    def test_a_prescription_dated_tomorrow_in_rome_is_refused(
        self, client, world, engine, scene,
    ):
        agenda, _, body = scene
        tomorrow = (datetime.now(ROME) + timedelta(days=1)).date().isoformat()
        before = snapshot(engine, agenda.slots[0])

        response = client.post(APPOINTMENTS, headers=world.auth(), json={
            **body, "prescription": {"nre": new_nre(), "priority": "D",
                                     "prescribed_on": tomorrow}})

        problem(response, 422, "prescription.prescribed_on")
        assert snapshot(engine, agenda.slots[0]) == before

    def test_a_prescription_from_1900_is_refused(self, client, world, scene):
        _, _, body = scene

        response = client.post(APPOINTMENTS, headers=world.auth(), json={
            **body, "prescription": {"nre": new_nre(), "priority": "B",
                                     "prescribed_on": "1900-01-01"}})

        problem(response, 422, "prescription.prescribed_on")

    def test_a_patient_born_in_1925_registers(self, client, world):
        cf = codicefiscale.encode(lastname="Trivulzio", firstname="Teodolinda",
                                  gender="F", birthdate="12/03/1925",
                                  birthplace="F205")

        response = client.post("/api/v1/patients", headers=world.auth(), json={
            "cf": cf, "given_name": "Teodolinda", "family_name": "Trivulzio",
            "birth_date": "1925-03-12", "comune": places.MILANO})

        assert response.status_code == 201, response.text

    def test_history_times_carry_romes_offset(self, client, world, scene):
        agenda, cf, _ = scene
        appointment = book(client, world.auth(), cf, agenda.slots[0],
                           agenda.service)

        items = client.get(f"{APPOINTMENTS}/{appointment['id']}/history",
                           headers=world.auth()).json()["items"]

        assert items
        for item in items:
            rome_time(item["at"])

    def test_an_appointment_in_the_past_cannot_be_cancelled(
        self, client, world, engine, scene,
    ):
        agenda, cf, _ = scene
        appointment = book(client, world.auth(), cf, agenda.slots[0],
                           agenda.service)
        # Time passes: the visit was two days ago.
        shift = rome_time(appointment["start"]) - datetime.now(UTC) + timedelta(
            days=2)
        with engine.begin() as conn:
            for table, key in (("slot", agenda.slots[0]),
                               ("appointment", appointment["id"])):
                conn.execute(text(
                    f"UPDATE {table} SET starts_at = starts_at - :d, "
                    f"ends_at = ends_at - :d WHERE id = :k"), {"d": shift, "k": key})
        before = snapshot(engine, agenda.slots[0])

        response = client.post(f"{APPOINTMENTS}/{appointment['id']}/cancel",
                               headers=world.citizen(cf), json={})

        problem(response, 409)
        assert snapshot(engine, agenda.slots[0]) == before

    @pytest.mark.parametrize("params, field", [
        ({"from": "2027-01-10"}, "from"),
        ({"to": "2027-01-10T10:00:00"}, "to"),
        ({"to": "2020-01-01T00:00:00+01:00"}, "to"),
        ({"radius_km": "nan", "comune": places.MILANO}, "radius_km"),
        ({"radius_km": "inf", "comune": places.MILANO}, "radius_km"),
        ({"radius_km": "0", "comune": places.MILANO}, "radius_km"),
        ({"radius_km": "1e9", "comune": places.MILANO}, "radius_km"),
        ({"limit": "1000"}, "limit"),
        ({"limit": "1.5"}, "limit"),
    ])
    def test_odd_windows_and_bounds_are_refused(self, client, world, params,
                                                field):
        response = client.get("/api/v1/availability", headers=world.auth(),
                              params={"service": world.service(), **params})

        problem(response, 422, field)

    def test_a_malformed_health_agency_is_refused(self, client, world):
        response = client.get("/api/v1/availability", headers=world.auth(),
                              params={"service": world.service(), "ats": "ABC"})

        problem(response, 422, "ats")


class TestHolds:
    def test_a_hold_is_not_bookable_by_another_even_with_its_id(
        self, client, world, engine, scene,
    ):
        agenda, _, body = scene
        held = client.post("/api/v1/holds", headers=world.auth(),
                           json={"slot_id": agenda.slots[0]}).json()
        before = snapshot(engine, agenda.slots[0])

        for extra in ({}, {"hold_id": held["hold_id"]}):
            response = client.post(APPOINTMENTS, headers=world.auth(),
                                   json={**body, **extra})
            problem(response, 409)
        assert snapshot(engine, agenda.slots[0]) == before

    def test_an_expired_hold_on_a_shared_slot_frees_its_place_in_offers(
        self, client, world, engine,
    ):
        agenda = world.agenda(bands=agendas.every_day(capacity=2))
        slot = agenda.slots[0]
        first, _ = [client.post("/api/v1/holds", headers=world.auth(),
                                json={"slot_id": slot}).json() for _ in range(2)]
        with engine.begin() as conn:  # the first hold runs out
            conn.execute(text("UPDATE slot_hold SET expires_at = now() "
                              "WHERE id = :h"), {"h": first["hold_id"]})

        offered = client.get("/api/v1/availability", headers=world.auth(), params={
            "service": agenda.service, "limit": 100}).json()["items"]

        assert slot in {o["slot_id"] for o in offered}


def last_sunday_of_october() -> date:
    """The next night the clocks go back, at least a week away."""
    year = date.today().year
    while True:
        day = date(year, 10, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        if day > date.today() + timedelta(days=7):
            return day
        year += 1


class TestAgendaAdministration:
    def test_overlapping_bands_are_refused_or_merged(self, client, world, engine):
        agenda = world.agenda()
        day = date.today() + timedelta(days=2)
        bands = [{"weekday": day.weekday(), "start": start, "end": end,
                  "slot_min": 30} for start, end in (("08:00", "10:00"),
                                                     ("09:00", "11:00"))]
        before = snapshot(engine, *agenda.slots)

        response = client.post(f"/api/v1/agendas/{agenda.id}/templates",
                               headers=world.admin(), json={
                                   "valid_from": day.isoformat(), "bands": bands})

        assert response.status_code in (201, 422), response.text
        if response.status_code == 422:
            problem(response, 422, "bands")
            assert snapshot(engine, *agenda.slots) == before

    def test_adjacent_bands_in_the_repeated_hour_make_no_duplicate_slots(
        self, client, world,
    ):
        day = last_sunday_of_october()
        agenda = world.agenda(
            bands=[{"weekday": 6, "start": "10:00", "end": "11:00",
                    "slot_min": 30, "capacity": 1}], horizon_days=4,
            now=datetime.combine(day - timedelta(days=2), datetime.min.time(),
                                 UTC))
        bands = [{"weekday": 6, "start": s, "end": e, "slot_min": 30}
                 for s, e in (("01:00", "02:30"), ("02:30", "04:00"))]

        response = client.post(f"/api/v1/agendas/{agenda.id}/templates",
                               headers=world.admin(), json={
                                   "valid_from": day.isoformat(),
                                   "valid_to": day.isoformat(), "bands": bands})

        assert response.status_code == 201, response.text
        items = client.get("/api/v1/availability", headers=world.auth(), params={
            "service": agenda.service, "limit": 100,
            "from": f"{day - timedelta(days=1)}T12:00:00+02:00",
            "to": f"{day}T12:00:00+01:00"}).json()["items"]
        spans = [(rome_time(i["start"]), rome_time(i["end"])) for i in items]
        assert [s.isoformat()[11:] for s, _ in spans] == [
            "01:00:00+02:00", "01:30:00+02:00", "02:00:00+02:00",
            "02:30:00+01:00", "03:00:00+01:00", "03:30:00+01:00"]
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))

    def test_a_closure_keeps_the_booking_and_it_can_move_away(
        self, client, world, engine,
    ):
        agenda = world.agenda()
        cf = world.patient()
        appointment = book(client, world.auth(), cf, agenda.slots[0],
                           agenda.service)
        day = rome_time(appointment["start"]).date().isoformat()
        closed = client.post(f"/api/v1/agendas/{agenda.id}/closures",
                             headers=world.admin(), json={
                                 "first_day": day, "last_day": day,
                                 "reason": "sciopero \U0001f6a7"})
        assert [a["id"] for a in closed.json()["affected"]] == [appointment["id"]]
        later = next(s for s in agendas_free(engine, agenda.id))

        moved = client.post(f"{APPOINTMENTS}/{appointment['id']}/move",
                            headers=world.citizen(cf), json={"slot_id": later})

        assert moved.status_code == 200, moved.text
        assert slot_counters(engine, agenda.slots[0]) == (0, 0, 0)
        assert slot_counters(engine, later) == (1, 0, 0)


def agendas_free(engine, agenda_id: int) -> list[int]:
    with engine.connect() as conn:
        return agendas.free_slots(conn, agenda_id)


class TestOtherPeoplesRecords:
    @pytest.mark.parametrize("who", ["citizen", "operator_elsewhere"])
    @pytest.mark.parametrize("action", ["get", "history", "cancel", "move"])
    def test_a_stranger_reaches_nothing_and_changes_nothing(
        self, client, world, engine, scene, who, action,
    ):
        agenda, cf, _ = scene
        appointment = book(client, world.auth(), cf, agenda.slots[0],
                           agenda.service)
        headers = (world.citizen(world.patient()) if who == "citizen"
                   else world.operator(places.ASST_BRIANZA))
        url = f"{APPOINTMENTS}/{appointment['id']}"
        before = snapshot(engine, *agenda.slots[:2])

        response = {
            "get": lambda: client.get(url, headers=headers),
            "history": lambda: client.get(f"{url}/history", headers=headers),
            "cancel": lambda: client.post(f"{url}/cancel", headers=headers,
                                          json={}),
            "move": lambda: client.post(f"{url}/move", headers=headers,
                                        json={"slot_id": agenda.slots[1]}),
        }[action]()

        found = problem(response, 403)
        assert cf not in found["detail"]
        assert snapshot(engine, *agenda.slots[:2]) == before

    def test_a_revoked_token_is_refused(self, client, world, engine):
        headers = world.auth()
        token = headers["Authorization"].split()[1]
        with engine.begin() as conn:
            conn.execute(text(
                "UPDATE principal SET revoked_at = now() "
                "WHERE token_hash = sha256(convert_to(:t, 'UTF8'))"), {"t": token})

        problem(client.get("/api/v1/services", headers=headers,
                           params={"q": "visita"}), 401)
