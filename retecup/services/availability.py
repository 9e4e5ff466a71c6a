"""Use case: the earliest offers for a prescribed service."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from retecup.adapters import sql_availability, sql_catalogue, sql_people
from retecup.adapters.sql_availability import OfferQuery
from retecup.config import get_settings
from retecup.domain.access import PROVIDER_ROLES, Principal, Role
from retecup.domain.errors import InvalidInput
from retecup.domain.priority import Priority, check_prescribed_on, deadline
from retecup.domain.schedule import ROME

RESERVED_FOR = {Priority.U, Priority.B}


@dataclass(frozen=True)
class FindOffers:
    service: str
    priority: Priority | None = None
    prescribed_on: date | None = None
    comune: str | None = None
    radius_km: float | None = None
    ats: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    regime: str = "ssn"
    limit: int = 5


@dataclass(frozen=True)
class Offers:
    deadline: datetime | None
    items: list[dict]


def find_offers(
    conn: Connection, principal: Principal, cmd: FindOffers, now: datetime
) -> Offers:
    service = sql_catalogue.by_code(conn, cmd.service)
    if service is None:
        raise InvalidInput("service", f"prestazione {cmd.service!r} sconosciuta")

    limit_at = None
    today = now.astimezone(ROME).date()
    if cmd.prescribed_on:
        check_prescribed_on(cmd.prescribed_on, today, "prescribed_on")
    if cmd.ats and not sql_people.is_ats(conn, cmd.ats):
        raise InvalidInput("ats", f"ATS {cmd.ats!r} sconosciuta")
    if cmd.priority:
        prescribed_on = cmd.prescribed_on or today
        limit_at = deadline(cmd.priority, prescribed_on, service["kind"])

    query = offer_query(conn, principal, cmd, now)
    rows = sql_availability.offers(conn, query)
    return Offers(limit_at, [_offer(r, limit_at) for r in rows])


def offer_query(
    conn: Connection, principal: Principal, cmd: FindOffers, now: datetime
) -> OfferQuery:
    horizon = now + timedelta(days=get_settings().horizon_days + 1)
    starts_from = max(now, cmd.starts_from) if cmd.starts_from else now
    starts_before = cmd.starts_before or horizon
    if starts_before <= starts_from:
        raise InvalidInput("to", "la fine della finestra precede l'inizio")

    lat = lon = radius = None
    comune = cmd.comune or _home_of(conn, principal, cmd)
    if comune:
        place = sql_people.comune(conn, comune)
        if place is None:
            raise InvalidInput("comune", f"comune {comune!r} sconosciuto")
        lat, lon = place["lat"], place["lon"]
        radius = cmd.radius_km or get_settings().default_radius_km
        if principal.role in PROVIDER_ROLES:
            # A provider's desk books its own agendas for whoever comes,
            # wherever they live: the distance is shown, not used to filter.
            radius = None

    return OfferQuery(
        service=cmd.service,
        regime=cmd.regime,
        starts_from=starts_from,
        starts_before=starts_before,
        now=now,
        limit=cmd.limit,
        channel=None if principal.role is Role.REGION_ADMIN else principal.channel,
        lat=lat,
        lon=lon,
        radius_km=radius,
        ats=cmd.ats,
        provider=principal.provider_code if principal.role in PROVIDER_ROLES else None,
        reserved_ok=cmd.priority in RESERVED_FOR,
    )


def _home_of(conn: Connection, principal: Principal, cmd: FindOffers) -> str | None:
    """A citizen who names no place searches around home."""
    if principal.role is not Role.CITIZEN or cmd.ats:
        return None
    patient = sql_people.patient_by_cf(conn, principal.cf)
    return patient["comune_istat"] if patient else None


def _offer(row: dict, limit_at: datetime | None) -> dict:
    distance = row["distance_km"]
    return {
        "slot_id": row["slot_id"],
        "start": row["starts_at"].astimezone(ROME),
        "end": row["ends_at"].astimezone(ROME),
        "agenda_id": row["agenda_id"],
        "provider": {"code": row["provider_code"], "name": row["provider_name"]},
        "site": {
            "id": row["site_id"],
            "name": row["site_name"],
            "address": row["address"],
            "comune": row["comune_istat"],
        },
        "distance_km": round(distance, 1) if distance is not None else None,
        "within_priority": row["starts_at"] < limit_at if limit_at else None,
    }
