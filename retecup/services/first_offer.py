"""The earliest offer a patient had when booking, for the waiting-time flows.

The region's ex-ante monitoring asks, for every booking, what the earliest
start available to that patient was (same service, area, priority) and whether
the patient took it. It cannot be rebuilt later, so it is computed inside the
booking transaction, before the place is taken.
"""

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from retecup.adapters import sql_availability
from retecup.domain.access import Principal
from retecup.services.availability import FindOffers, offer_query


def earliest(conn: Connection, principal: Principal, patient: dict, cmd, slot: dict,
             now: datetime) -> datetime:
    rx = cmd.prescription
    find = FindOffers(
        service=cmd.service,
        priority=rx.priority if rx else None,
        comune=patient["comune_istat"],
        regime=slot["regime"],
        limit=1,
    )
    query = replace(offer_query(conn, principal, find, now), limit=1)
    rows = sql_availability.offers(conn, query)

    # The slot being booked was on offer too, even if it lies outside the area.
    candidates = [slot["starts_at"]] + [r["starts_at"] for r in rows]
    return min(candidates)
