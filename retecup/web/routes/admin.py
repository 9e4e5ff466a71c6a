"""The provider administrator's agenda editor, inside the operator console.

Every change answers with the agenda page, where the booked appointments the
changes left on closed slots are listed with a link to move each one.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from retecup.domain.access import Channel, Principal
from retecup.domain.errors import InvalidInput, RetecupError
from retecup.services import agenda_admin, agendas
from retecup.web.messages import explain
from retecup.web.render import CHANNELS, WEEKDAYS, redirect, render
from retecup.web.sessions import Csrf, signed_in

router = APIRouter(prefix="/operatore/agende", include_in_schema=False)
Operator = Annotated[Principal, signed_in("operator")]
FormStr = Annotated[str, Form()]
PAGE = 20


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("")
def listing(request: Request, who: Operator, q: str = "", pagina: int = 1):
    pagina = max(pagina, 1)
    with request.app.state.engine.begin() as conn:
        page = agenda_admin.listing(conn, who, q, PAGE, (pagina - 1) * PAGE)
    pages = max((page.total + PAGE - 1) // PAGE, 1)
    return render(request, "admin/agendas.html", who=who, page=page, q=q,
                  pagina=pagina, pages=pages)


@router.get("/{agenda_id}")
def detail(request: Request, who: Operator, agenda_id: int,
           error: str | None = None) -> Response:
    with request.app.state.engine.begin() as conn:
        agenda = agendas.detail(conn, who, agenda_id)
        affected = agendas.affected(conn, who, agenda_id, _now())
    return render(request, "admin/agenda.html", who=who, agenda=agenda,
                  affected=affected, error=error, channels=CHANNELS,
                  weekdays=WEEKDAYS, status=422 if error else 200)


def _change(request: Request, who: Principal, agenda_id: int,
            action: Callable, done: str) -> Response:
    """Runs one change in one transaction and reports what it affected."""
    try:
        with request.app.state.engine.begin() as conn:
            affected = action(conn)
    except RetecupError as error:
        return detail(request, who, agenda_id, error=explain(error))

    count = len(affected or [])
    if count:
        done += f" Appuntamenti da spostare: {count} (elenco qui sotto)."
    return redirect(request, f"/operatore/agende/{agenda_id}", done)


def _day(value: str, field: str, required: bool = True) -> date | None:
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "data non valida") from None


@router.post("/{agenda_id}/chiusure", dependencies=[Csrf])
def add_closure(request: Request, who: Operator, agenda_id: int,
                first_day: FormStr = "", last_day: FormStr = "",
                reason: FormStr = ""):
    def action(conn):
        cmd = agendas.AddClosure(agenda_id, _day(first_day, "first_day"),
                                 _day(last_day, "last_day"), reason)
        return agendas.add_closure(conn, who, cmd, _now())["affected"]

    return _change(request, who, agenda_id, action, "Chiusura aggiunta.")


@router.post("/{agenda_id}/chiusure/{closure_id}/elimina", dependencies=[Csrf])
def remove_closure(request: Request, who: Operator, agenda_id: int,
                   closure_id: int):
    return _change(request, who, agenda_id, lambda conn: agenda_admin.remove_closure(
        conn, who, agenda_id, closure_id, _now()), "Chiusura eliminata.")


@router.post("/{agenda_id}/schemi", dependencies=[Csrf])
def add_template(request: Request, who: Operator, agenda_id: int,
                 valid_from: FormStr = "", valid_to: FormStr = "",
                 weekdays: Annotated[list[int] | None, Form()] = None,
                 start: FormStr = "", end: FormStr = "",
                 slot_min: Annotated[int, Form()] = 20,
                 capacity: Annotated[int, Form()] = 1):
    def action(conn):
        if not weekdays:
            raise InvalidInput("weekdays", "scegliere almeno un giorno")
        bands = [{"weekday": d, "start": start, "end": end, "slot_min": slot_min,
                  "capacity": capacity} for d in sorted(set(weekdays))]
        cmd = agendas.AddTemplate(agenda_id, _day(valid_from, "valid_from"),
                                  _day(valid_to, "valid_to", False), bands)
        return agendas.add_template(conn, who, cmd, _now())["affected"]

    return _change(request, who, agenda_id, action, "Schema settimanale aggiunto.")


@router.post("/{agenda_id}/schemi/{template_id}/validita", dependencies=[Csrf])
def template_validity(request: Request, who: Operator, agenda_id: int,
                      template_id: int, valid_to: FormStr = ""):
    def action(conn):
        last = _day(valid_to, "valid_to", False)
        return agenda_admin.end_template(conn, who, agenda_id, template_id, last,
                                         _now())

    return _change(request, who, agenda_id, action, "Validità dello schema salvata.")


@router.post("/{agenda_id}/prestazioni", dependencies=[Csrf])
def set_service(request: Request, who: Operator, agenda_id: int,
                code: FormStr = "", duration_min: Annotated[int, Form()] = 20):
    return _change(request, who, agenda_id, lambda conn: agenda_admin.set_service(
        conn, who, agenda_id, code, duration_min), "Prestazione salvata.")


@router.post("/{agenda_id}/prestazioni/{code}/elimina", dependencies=[Csrf])
def remove_service(request: Request, who: Operator, agenda_id: int, code: str):
    return _change(request, who, agenda_id, lambda conn: agenda_admin.remove_service(
        conn, who, agenda_id, code, _now()),
        "Prestazione tolta dall'agenda; gli appuntamenti già presi restano validi.")


@router.post("/{agenda_id}/canali", dependencies=[Csrf])
def set_channels(request: Request, who: Operator, agenda_id: int,
                 channels: Annotated[list[str] | None, Form()] = None):
    picked = [c for c in channels or [] if c in set(Channel)]
    return _change(request, who, agenda_id, lambda conn: agenda_admin.set_channels(
        conn, who, agenda_id, picked), "Canali salvati.")


@router.post("/{agenda_id}/riserve", dependencies=[Csrf])
def set_reservations(request: Request, who: Operator, agenda_id: int,
                     reserve_percent: Annotated[int, Form()] = 0,
                     reserve_release_days: Annotated[int, Form()] = 0):
    return _change(request, who, agenda_id,
                   lambda conn: agenda_admin.set_reservations(
                       conn, who, agenda_id, reserve_percent, reserve_release_days,
                       _now()), "Riserva per le urgenze salvata.")


@router.post("/{agenda_id}/sospendi", dependencies=[Csrf])
def suspend(request: Request, who: Operator, agenda_id: int):
    return _change(request, who, agenda_id, lambda conn: agendas.suspend(
        conn, who, agenda_id, _now())["affected"], "Agenda sospesa.")


@router.post("/{agenda_id}/riattiva", dependencies=[Csrf])
def resume(request: Request, who: Operator, agenda_id: int):
    return _change(request, who, agenda_id, lambda conn: agenda_admin.resume(
        conn, who, agenda_id, _now()), "Agenda riattivata.")
