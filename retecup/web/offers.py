"""The earliest offers as the pages show them: filtered, with place names."""

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Connection

from retecup.domain.access import Principal
from retecup.domain.priority import Priority
from retecup.domain.schedule import ROME
from retecup.services.availability import FindOffers, find_offers
from retecup.web import store

SHOWN = 10
# The part-of-day filter is applied to what the search returns, so the search
# is asked for more offers than the page shows.
FETCHED_FOR_PART = 60
AFTERNOON_FROM = time(13, 0)
RADII = (10, 30, 50, 100)
PARTS = {"": "Tutto il giorno", "mattina": "Mattina (prima delle 13)",
         "pomeriggio": "Pomeriggio (dalle 13)"}


@dataclass(frozen=True)
class Filters:
    radius_km: int = 30
    from_day: date | None = None
    part: str = ""

    @classmethod
    def parse(cls, radius: str | None, from_day: str | None, part: str | None):
        try:
            radius_km = int(radius) if radius else 30
        except ValueError:
            radius_km = 30
        try:
            day = date.fromisoformat(from_day) if from_day else None
        except ValueError:
            day = None
        part = part if part in PARTS else ""
        return cls(radius_km if radius_km in RADII else 30, day, part)


@dataclass(frozen=True)
class Shown:
    deadline: datetime | None
    items: list[dict]


def search(conn: Connection, principal: Principal, service: str,
           comune: str | None, priority: Priority | None,
           prescribed_on: date | None, filters: Filters, now: datetime) -> Shown:
    """Up to SHOWN offers, earliest first, within the filters."""
    starts_from = None
    if filters.from_day:
        starts_from = datetime.combine(filters.from_day, time(0), tzinfo=ROME)
    cmd = FindOffers(
        service=service, priority=priority, prescribed_on=prescribed_on,
        comune=comune, radius_km=filters.radius_km, starts_from=starts_from,
        limit=FETCHED_FOR_PART if filters.part else SHOWN,
    )
    offers = find_offers(conn, principal, cmd, now)

    items = [o for o in offers.items if _in_part(o["start"], filters.part)]
    items = items[:SHOWN]
    names = store.comune_names(conn, {o["site"]["comune"] for o in items})
    for offer in items:
        offer["site"]["comune_name"] = names.get(offer["site"]["comune"], "")
    return Shown(offers.deadline, items)


def _in_part(start: datetime, part: str) -> bool:
    if not part:
        return True
    afternoon = start.astimezone(ROME).time() >= AFTERNOON_FROM
    return afternoon if part == "pomeriggio" else not afternoon
