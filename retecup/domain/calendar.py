"""Days on which no agenda runs: Italian national holidays and patron days.

The `holidays` package knows the national days and, for each province, the
patron saint of its chief town; a patron day closes only the sites in that
comune (Milan's 7 December does not close Monza).
"""

from datetime import date
from functools import lru_cache

import holidays

_SUPPORTED = frozenset(holidays.Italy.subdivisions)


@lru_cache(maxsize=4096)
def closed_days(
    province: str | None, is_capital: bool, years: tuple[int, ...]
) -> frozenset[date]:
    national = holidays.Italy(years=years)
    days = set(national)

    if province and is_capital and province in _SUPPORTED:
        local = holidays.Italy(subdiv=province, years=years)
        days |= set(local)

    return frozenset(days)


def years_between(first: date, last: date) -> tuple[int, ...]:
    return tuple(range(first.year, last.year + 1))
