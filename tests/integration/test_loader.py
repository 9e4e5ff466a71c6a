"""The loader on real PostgreSQL: the `test` profile, loaded for real.

Databases are this module's own (created on the server named by
RETECUP_TEST_DATABASE_URL, dropped at the end), so that loads never meet the
rows other tests commit. Two loads with the same seed and day are compared:
one the ordinary way, one in bulk mode (indexes dropped and rebuilt), which
must give the same rows and the same schema.
"""

import dataclasses
import os
import uuid
from datetime import date, datetime, timedelta

import psycopg
import pytest
from codicefiscale import codicefiscale
from faker.providers.person.it_IT import Provider as ItalianNames

from retecup.adapters.database import make_engine
from retecup.adapters.migrate import upgrade
from retecup.domain.calendar import closed_days, years_between
from retecup.domain.schedule import ROME, Band, Template, generate_slots
from retecup.loader import PROFILES, load_profile
from retecup.loader.reference import TARIFF_FILE_VARIABLE, load_services
from retecup.loader.run import load

TODAY = date(2026, 11, 23)  # the horizon holds 7, 8, 25 and 26 December
SEED = 2026
SERVER = os.environ.get("RETECUP_TEST_DATABASE_URL")

pytestmark = pytest.mark.skipif(
    not SERVER, reason="RETECUP_TEST_DATABASE_URL is not set: the loader tests need "
    "a PostgreSQL server URL to create their own databases on")

TABLES = ("health_agency", "comune", "provider", "site", "branch", "service", "agenda",
          "agenda_service", "agenda_template", "slot", "patient", "appointment",
          "appointment_event", "load_run")


class Database:
    def __init__(self, name: str):
        self.name = name
        self.url = f"{SERVER.rsplit('/', 1)[0]}/{name}"
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.engine = make_engine(self.url, pool_size=2)

    def rows(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.url, options="-c timezone=UTC") as conn:
            return conn.execute(sql, params).fetchall()

    def value(self, sql: str, params=()):
        return self.rows(sql, params)[0][0]

    def counts(self) -> dict[str, int]:
        return {t: self.value(f"SELECT count(*) FROM {t}") for t in TABLES}

    def drop(self) -> None:
        self.engine.dispose()
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases():
    made = []

    def make() -> Database:
        made.append(Database(f"retecup_loader_test_{uuid.uuid4().hex[:8]}"))
        return made[-1]

    yield make
    for database in made:
        database.drop()


@pytest.fixture(scope="module")
def loaded(databases):
    database = databases()
    lines: list[str] = []
    summary = load_profile(database.engine, "test", seed=SEED, today=TODAY,
                           progress=lines.append)
    database.summary, database.lines = summary, lines
    return database


@pytest.fixture(scope="module")
def loaded_in_bulk(databases):
    database = databases()
    bulk = dataclasses.replace(PROFILES["test"], bulk_slots=True)
    load(database.engine, bulk, seed=SEED, today=TODAY, progress=lambda line: None)
    return database


def test_load_reports_each_step_and_records_the_run(loaded):
    assert loaded.summary["counts"]["agendas"] == PROFILES["test"].agendas
    slots = loaded.value("SELECT count(*) FROM slot")
    assert loaded.summary["counts"]["slots"] == slots
    assert any(line.startswith("[") and "slots" in line for line in loaded.lines)
    assert loaded.value("SELECT seed FROM load_run WHERE profile = 'test'") == SEED


def test_second_run_changes_nothing(loaded):
    before = loaded.counts()
    summary = load_profile(loaded.engine, "test", seed=SEED, today=TODAY,
                           progress=lambda line: None)
    assert summary["skipped"] is True
    assert loaded.counts() == before


_FINGERPRINTS = {
    "agendas": "SELECT a.id, p.code, s.name, a.name, a.regime, a.access, a.channels, "
               "a.reserve_percent, a.reserve_release_days, a.generated_until "
               "FROM agenda a JOIN provider p ON p.code = a.provider_code "
               "JOIN site s ON s.id = a.site_id ORDER BY a.id",
    "services": "SELECT agenda_id, service_code, duration_min FROM agenda_service "
                "ORDER BY 1, 2",
    "templates": "SELECT agenda_id, valid_from, valid_to, bands::text "
                 "FROM agenda_template ORDER BY 1",
    "slots": "SELECT md5(string_agg(concat_ws('|', agenda_id, starts_at, ends_at, "
             "capacity, booked, reserved_until), ',' ORDER BY agenda_id, starts_at)) "
             "FROM slot",
    "patients": "SELECT cf FROM patient ORDER BY id",
    "appointments": "SELECT a.code, p.cf, a.service_code, a.agenda_id, a.starts_at, "
                    "a.channel, a.booked_at FROM appointment a "
                    "JOIN patient p ON p.id = a.patient_id ORDER BY a.code",
}


@pytest.mark.parametrize("what", sorted(_FINGERPRINTS))
def test_same_seed_same_rows_even_in_bulk_mode(loaded, loaded_in_bulk, what):
    sql = _FINGERPRINTS[what]
    assert loaded.rows(sql) == loaded_in_bulk.rows(sql)


def test_bulk_mode_restores_every_index_and_constraint(loaded, loaded_in_bulk):
    sql = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
           "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
           "UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes "
           "WHERE schemaname = 'public' ORDER BY 1, 2, 3")
    assert loaded.rows(sql) == loaded_in_bulk.rows(sql)
    assert len(loaded.rows(sql)) > 50


def test_reference_data(loaded):
    kinds = dict(loaded.rows("SELECT kind, count(*) FROM health_agency GROUP BY kind"))
    assert kinds == {"ATS": 8, "ASST": 26, "ASL": 15}
    assert loaded.value("SELECT count(*) FROM health_agency WHERE kind = 'ASST' "
                        "AND ats_code IS NULL") == 0
    assert loaded.value("SELECT bool_or(active) FROM health_agency "
                        "WHERE kind = 'ASL'") is False
    assert loaded.value("SELECT count(*) FROM comune WHERE ats_code IS NULL") == 0
    assert loaded.value("SELECT count(*) FROM comune") == 1502
    assert loaded.value("SELECT count(*) FROM service "
                        "WHERE tariff_source = 'illustrative'") == 2108


@pytest.mark.parametrize(("comune", "province", "ats"), [
    ("Breno", "BS", "030323"),     # Valle Camonica: ATS della Montagna
    ("Brescia", "BS", "030326"),
    ("Dongo", "CO", "030323"),     # Alto Lario: ATS della Montagna
    ("Menaggio", "CO", "030322"),  # Medio Lario: ATS Insubria since 2019
    ("Lodi", "LO", "030321"),
    ("Monza", "MB", "030324"),
])
def test_comuni_belong_to_their_ats(loaded, comune, province, ats):
    assert loaded.value("SELECT ats_code FROM comune WHERE name = %s AND province = %s",
                        (comune, province)) == ats


def test_providers_are_real_and_home_care_has_no_agendas(loaded):
    kinds = dict(loaded.rows("SELECT kind, count(*) FROM provider GROUP BY kind"))
    assert kinds["ASST"] == 26 and kinds["IRCCS"] == 4
    assert loaded.value("SELECT count(*) FROM provider WHERE generated") == 0
    assert loaded.value("SELECT count(*) FROM agenda a JOIN provider p "
                        "ON p.code = a.provider_code WHERE p.kind = 'private'") == 0


def test_sites_real_and_generated_are_told_apart(loaded):
    assert loaded.value("SELECT count(*) FROM site WHERE NOT generated "
                        "AND source = 'lombardia_ospedali_indirizzi.csv'") == 50
    assert loaded.value("SELECT bool_and(source = 'generated' "
                        "AND address LIKE '%%indirizzo non reale%%') "
                        "FROM site WHERE generated") is True
    without = loaded.rows("SELECT code FROM provider WHERE kind = 'ASST' "
                          "AND code NOT IN (SELECT provider_code FROM site "
                          "WHERE generated)")
    assert without == []


def test_every_ats_has_agendas_with_slots(loaded):
    rows = loaded.rows("SELECT c.ats_code, count(DISTINCT a.id), count(s.id) "
                       "FROM agenda a JOIN site t ON t.id = a.site_id "
                       "JOIN comune c ON c.istat = t.comune_istat "
                       "JOIN slot s ON s.agenda_id = a.id GROUP BY 1")
    assert {ats for ats, _, _ in rows} == {f"0303{n}" for n in range(21, 29)}
    assert all(agendas > 0 and slots > 0 for _, agendas, slots in rows)


def _slots_on(database, day: date, comune: str) -> int:
    return database.value(
        "SELECT count(*) FROM slot s JOIN agenda a ON a.id = s.agenda_id "
        "JOIN site t ON t.id = a.site_id JOIN comune c ON c.istat = t.comune_istat "
        "WHERE c.name = %s AND (s.starts_at AT TIME ZONE 'Europe/Rome')::date = %s",
        (comune, day))


def test_saint_ambrose_closes_milan_but_not_monza(loaded):
    assert _slots_on(loaded, date(2026, 12, 7), "Milano") == 0
    assert _slots_on(loaded, date(2026, 12, 7), "Monza") > 0
    assert _slots_on(loaded, date(2026, 11, 30), "Milano") > 0  # the Monday before


def test_no_slot_on_national_holidays(loaded):
    for day in (date(2026, 12, 8), date(2026, 12, 25), date(2026, 12, 26),
                date(2027, 1, 1), date(2027, 1, 6)):
        assert loaded.value("SELECT count(*) FROM slot WHERE (starts_at AT TIME ZONE "
                            "'Europe/Rome')::date = %s", (day,)) == 0


def test_slots_run_from_today_over_the_horizon(loaded):
    first, last = loaded.rows(
        "SELECT min((starts_at AT TIME ZONE 'Europe/Rome')::date), "
        "max((starts_at AT TIME ZONE 'Europe/Rome')::date) FROM slot")[0]
    horizon = timedelta(days=PROFILES["test"].horizon_days)
    assert TODAY <= first <= TODAY + timedelta(days=3)
    assert TODAY + horizon - timedelta(days=7) <= last <= TODAY + horizon
    assert loaded.value("SELECT bool_and(generated AND generated_until = %s) "
                        "FROM agenda", (TODAY + horizon,)) is True


def test_agenda_slots_are_the_domain_output(loaded):
    agenda_id, bands, province, capital, reserve = loaded.rows(
        "SELECT a.id, t.bands, c.province, c.is_capital, a.reserve_percent "
        "FROM agenda a JOIN agenda_template t ON t.agenda_id = a.id "
        "JOIN site s ON s.id = a.site_id JOIN comune c ON c.istat = s.comune_istat "
        "WHERE a.reserve_percent > 0 ORDER BY a.id LIMIT 1")[0]
    last = TODAY + timedelta(days=PROFILES["test"].horizon_days)
    template = Template(TODAY, None, tuple(
        Band(b["weekday"], _clock(b["start"]), _clock(b["end"]), b["slot_min"],
             b["capacity"]) for b in bands))
    expected = generate_slots([template], [], closed_days(
        province if capital else None, capital, years_between(TODAY, last)),
        TODAY, last, reserve_percent=reserve)
    stored = loaded.rows(
        "SELECT starts_at, ends_at, capacity, reserved_until IS NOT NULL "
        "FROM slot WHERE agenda_id = %s ORDER BY starts_at", (agenda_id,))
    assert stored == [(s.starts_at, s.ends_at, s.capacity, s.reserved)
                      for s in expected]


def _clock(text: str):
    return datetime.strptime(text, "%H:%M").time()


def test_reserved_slots_are_released_days_before_their_start(loaded):
    rows = loaded.rows("SELECT s.starts_at, s.reserved_until, a.reserve_release_days "
                       "FROM slot s JOIN agenda a ON a.id = s.agenda_id "
                       "WHERE s.reserved_until IS NOT NULL")
    assert rows
    for starts_at, reserved_until, days in rows:
        local = starts_at.astimezone(ROME).replace(tzinfo=None)
        assert reserved_until.astimezone(ROME).replace(tzinfo=None) == (
            local - timedelta(days=days))


def test_cardiology_offers_no_imaging_and_imaging_stays_in_hospitals(loaded):
    assert loaded.value(
        "SELECT count(*) FROM agenda_service x "
        "JOIN service v ON v.code = x.service_code WHERE v.branch_code = '08' "
        "AND x.agenda_id IN (SELECT x2.agenda_id "
        "FROM agenda_service x2 JOIN service v2 ON v2.code = x2.service_code "
        "WHERE v2.branch_code = '02')") == 0
    assert loaded.value(
        "SELECT count(*) FROM agenda_service x JOIN agenda a ON a.id = x.agenda_id "
        "JOIN site s ON s.id = a.site_id JOIN service v ON v.code = x.service_code "
        "WHERE s.generated AND (v.description LIKE 'RM %%' "
        "OR v.description LIKE 'TC %%')") == 0


def test_patients_are_synthetic_with_valid_distinct_codes(loaded):
    rows = loaded.rows("SELECT cf, given_name, family_name, phone, email, synthetic, "
                       "birth_date FROM patient")
    assert len(rows) == PROFILES["test"].patients
    assert len({r[0] for r in rows}) == len(rows)
    given = set(ItalianNames.first_names_male) | set(ItalianNames.first_names_female)
    for cf, first, last, phone, email, synthetic, born in rows:
        assert codicefiscale.is_valid(cf), cf
        assert synthetic and first in given and last in ItalianNames.last_names
        assert phone.startswith("+3900") and email.endswith("@example.org")
        assert 0 <= (TODAY - born).days <= 96 * 366


def test_pre_booked_appointments_match_the_counters(loaded):
    assert loaded.value("SELECT count(*) FROM appointment") > 0
    assert loaded.value(
        "SELECT count(*) FROM slot s LEFT JOIN (SELECT slot_id, count(*) AS n "
        "FROM appointment WHERE status IN ('booked', 'checked_in') GROUP BY slot_id) a "
        "ON a.slot_id = s.id WHERE s.booked <> coalesce(a.n, 0)") == 0
    assert loaded.value("SELECT count(*) FROM slot WHERE booked > capacity") == 0
    assert loaded.value(
        "SELECT count(*) FROM appointment a JOIN slot s ON s.id = a.slot_id "
        "WHERE a.starts_at <> s.starts_at OR a.ends_at <> s.ends_at "
        "OR a.agenda_id <> s.agenda_id OR a.booked_at >= a.starts_at "
        "OR a.first_offer <> s.starts_at OR a.status <> 'booked' "
        "OR a.updated_at <> a.booked_at OR s.reserved_until IS NOT NULL") == 0


def test_one_future_appointment_per_duplicate_group(loaded):
    assert loaded.value(
        "SELECT count(*) FROM (SELECT patient_id, duplicate_group FROM appointment "
        "WHERE status = 'booked' GROUP BY 1, 2 HAVING count(*) > 1) d") == 0


def test_appointments_are_offered_on_their_channels_with_one_event(loaded):
    assert loaded.value(
        "SELECT count(*) FROM appointment a JOIN agenda g ON g.id = a.agenda_id "
        "WHERE NOT a.channel = ANY (g.channels) OR a.code !~ '^[A-Z0-9]{8}$' "
        "OR a.service_code NOT IN (SELECT service_code FROM agenda_service "
        "WHERE agenda_id = g.id)") == 0
    assert loaded.value(
        "SELECT count(*) FROM appointment a WHERE 1 <> (SELECT count(*) "
        "FROM appointment_event e WHERE e.appointment_id = a.id "
        "AND e.tag = 'load:appointment:booked' AND e.to_status = 'booked')") == 0


def test_tariffs_from_a_regional_file(databases, tmp_path, monkeypatch):
    database = databases()
    upgrade(database.engine)
    tariffs = tmp_path / "tariffe.csv"
    tariffs.write_text("codice,tariffa_eur\n89.7A.3,\"25,00\"\n89.52,11.62\n",
                       encoding="utf-8")
    monkeypatch.setenv(TARIFF_FILE_VARIABLE, str(tariffs))
    with psycopg.connect(database.url) as conn:
        conn.execute("INSERT INTO branch SELECT to_char(n, 'FM00'), 'b' "
                     "FROM generate_series(1, 26) n")
        load_services(conn)
        conn.commit()
    rows = dict((code, (cents, source)) for code, cents, source in database.rows(
        "SELECT code, tariff_cents, tariff_source FROM service "
        "WHERE code IN ('89.7A.3', '89.52', '89.01.3')"))
    assert rows == {"89.7A.3": (2500, "region"), "89.52": (1162, "region"),
                    "89.01.3": (2000, "illustrative")}
