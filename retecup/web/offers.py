"""The earliest offers as the pages show them: filtered, with place names."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection

from retecup.domain.access import Principal
from retecup.domain.priority import Priority
from retecup.domain.schedule import ROME
from retecup.services.availability import FindOffers, find_offers
from retecup.web import store

SHOWN = 10
# The part-of-day filter is applied to what the search returns, so the search
# is asked for more offers than the page shows, in a few rounds at most.
FETCHED_FOR_PART = 60
MAX_ROUNDS = 8
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
    deadline, items = _collect(conn, principal, cmd, filters.part, now)

    names = store.comune_names(conn, {o["site"]["comune"] for o in items})
    for offer in items:
        offer["site"]["comune_name"] = names.get(offer["site"]["comune"], "")
    return Shown(deadline, items)


def _collect(conn, principal, cmd: FindOffers, part: str, now: datetime):
    """Pages through the offers until SHOWN fall in the part of the day.

    The search knows no part of the day, so each round asks again from the
    next start that could match: the afternoon of the last day seen, or the
    next morning. Offers at the very start the last round ended on come back
    and are skipped by slot id, so ties across agendas are not lost.
    """
    found: dict[int, dict] = {}
    offers = find_offers(conn, principal, cmd, now)
    for _ in range(MAX_ROUNDS):
        for offer in offers.items:
            if _in_part(offer["start"], part):
                found.setdefault(offer["slot_id"], offer)
        if not part or len(found) >= SHOWN or len(offers.items) < cmd.limit:
            break
        resume = _next_start(offers.items[-1]["start"], part)
        if cmd.starts_from and resume <= cmd.starts_from:
            break  # a whole page of offers at one instant: no way forward
        cmd = replace(cmd, starts_from=resume)
        offers = find_offers(conn, principal, cmd, now)

    items = sorted(found.values(), key=lambda o: (o["start"], o["distance_km"] or 0))
    return offers.deadline, items[:SHOWN]


def _next_start(last: datetime, part: str) -> datetime:
    local = last.astimezone(ROME)
    if part == "pomeriggio" and local.time() < AFTERNOON_FROM:
        return datetime.combine(local.date(), AFTERNOON_FROM, tzinfo=ROME)
    if part == "mattina" and local.time() >= AFTERNOON_FROM:
        return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=ROME)
    return local


def _in_part(start: datetime, part: str) -> bool:
    if not part:
        return True
    afternoon = start.astimezone(ROME).time() >= AFTERNOON_FROM
    return afternoon if part == "pomeriggio" else not afternoon
