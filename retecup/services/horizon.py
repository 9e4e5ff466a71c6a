"""Use case: keep every agenda's slots generated up to the rolling horizon.

Run daily (the server does it at start and every few hours; `retecup slots
extend` does it on demand). Agendas are claimed in batches with SKIP LOCKED, so
two runners share the work instead of waiting on each other, and an agenda
being edited by its administrator is simply left for the next round.
"""

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from retecup.adapters import sql_agendas
from retecup.domain.calendar import closed_days, years_between
from retecup.domain.schedule import generate_slots

log = logging.getLogger(__name__)

_CLAIM = text("""
    SELECT a.id, a.reserve_percent, a.reserve_release_days, a.generated_until,
           c.province, c.is_capital
    FROM agenda a JOIN site st ON st.id = a.site_id
    JOIN comune c ON c.istat = st.comune_istat
    WHERE a.status = 'active'
      AND (a.generated_until IS NULL OR a.generated_until < :target)
    ORDER BY a.id LIMIT :batch
    FOR UPDATE OF a SKIP LOCKED
""")

_INSERT = text("""
    INSERT INTO slot (agenda_id, starts_at, ends_at, capacity, reserved_until)
    SELECT a, s, e, c, r FROM unnest(
        CAST(:agendas AS int[]), CAST(:starts AS timestamptz[]),
        CAST(:ends AS timestamptz[]), CAST(:caps AS smallint[]),
        CAST(:reserved AS timestamptz[])) AS u(a, s, e, c, r)
    ON CONFLICT (agenda_id, starts_at) DO NOTHING
""")


def extend(engine: Engine, today: date, horizon_days: int, batch: int = 500) -> int:
    """Generates missing slots up to today + horizon; returns how many."""
    target = today + timedelta(days=horizon_days)
    added = 0
    while True:
        with engine.begin() as conn:
            agendas = [dict(r) for r in conn.execute(
                _CLAIM, {"target": target, "batch": batch}).mappings()]
            if not agendas:
                break
            added += _extend_batch(conn, agendas, today, target)

    log.info("slot horizon extended", extra={"until": str(target), "slots": added})
    return added


def _extend_batch(conn: Connection, agendas: list[dict], today: date,
                  target: date) -> int:
    ids = [a["id"] for a in agendas]
    templates, closures = _rules_of(conn, ids)
    rows: dict[str, list] = {k: [] for k in ("agendas", "starts", "ends", "caps",
                                              "reserved")}
    for agenda in agendas:
        first = max(today, (agenda["generated_until"] or today - timedelta(1))
                    + timedelta(days=1))
        holidays = closed_days(agenda["province"], agenda["is_capital"],
                               years_between(first, target))
        slots = generate_slots(templates[agenda["id"]], closures[agenda["id"]],
                               holidays, first, target,
                               reserve_percent=agenda["reserve_percent"])
        release = timedelta(days=agenda["reserve_release_days"])
        for s in slots:
            rows["agendas"].append(agenda["id"])
            rows["starts"].append(s.starts_at)
            rows["ends"].append(s.ends_at)
            rows["caps"].append(s.capacity)
            rows["reserved"].append(s.starts_at - release if s.reserved else None)

    if rows["starts"]:
        conn.execute(_INSERT, rows)
    conn.execute(text("UPDATE agenda SET generated_until = :t WHERE id = ANY(:ids)"),
                 {"t": target, "ids": ids})
    return len(rows["starts"])


def _rules_of(conn: Connection, ids: list[int]):
    templates: dict[int, list] = defaultdict(list)
    for row in conn.execute(text(
            "SELECT agenda_id, valid_from, valid_to, bands FROM agenda_template "
            "WHERE agenda_id = ANY(:ids)"), {"ids": ids}).mappings():
        templates[row["agenda_id"]].append(sql_agendas.as_template(row))

    closures: dict[int, list] = defaultdict(list)
    for row in conn.execute(text(
            "SELECT agenda_id, first_day, last_day FROM agenda_closure "
            "WHERE agenda_id = ANY(:ids)"), {"ids": ids}).mappings():
        closures[row["agenda_id"]].append(sql_agendas.as_closure(row))
    return templates, closures


def run_periodically(engine: Engine, horizon_days: int, every_s: float,
                     stop) -> None:
    """Extends at once, then every `every_s` seconds until `stop` is set."""
    from retecup.domain.schedule import ROME

    while True:
        try:
            extend(engine, datetime.now(ROME).date(), horizon_days)
        except Exception:  # a failed round must not stop the next ones
            log.exception("slot horizon extension failed")
        if stop.wait(every_s):
            return


def configured_days(engine: Engine, explicit: int | None) -> int:
    """The horizon to keep: the configured one, else the loaded profile's."""
    if explicit:
        return explicit
    with engine.connect() as conn:
        recorded = conn.execute(text(
            "SELECT max((summary->>'last_day')::date - (summary->>'first_day')::date)"
            " FROM load_run")).scalar()
    return recorded or 180
