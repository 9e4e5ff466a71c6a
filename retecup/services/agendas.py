"""Use cases of a provider's administration: templates, closures, suspension.

A change never silently drops a booked appointment: the free slots are rebuilt
from the templates, the slots no longer wanted are closed, and the appointments
on them come back as `affected`, for the provider to move.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection

from retecup.adapters import sql_agendas
from retecup.config import get_settings
from retecup.domain.access import Principal, check_may_administer
from retecup.domain.calendar import closed_days, years_between
from retecup.domain.errors import InvalidInput, NotFound
from retecup.domain.schedule import (
    ROME,
    Band,
    first_overlapping_bands,
    generate_slots,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddClosure:
    agenda_id: int
    first_day: date
    last_day: date
    reason: str


@dataclass(frozen=True)
class AddTemplate:
    agenda_id: int
    valid_from: date
    valid_to: date | None
    bands: list[dict]


def detail(conn: Connection, principal: Principal, agenda_id: int) -> dict:
    agenda = _administered(conn, principal, agenda_id)
    return {
        **agenda,
        "services": sql_agendas.services(conn, agenda_id),
        "templates": sql_agendas.templates(conn, agenda_id),
        "closures": sql_agendas.closures(conn, agenda_id),
    }


def add_closure(conn: Connection, principal: Principal, cmd: AddClosure,
                now: datetime) -> dict:
    agenda = _administered(conn, principal, cmd.agenda_id)
    if cmd.last_day < cmd.first_day:
        raise InvalidInput("last_day", "precede first_day")
    if not cmd.reason.strip():
        raise InvalidInput("reason", "obbligatorio")

    closure_id = sql_agendas.add_closure(conn, cmd.agenda_id, cmd.first_day,
                                         cmd.last_day, cmd.reason, principal.id)
    affected = regenerate(conn, agenda, now)
    log.info("agenda closure added", extra={
        "agenda_id": cmd.agenda_id, "closure_id": closure_id,
        "affected": len(affected)})
    return {"closure_id": closure_id, "affected": affected}


def add_template(conn: Connection, principal: Principal, cmd: AddTemplate,
                 now: datetime) -> dict:
    agenda = _administered(conn, principal, cmd.agenda_id)
    if cmd.valid_to and cmd.valid_to < cmd.valid_from:
        raise InvalidInput("valid_to", "precede valid_from")
    bands = [_checked_band(i, b) for i, b in enumerate(cmd.bands)]
    clash = first_overlapping_bands(sql_agendas.as_template(
        {"valid_from": cmd.valid_from, "valid_to": cmd.valid_to, "bands": bands}
    ).bands)
    if clash:
        raise InvalidInput(f"bands[{clash[1]}]",
                           f"si sovrappone a bands[{clash[0]}] nello stesso giorno")

    template_id = sql_agendas.add_template(conn, cmd.agenda_id, cmd.valid_from,
                                           cmd.valid_to, bands)
    affected = regenerate(conn, agenda, now)
    log.info("agenda template added", extra={
        "agenda_id": cmd.agenda_id, "template_id": template_id,
        "affected": len(affected)})
    return {"template_id": template_id, "affected": affected}


def suspend(conn: Connection, principal: Principal, agenda_id: int,
            now: datetime) -> dict:
    _administered(conn, principal, agenda_id)
    sql_agendas.set_status(conn, agenda_id, "suspended")
    sql_agendas.replace_future_slots(conn, agenda_id, now, [], 0)
    affected = sql_agendas.affected_appointments(conn, agenda_id, now)
    log.info("agenda suspended", extra={"agenda_id": agenda_id,
                                        "affected": len(affected)})
    return {"affected": affected}


def affected(conn: Connection, principal: Principal, agenda_id: int,
             now: datetime) -> list[dict]:
    _administered(conn, principal, agenda_id)
    return sql_agendas.affected_appointments(conn, agenda_id, now)


def regenerate(conn: Connection, agenda: dict, now: datetime) -> list[dict]:
    """Rebuilds the agenda's future slots; returns the appointments left out."""
    first = now.astimezone(ROME).date()
    last = agenda["generated_until"] or first + timedelta(
        days=get_settings().horizon_days)
    templates = [sql_agendas.as_template(t)
                 for t in sql_agendas.templates(conn, agenda["id"])]
    closures = [sql_agendas.as_closure(c)
                for c in sql_agendas.closures(conn, agenda["id"])]
    holidays = closed_days(agenda["province"], agenda["is_capital"],
                           years_between(first, last))

    slots = generate_slots(templates, closures, holidays, first, last,
                           reserve_percent=agenda["reserve_percent"])
    future = [s for s in slots if s.starts_at >= now]
    if agenda["status"] != "active":
        future = []
    sql_agendas.replace_future_slots(conn, agenda["id"], now, future,
                                     agenda["reserve_release_days"])
    sql_agendas.set_generated_until(conn, agenda["id"], last)
    return sql_agendas.affected_appointments(conn, agenda["id"], now)


def _administered(conn: Connection, principal: Principal, agenda_id: int) -> dict:
    agenda = sql_agendas.lock(conn, agenda_id)
    if agenda is None:
        raise NotFound(f"id: agenda {agenda_id} inesistente")
    check_may_administer(principal, agenda["provider_code"])
    return agenda


def _checked_band(index: int, raw: dict) -> dict:
    field = f"bands[{index}]"
    try:
        band = Band(int(raw["weekday"]), time.fromisoformat(raw["start"]),
                    time.fromisoformat(raw["end"]), int(raw["slot_min"]),
                    int(raw.get("capacity", 1)))
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(field, str(error)) from None
    return {"weekday": band.weekday, "start": band.start.strftime("%H:%M"),
            "end": band.end.strftime("%H:%M"), "slot_min": band.slot_min,
            "capacity": band.capacity}
