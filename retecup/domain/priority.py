"""Priority classes of a prescription and the deadline each one sets.

U within 72 hours, B within 10 days, D within 30 days for a visit or 60 for a
diagnostic service, P within 120 days. A prescription carries a date, not a
time, so the limit is counted in whole days: the deadline is the local midnight
that ends the last allowed day (for U, the third day after the prescription).
"""

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from retecup.domain.errors import InvalidInput
from retecup.domain.schedule import ROME


class Priority(StrEnum):
    U = "U"
    B = "B"
    D = "D"
    P = "P"


_DAYS = {Priority.U: 3, Priority.B: 10, Priority.P: 120}
_D_DAYS = {"visit": 30, "diagnostic": 60, "other": 60}


def allowed_days(priority: Priority | str, service_kind: str) -> int:
    priority = Priority(priority)
    if priority is Priority.D:
        return _D_DAYS[service_kind]
    return _DAYS[priority]


# A specialist prescription is valid for months, not years: older dates are
# typing errors, and later ones are not prescriptions yet.
MAX_AGE_DAYS = 366


def check_prescribed_on(prescribed_on: date, today: date, field: str) -> None:
    if prescribed_on > today:
        raise InvalidInput(field, "la data della ricetta è nel futuro")
    if prescribed_on < today - timedelta(days=MAX_AGE_DAYS):
        raise InvalidInput(field, "ricetta più vecchia di un anno")


def deadline(
    priority: Priority | str, prescribed_on: date, service_kind: str,
    tz: ZoneInfo = ROME,
) -> datetime:
    """The instant before which an offer counts as within priority."""
    last_day = prescribed_on + timedelta(days=allowed_days(priority, service_kind))
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
