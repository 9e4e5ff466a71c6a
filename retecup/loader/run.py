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
        began = time.perf_counter()
        counts: dict = {}
        yield counts
        self.seconds[name] = round(time.perf_counter() - began, 2)
        shown = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                          for k, v in counts.items())
        elapsed = time.perf_counter() - self.started
        self.report(f"[{elapsed:7.1f}s] {name}: {shown} ({self.seconds[name]:.1f}s)")


def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"{seed}:{purpose}")


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

    progress(f"[{summary['total_seconds']:7.1f}s] profile {profile.name!r} loaded")
    return summary


def _load_all(conn, profile, seed, today, last_day, steps) -> dict:
    counts: dict[str, int] = {}
    ats_of_comune = geography.comune_ats(sources.comuni(), sources.province_ats(),
                                         sources.ats_exceptions())

    with steps.step("reference data") as shown:
        ats_of_asst = geography.asst_ats(sources.hospitals(), ats_of_comune)
        shown["agencies"] = reference.load_agencies(conn, ats_of_asst)
        shown["comuni"] = reference.load_comuni(conn, ats_of_comune)
        shown["providers"] = reference.load_providers(conn, ats_of_asst, ats_of_comune)
        shown["hospital sites"] = reference.load_hospital_sites(conn)
        shown["branches"] = reference.load_branches(conn)
        shown["services"] = reference.load_services(conn)

    with steps.step("generated sites") as shown:
        asst_of = geography.comune_asst(sources.comuni(), ats_of_comune,
                                        sources.hospitals(), sources.districts())
        planned = geography.generated_sites(sources.comuni(), asst_of,
                                            sources.districts(),
                                            profile.site_min_population)
        shown["sites"] = reference.load_generated_sites(conn, planned)
        site_refs = _site_refs(conn, planned)

    with steps.step("agendas") as shown:
        ids = store.reserve_ids(conn, "agenda", profile.agendas)
        plans = agendas.plan_agendas(_rng(seed, "agendas"), site_refs, profile.agendas,
                                     ids, today, last_day)
        pools = _template_pools(seed, plans)
        bands = {(m, c, i): templates.bands_json(pool[i])
                 for (m, c), pool in pools.items() for i in range(len(pool))}
        shown.update(store.write_agendas(conn, plans, bands, last_day))
        counts.update(shown)

    with steps.step("slots") as shown:
        patterns = slots.build_patterns(plans, pools, today, last_day)
        shown["patterns"] = len(patterns)
        shown["slots"] = store.write_slots(conn, plans, patterns, bulk=profile.bulk_slots)
        counts["slots"] = shown["slots"]

    with steps.step("patients") as shown:
        people = patients.generate_patients(_rng(seed, "patients"), profile.patients,
                                            sources.comuni(), sources.belfiore_validity(),
                                            today)
        new_ids = store.write_patients(conn, people)
        shown["patients"] = counts["patients"] = len(new_ids)

    with steps.step("appointments") as shown:
        by_ats: dict[str, list[int]] = defaultdict(list)
        for person in people:
            if person.cf in new_ids:
                by_ats[ats_of_comune[person.comune_istat]].append(new_ids[person.cf])
        planned_bookings = bookings.plan_bookings(
            _rng(seed, "bookings"), plans, _slots_of(patterns), profile.booking,
            by_ats, ats_of_comune, reference.kinds(conn), today)
        shown["appointments"] = store.write_bookings(conn, planned_bookings)
        counts["appointments"] = shown["appointments"]

    with steps.step("analyze") as shown:
        for table in ("agenda", "agenda_service", "agenda_template", "slot", "patient",
                      "appointment", "site", "service"):
            conn.execute(f"ANALYZE {table}")
        shown["tables"] = 8
    return counts


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


def _template_pools(seed: int, plans) -> dict:
    keys = sorted({(p.slot_min, p.offer.capacity) for p in plans})
    return {(m, c): templates.template_pool(_rng(seed, f"templates:{m}:{c}"), m, c)
            for m, c in keys}


def _slots_of(patterns):
    def slots_of(plan):
        pattern = patterns[slots.pattern_key(plan)]
        return zip(pattern.slots, pattern.reserved_until, strict=True)
    return slots_of
