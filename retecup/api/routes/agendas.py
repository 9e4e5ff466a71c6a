"""A provider's administration of its agendas."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field

from retecup.adapters import sql_agendas
from retecup.api import schemas
from retecup.api.deps import Caller, now, transaction
from retecup.domain.access import Role
from retecup.domain.errors import Forbidden
from retecup.services import agendas

router = APIRouter(tags=["agendas"])


class ClosureIn(schemas.Strict):
    first_day: date
    last_day: date
    reason: schemas.Text = Field(min_length=1, max_length=500)


class BandIn(schemas.Strict):
    weekday: int = Field(ge=0, le=6, description="0 is Monday")
    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")
    slot_min: int = Field(gt=0, le=480)
    capacity: int = Field(default=1, gt=0, le=100)


class TemplateIn(schemas.Strict):
    valid_from: date
    valid_to: date | None = None
    bands: list[BandIn] = Field(min_length=1, max_length=100)


@router.get("/agendas")
def list_agendas(
    request: Request, caller: Caller,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """The agendas the caller administers (all of them, for the region)."""
    if caller.role not in (Role.PROVIDER_ADMIN, Role.REGION_ADMIN):
        raise Forbidden("solo l'amministrazione vede l'elenco delle agende")
    with transaction(request) as conn:
        rows = sql_agendas.listing(conn, caller.provider_code, limit, offset)
    return {"items": rows}


@router.get("/agendas/{agenda_id}")
def get_agenda(request: Request, caller: Caller, agenda_id: int) -> dict:
    with transaction(request) as conn:
        return _with_local_times(agendas.detail(conn, caller, agenda_id))


@router.post("/agendas/{agenda_id}/closures", status_code=201)
def add_closure(request: Request, caller: Caller, agenda_id: int,
                body: ClosureIn) -> dict:
    """Closes the agenda on those days; returns the appointments to move."""
    cmd = agendas.AddClosure(agenda_id, body.first_day, body.last_day, body.reason)
    with transaction(request) as conn:
        return _with_local_times(agendas.add_closure(conn, caller, cmd, now()))


@router.post("/agendas/{agenda_id}/templates", status_code=201)
def add_template(request: Request, caller: Caller, agenda_id: int,
                 body: TemplateIn) -> dict:
    """Adds a weekly template; free slots are rebuilt, booked ones kept."""
    cmd = agendas.AddTemplate(agenda_id, body.valid_from, body.valid_to,
                              [b.model_dump() for b in body.bands])
    with transaction(request) as conn:
        return _with_local_times(agendas.add_template(conn, caller, cmd, now()))


@router.post("/agendas/{agenda_id}/suspend")
def suspend(request: Request, caller: Caller, agenda_id: int) -> dict:
    """Suspends the agenda; its booked appointments are listed to be moved."""
    with transaction(request) as conn:
        return _with_local_times(agendas.suspend(conn, caller, agenda_id, now()))


@router.get("/agendas/{agenda_id}/affected")
def affected(request: Request, caller: Caller, agenda_id: int) -> dict:
    """Booked appointments on slots that a change has closed."""
    with transaction(request) as conn:
        rows = agendas.affected(conn, caller, agenda_id, now())
    return _with_local_times({"affected": rows})


def _with_local_times(result: dict) -> dict:
    for row in result.get("affected", []):
        row["starts_at"] = schemas.local(row["starts_at"])
    for row in result.get("closures", []):
        row["created_at"] = schemas.local(row["created_at"])
    return result
