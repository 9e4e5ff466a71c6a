"""Use case: keep a slot for a few minutes while the patient confirms.

An expired hold needs no job to free it: searches treat a slot whose holds have
all expired as free, and the next booking or hold purges the stale rows.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection

from retecup.adapters import sql_slots
from retecup.config import get_settings
from retecup.domain.access import PROVIDER_ROLES, Principal, Role
from retecup.domain.errors import Conflict, Forbidden, NotFound, SlotClosed, SlotTaken
from retecup.domain.priority import Priority

log = logging.getLogger(__name__)

# One desk serves one patient at a time; a handful of live holds is plenty, and
# the cap stops one caller from hiding a whole agenda.
MAX_LIVE_HOLDS = 5


def hold(conn: Connection, principal: Principal, slot_id: int, now: datetime,
         priority: Priority | None = None) -> dict:
    slot = sql_slots.slot_for_booking(conn, slot_id)
    if slot is None:
        raise NotFound(f"slot_id: posto {slot_id} inesistente")
    _check_may_hold(principal, slot)
    bookable = slot["open"] and slot["agenda_status"] == "active"
    if slot["starts_at"] <= now or not bookable:
        raise SlotClosed("slot_id: il posto non è prenotabile")
    reserved = slot["reserved_until"] and slot["reserved_until"] > now
    if reserved and priority not in (Priority.U, Priority.B):
        raise SlotClosed("slot_id: posto riservato alle priorità U e B")

    if sql_slots.live_holds_of(conn, principal.id, now) >= MAX_LIVE_HOLDS:
        raise Conflict("slot_id: troppi posti tenuti in sospeso; confermarne "
                       "o attenderne la scadenza")

    expires = now + timedelta(minutes=get_settings().hold_minutes)
    hold_id = sql_slots.hold_place(conn, slot_id, principal.id, now, expires)
    if hold_id is None:
        raise SlotTaken("slot_id: il posto è già stato prenotato")

    log.info("slot held", extra={"slot_id": slot_id, "hold_id": str(hold_id)})
    return {"hold_id": hold_id, "slot_id": slot_id, "expires_at": expires}


def _check_may_hold(principal: Principal, slot: dict) -> None:
    if principal.role in PROVIDER_ROLES and principal.provider_code != slot[
        "provider_code"
    ]:
        raise Forbidden("l'agenda appartiene a un altro ente")
    if principal.role is not Role.REGION_ADMIN and principal.channel not in slot[
        "channels"
    ]:
        raise Forbidden(f"l'agenda non è prenotabile dal canale {principal.channel}")
