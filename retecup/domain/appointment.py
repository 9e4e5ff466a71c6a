"""Appointment states, what may happen in each, and the duplicate rule."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from retecup.domain.errors import StateForbids


class Status(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


ACTIVE = frozenset({Status.BOOKED, Status.CHECKED_IN})

_ALLOWED = {
    Status.BOOKED: {
        Status.CANCELLED, Status.REVOKED, Status.CHECKED_IN, Status.NO_SHOW},
    Status.CHECKED_IN: {Status.COMPLETED},
}

_ACTIONS_IT = {
    Status.CANCELLED: "disdire",
    Status.REVOKED: "revocare",
    Status.CHECKED_IN: "accettare",
    Status.COMPLETED: "chiudere",
    Status.NO_SHOW: "segnare come assente",
}


def check_transition(current: str, target: Status) -> None:
    if target not in _ALLOWED.get(Status(current), set()):
        raise StateForbids(
            f"impossibile {_ACTIONS_IT[target]} un appuntamento in stato {current}",
            status=current,
        )


def check_movable(current: str, starts_at: datetime, now: datetime) -> None:
    if current != Status.BOOKED:
        raise StateForbids(
            f"impossibile spostare un appuntamento in stato {current}", status=current
        )
    if starts_at <= now:
        raise StateForbids("impossibile spostare un appuntamento già iniziato")


@dataclass(frozen=True)
class Held:
    """An appointment a patient holds, as the duplicate rule sees it."""

    id: int
    code: str
    duplicate_group: str
    status: str
    starts_at: datetime
    ends_at: datetime
    booked_at: datetime


def to_revoke(held: list[Held], duplicate_group: str, now: datetime) -> list[Held]:
    """The appointments a new booking of `duplicate_group` makes redundant.

    A patient keeps one active future appointment per service (or duplicate
    group): the new booking is the most recent, so every other one goes.
    """
    return [
        h
        for h in held
        if h.duplicate_group == duplicate_group
        and h.status == Status.BOOKED
        and h.starts_at > now
    ]


def first_overlap(
    held: list[Held], starts_at: datetime, ends_at: datetime, ignore: set[int]
) -> Held | None:
    """The earliest of `held` (the patient's active appointments) that overlaps
    [starts_at, ends_at), leaving out the ids in `ignore`."""
    clashes = [
        h
        for h in held
        if h.id not in ignore and h.starts_at < ends_at and starts_at < h.ends_at
    ]
    return min(clashes, key=lambda h: h.starts_at, default=None)
