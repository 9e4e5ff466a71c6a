"""The earliest offers for a service."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from retecup.api import schemas
from retecup.api.deps import Caller, now, transaction
from retecup.domain import identifiers
from retecup.domain.errors import InvalidInput
from retecup.domain.priority import Priority
from retecup.services.availability import FindOffers, find_offers

router = APIRouter(tags=["availability"])


@router.get("/availability", response_model=schemas.Offers)
def availability(
    request: Request, caller: Caller,
    service: Annotated[schemas.Text, Query(max_length=32)],
    priority: Priority | None = None,
    prescribed_on: date | None = None,
    comune: Annotated[str | None, Query(max_length=6)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=300)] = None,
    ats: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    regime: Literal["ssn", "alpi"] = "ssn",
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
) -> dict:
    """Earliest free slots, by start then distance; only what the channel books."""
    for name, value in (("from", from_), ("to", to)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(name, "manca il fuso orario (es. +01:00)")
    if comune:
        identifiers.istat_code(comune)

    cmd = FindOffers(service=service.strip().upper(), priority=priority,
                     prescribed_on=prescribed_on, comune=comune,
                     radius_km=radius_km, ats=ats, starts_from=from_,
                     starts_before=to, regime=regime, limit=limit)
    with transaction(request) as conn:
        offers = find_offers(conn, caller, cmd, now())
    return {"deadline": schemas.local(offers.deadline), "items": offers.items}
