"""One load: reference data, then a profile's generated data, in one transaction.

Either everything lands or nothing does; a finished load is recorded in
`load_run` and a second run of the same profile finds it and changes nothing.
Every random choice comes from `random.Random` instances seeded from the seed
and a purpose name, so the same seed and day give the same rows.
"""

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Engine

from retecup.adapters import migrate
from retecup.domain.schedule import ROME
from retecup.loader import (
    agendas,
    bookings,
    geography,
    patients,
    reference,
    slots,
    sources,
    store,
    templates,
)
from retecup.loader.profiles import Profile

log = logging.getLogger(__name__)

_LOCK = 7263002  # one load at a time per database


class _Progress:
    """Times each step and prints one line per step."""

    def __init__(self, report: Callable[[str], None]):
        self.report = report
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[dict]:
        began, cpu = time.perf_counter(), time.process_time()
        counts: dict = {}
        yield counts
        self.seconds[name] = round(time.perf_counter() - began, 2)
        shown = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        elapsed = time.perf_counter() - self.started
        # Wall time against this process's CPU time tells Python's share of
        # a step from the database's.
        self.report(f"[{elapsed:7.1f}s] {name}: {shown} ({self.seconds[name]:.1f}s, "
                    f"loader CPU {time.process_time() - cpu:.1f}s)")


def load(engine: Engine, profile: Profile, *, seed: int, today: date | None,
         progress: Callable[[str], None]) -> dict:
    steps = _Progress(progress)
    migrate.upgrade(engine)
    today = today or datetime.now(ROME).date()
    last_day = today + timedelta(days=profile.horizon_days)

    raw = engine.raw_connection()
    try:
        conn: psycopg.Connection = raw.driver_connection
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        done = conn.execute("SELECT seed, summary FROM load_run WHERE profile = %s",
                            (profile.name,)).fetchone()
        if done:
            conn.rollback()
            progress(f"profile {profile.name!r} already loaded (seed {done[0]}): "
                     "nothing to do")
            return {"profile": profile.name, "skipped": True, "loaded": done[1]}

        # A loader's commit can wait a few milliseconds for its WAL flush.
        conn.execute("SET LOCAL synchronous_commit = off")
        counts = _load_all(conn, profile, seed, today, last_day, steps)
        summary = {
            "profile": profile.name, "seed": seed, "skipped": False,
            "first_day": today.isoformat(), "last_day": last_day.isoformat(),
            "counts": counts, "seconds": steps.seconds,
            "total_seconds": round(time.perf_counter() - steps.started, 2),
        }
        conn.execute("INSERT INTO load_run (profile, seed, finished_at, summary) "
                     "VALUES (%s, %s, now(), %s)", (profile.name, seed, Jsonb(summary)))
        conn.commit()
    except BaseException:
        raw.driver_connection.rollback()
        raise
    finally:
        raw.close()

    log.info("profile loaded", extra={"profile": profile.name, "seed": seed,
                                      "seconds": summary["total_seconds"]})
    progress(f"[{summary['total_seconds']:7.1f}s] profile {profile.name!r} loaded")
    return summary


@dataclass
class _Load:
    """What the steps of one load share."""

    conn: psycopg.Connection
    profile: Profile
    seed: int
    today: date
    last_day: date
    steps: _Progress
    counts: dict = field(default_factory=dict)

    def rng(self, purpose: str) -> random.Random:
        # One stream per purpose: changing one generator leaves the others be.
        return random.Random(f"{self.seed}:{purpose}")


def _load_all(conn, profile, seed, today, last_day, steps) -> dict:
    load = _Load(conn, profile, seed, today, last_day, steps)
    ats_of_comune = geography.comune_ats(sources.comuni(), sources.province_ats(),
                                         sources.ats_exceptions())
    _reference(load, ats_of_comune)
    site_refs = _generated_sites(load, ats_of_comune)
    plans, pools = _agendas(load, site_refs)
    people, new_ids = _patients(load)
    patterns, planned = _patterns_and_bookings(load, plans, pools, people, new_ids,
                                               ats_of_comune)
    _slots_and_appointments(load, plans, patterns, planned)
    _analyze(load)
    return load.counts


def _reference(load: _Load, ats_of_comune: dict[str, str]) -> None:
    conn = load.conn
    with load.steps.step("reference data") as shown:
        ats_of_asst = geography.asst_ats(sources.hospitals(), ats_of_comune)
        shown["agencies"] = reference.load_agencies(conn, ats_of_asst)
        shown["comuni"] = reference.load_comuni(conn, ats_of_comune)
        shown["providers"] = reference.load_providers(conn, ats_of_asst, ats_of_comune)
        shown["hospital sites"] = reference.load_hospital_sites(conn)
        shown["branches"] = reference.load_branches(conn)
        shown["services"] = reference.load_services(conn)


def _generated_sites(load: _Load, ats_of_comune) -> list[agendas.SiteRef]:
    with load.steps.step("generated sites") as shown:
        asst_of = geography.comune_asst(sources.comuni(), ats_of_comune,
                                        sources.hospitals(), sources.districts())
        planned = geography.generated_sites(sources.comuni(), asst_of,
                                            sources.districts(),
                                            load.profile.site_min_population)
        shown["sites"] = reference.load_generated_sites(load.conn, planned)
        return _site_refs(load.conn, planned)


def _agendas(load: _Load, site_refs):
    count = load.profile.agendas
    with load.steps.step("agendas") as shown:
        ids = store.reserve_ids(load.conn, "agenda", count)
        plans = agendas.plan_agendas(load.rng("agendas"), site_refs, count, ids,
                                     load.today, load.last_day)
        pools = {(m, c): templates.template_pool(load.rng(f"templates:{m}:{c}"), m, c)
                 for m, c in sorted({(p.slot_min, p.offer.capacity) for p in plans})}
        bands = {(m, c, i): templates.bands_json(pool[i])
                 for (m, c), pool in pools.items() for i in range(len(pool))}
        shown.update(store.write_agendas(load.conn, plans, bands, load.last_day,
                                         bulk=load.profile.bulk_slots))
        load.counts.update(shown)
    return plans, pools


def _patients(load: _Load):
    with load.steps.step("patients") as shown:
        people = patients.generate_patients(
            load.rng("patients"), load.profile.patients, sources.comuni(),
            sources.belfiore_validity(), load.today)
        new_ids = store.write_patients(load.conn, people)
        shown["patients"] = load.counts["patients"] = len(new_ids)
    return people, new_ids


def _patterns_and_bookings(load: _Load, plans, pools, people, new_ids, ats_of_comune):
    with load.steps.step("slot patterns and bookings") as shown:
        patterns = slots.build_patterns(plans, pools, load.today, load.last_day)
        shown["patterns"] = len(patterns)
        planned = bookings.plan_bookings(
            load.rng("bookings"), plans, _pattern_of(patterns), load.profile.booking,
            _patients_by_ats(people, new_ids, ats_of_comune), ats_of_comune,
            reference.kinds(load.conn), load.today)
        shown["bookings"] = len(planned)
    return patterns, planned


def _slots_and_appointments(load: _Load, plans, patterns, planned) -> None:
    bulk = load.profile.bulk_slots
    with load.steps.step("slots") as shown:
        shown["slots"] = load.counts["slots"] = store.write_slots(
            load.conn, plans, patterns, bookings.booked_counts(planned), bulk=bulk)
    with load.steps.step("appointments") as shown:
        shown["appointments"] = load.counts["appointments"] = store.write_bookings(
            load.conn, planned, bulk=bulk)


def _analyze(load: _Load) -> None:
    with load.steps.step("analyze") as shown:
        tables = ("agenda", "agenda_service", "agenda_template", "patient",
                  "appointment", "appointment_event", "site", "service")
        for table in tables:
            load.conn.execute(f"ANALYZE {table}")
        shown["tables"] = len(tables) + 1  # slot was analyzed after its load


def _site_refs(conn, planned: list[geography.PlannedSite]) -> list[agendas.SiteRef]:
    """The sites that get agendas: real hospitals and this profile's generated."""
    comuni = {c.istat: c for c in sources.comuni()}
    wanted = {(h.provider_code, h.name): h.provider_kind == "IRCCS"
              for h in sources.hospitals()}
    generated = {(s.provider_code, s.name) for s in planned}
    refs = []
    for site_id, provider, name, istat in conn.execute(
            "SELECT id, provider_code, name, comune_istat FROM site ORDER BY id"):
        key = (provider, name)
        if key not in wanted and key not in generated:
            continue
        comune = comuni[istat]
        refs.append(agendas.SiteRef(site_id, provider, istat, comune.province,
                                    comune.is_capital, hospital=key in wanted,
                                    irccs=wanted.get(key, False)))
    return refs


def _pattern_of(patterns):
    def pattern_of(plan):
        key = slots.pattern_key(plan)
        return key, patterns[key]
    return pattern_of


def _patients_by_ats(people, new_ids, ats_of_comune) -> dict[str, list[int]]:
    # Only patients this load created: others may hold appointments already.
    by_ats: dict[str, list[int]] = defaultdict(list)
    for person in people:
        if person.cf in new_ids:
            by_ats[ats_of_comune[person.comune_istat]].append(new_ids[person.cf])
    return by_ats
