"""Use cases: book a slot, move an appointment, cancel it.

Each is one transaction. The order of locks is always the patient row, then
the appointment row, then slot rows in ascending id: the same order everywhere
keeps concurrent moves from deadlocking, and the patient lock makes every
change of one patient's appointments wait for the others.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from retecup.adapters import sql_appointments, sql_catalogue, sql_people, sql_slots
from retecup.domain import identifiers
from retecup.domain.access import OVERRIDE_ROLES, Principal, check_may_book
from retecup.domain.appointment import (
    Status,
    check_movable,
    check_transition,
    first_overlap,
    to_revoke,
)
from retecup.domain.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    OverlappingAppointment,
    PrescriptionAlreadyUsed,
    SlotClosed,
    SlotTaken,
    StateForbids,
)
from retecup.domain.priority import Priority, deadline
from retecup.domain.schedule import ROME
from retecup.services import first_offer, notices
from retecup.services.visibility import load_visible

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prescription:
    nre: str
    priority: Priority
    prescribed_on: date


@dataclass(frozen=True)
class BookSlot:
    patient_cf: str
    slot_id: int
    service: str
    prescription: Prescription | None = None
    hold_id: uuid.UUID | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class Booked:
    appointment: dict
    revoked: list[dict]


def book(
    conn: Connection, principal: Principal, cmd: BookSlot, now: datetime
) -> Booked:
    """Books `cmd.slot_id` for the patient, revoking any duplicate it makes."""
    patient = sql_people.patient_by_cf(conn, cmd.patient_cf, lock=True)
    if patient is None:
        raise NotFound(f"patient_cf: assistito {cmd.patient_cf} non registrato")

    slot, service = _bookable(conn, principal, cmd, now)
    held = sql_appointments.held_by_patient(conn, patient["id"])
    revoking = to_revoke(held, service["duplicate_group"], now)
    _check_no_overlap(held, slot, ignore={h.id for h in revoking})
    if cmd.prescription:
        _check_prescription_free(conn, cmd, revoking)

    offer = first_offer.earliest(conn, principal, patient, cmd, slot, now)
    # The duplicates go first: their prescription line and their time are
    # free for the new appointment before it is inserted.
    revoked_rows = [_revoke(conn, h.id, principal, now) for h in revoking]
    over_capacity = _take_place(conn, principal, cmd, slot, now)
    appointment_id = _insert(conn, principal, cmd, patient, slot, service, offer,
                             over_capacity, now)
    revoked = [
        _record_revocation(conn, row, appointment_id, principal, now)
        for row in revoked_rows
    ]

    log.info("appointment booked", extra={
        "appointment_id": appointment_id, "slot_id": cmd.slot_id,
        "channel": str(principal.channel), "revoked": [r["id"] for r in revoked],
    })
    return Booked(sql_appointments.view(conn, appointment_id), revoked)


def _bookable(conn, principal, cmd: BookSlot, now: datetime):
    slot = sql_slots.slot_for_booking(conn, cmd.slot_id)
    if slot is None:
        raise NotFound(f"slot_id: posto {cmd.slot_id} inesistente")
    check_may_book(principal, cmd.patient_cf, slot["provider_code"], slot["channels"])

    service = _service(conn, cmd.service)
    duration = sql_slots.service_duration(conn, slot["agenda_id"], cmd.service)
    if duration is None:
        raise InvalidInput("service", "prestazione non erogata su questa agenda")

    _check_open(slot, now, cmd.prescription)
    return slot, service


def _service(conn, code: str) -> dict:
    service = sql_catalogue.by_code(conn, code)
    if service is None:
        raise InvalidInput("service", f"prestazione {code!r} sconosciuta")
    return service


def _check_open(slot: dict, now: datetime, prescription: Prescription | None) -> None:
    if slot["starts_at"] <= now:
        raise SlotClosed("slot_id: il posto è nel passato")
    if not slot["open"] or slot["agenda_status"] != "active":
        raise SlotClosed("slot_id: il posto non è più prenotabile (agenda chiusa)")

    reserved = slot["reserved_until"] and slot["reserved_until"] > now
    urgent = prescription and prescription.priority in (Priority.U, Priority.B)
    if reserved and not urgent:
        raise SlotClosed("slot_id: posto riservato alle priorità U e B")


def _check_no_overlap(held, slot: dict, ignore: set[int]) -> None:
    clash = first_overlap(held, slot["starts_at"], slot["ends_at"], ignore)
    if clash:
        start = clash.starts_at.astimezone(ROME).isoformat()
        raise OverlappingAppointment(
            f"slot_id: l'assistito ha già l'appuntamento {clash.code} "
            f"(id {clash.id}) alle {start}",
            appointment_id=clash.id,
        )


def _check_prescription_free(conn, cmd: BookSlot, revoking) -> None:
    in_use = sql_appointments.nre_in_use(conn, cmd.prescription.nre, cmd.service)
    if in_use and in_use not in {h.id for h in revoking}:
        raise PrescriptionAlreadyUsed(
            f"prescription.nre: la ricetta prenota già questa prestazione "
            f"(appuntamento {in_use})",
            appointment_id=in_use,
        )


def _take_place(conn, principal: Principal, cmd: BookSlot, slot, now) -> bool:
    """Takes a place on the slot; True when it was taken over capacity."""
    if cmd.hold_id:
        if not sql_slots.take_held_place(conn, cmd.slot_id, cmd.hold_id,
                                         principal.id, now):
            raise SlotTaken("hold_id: prenotazione temporanea scaduta o non valida")
        return False

    if sql_slots.take_place(conn, cmd.slot_id, now):
        return False

    if cmd.override_reason:
        if principal.role not in OVERRIDE_ROLES:
            raise Forbidden("override_reason: forzatura non consentita al ruolo")
        if sql_slots.take_place_over_capacity(conn, cmd.slot_id):
            log.warning("slot overbooked by override", extra={
                "slot_id": cmd.slot_id, "principal_id": principal.id})
            return True

    raise SlotTaken("slot_id: il posto è già stato prenotato")


def _insert(conn, principal, cmd, patient, slot, service, offer, over, now) -> int:
    rx = cmd.prescription
    values = {
        "code": identifiers.appointment_code(),
        "patient_id": patient["id"],
        "service_code": cmd.service,
        "duplicate_group": service["duplicate_group"],
        "slot_id": cmd.slot_id,
        "agenda_id": slot["agenda_id"],
        "starts_at": slot["starts_at"],
        "ends_at": slot["ends_at"],
        "status": Status.BOOKED.value,
        "channel": str(principal.channel),
        "booked_at": now,
        "booked_by": principal.id,
        "nre": rx.nre if rx else None,
        "priority": rx.priority.value if rx else None,
        "prescribed_on": rx.prescribed_on if rx else None,
        "deadline": deadline(rx.priority, rx.prescribed_on, service["kind"]) if rx
        else None,
        "first_offer": offer,
        "took_first_offer": slot["starts_at"] <= offer,
        "over_capacity": over,
        "override_reason": cmd.override_reason if over else None,
        "updated_at": now,
    }
    try:
        with conn.begin_nested():
            appointment_id = sql_appointments.insert(conn, values)
    except IntegrityError as error:
        raise _integrity_conflict(error) from None

    sql_appointments.record_event(
        conn, appointment_id, at=now, tag="api:appointment:booked",
        to_status=Status.BOOKED, principal=principal,
        reason=cmd.override_reason if over else None,
        data={"slot_id": cmd.slot_id, "over_capacity": over},
    )
    return appointment_id


def _integrity_conflict(error: IntegrityError):
    # The patient lock makes these unreachable in normal operation; the
    # constraints stay as the last guard and must still read as a conflict.
    message = str(error.orig)
    if "appointment_no_overlap" in message:
        return OverlappingAppointment("slot_id: l'assistito ha già un appuntamento")
    if "appointment_nre_once" in message:
        return PrescriptionAlreadyUsed("prescription.nre: ricetta già utilizzata")
    raise error


def _revoke(conn, appointment_id: int, principal, now) -> dict:
    row = sql_appointments.lock(conn, appointment_id)
    check_transition(row["status"], Status.REVOKED)
    sql_slots.release_place(conn, row["slot_id"], row["over_capacity"])
    sql_appointments.update(conn, appointment_id, {
        "status": Status.REVOKED.value, "updated_at": now})
    return row


def _record_revocation(conn, row: dict, by: int, principal, now) -> dict:
    sql_appointments.update(conn, row["id"], {"revoked_by": by})
    sql_appointments.record_event(
        conn, row["id"], at=now, tag="system:appointment:revoked",
        from_status=row["status"], to_status=Status.REVOKED, principal=principal,
        reason="prenotazione duplicata della stessa prestazione",
        data={"revoked_by": by},
    )
    notices.revocation(conn, row["id"], row, by, now)
    log.info("appointment revoked as duplicate",
             extra={"appointment_id": row["id"], "revoked_by": by})
    return sql_appointments.view(conn, row["id"])


@dataclass(frozen=True)
class MoveAppointment:
    appointment_id: int
    slot_id: int


def move(conn: Connection, principal: Principal, cmd: MoveAppointment,
         now: datetime) -> dict:
    """Moves the appointment to another slot, or changes nothing."""
    current = load_visible(conn, principal, cmd.appointment_id)
    sql_people.patient_by_cf(conn, current["patient_cf"], lock=True)
    row = sql_appointments.lock(conn, cmd.appointment_id)
    check_movable(row["status"], row["starts_at"], now)
    if cmd.slot_id == row["slot_id"]:
        raise InvalidInput("slot_id", "il posto è già quello dell'appuntamento")

    rx = _prescription_of(row)
    slot, _ = _bookable(conn, principal, BookSlot(
        current["patient_cf"], cmd.slot_id, row["service_code"], rx), now)
    held = sql_appointments.held_by_patient(conn, row["patient_id"])
    _check_no_overlap(held, slot, ignore={row["id"]})

    _swap_places(conn, row, cmd.slot_id, now)
    sql_appointments.update(conn, row["id"], {
        "slot_id": cmd.slot_id, "agenda_id": slot["agenda_id"],
        "starts_at": slot["starts_at"], "ends_at": slot["ends_at"],
        "over_capacity": False, "updated_at": now,
    })
    sql_appointments.record_event(
        conn, row["id"], at=now, tag="api:appointment:moved",
        from_status=row["status"], to_status=row["status"], principal=principal,
        data={"from_slot": row["slot_id"], "to_slot": cmd.slot_id},
    )
    notices.moved(conn, row["id"], now)
    log.info("appointment moved", extra={
        "appointment_id": row["id"], "from_slot": row["slot_id"],
        "to_slot": cmd.slot_id})
    return sql_appointments.view(conn, row["id"])


def _prescription_of(row: dict) -> Prescription | None:
    if not row["priority"]:
        return None
    return Prescription(row["nre"], Priority(row["priority"]), row["prescribed_on"])


def _swap_places(conn, row: dict, new_slot: int, now: datetime) -> None:
    # Touch the two slot rows in ascending id order (see the module docstring);
    # releasing first is safe since a failure rolls the whole move back.
    steps = [
        (row["slot_id"], lambda: sql_slots.release_place(
            conn, row["slot_id"], row["over_capacity"])),
        (new_slot, lambda: _take_or_fail(conn, new_slot, now)),
    ]
    for _, step in sorted(steps, key=lambda s: s[0]):
        step()


def _take_or_fail(conn, slot_id: int, now: datetime) -> None:
    if not sql_slots.take_place(conn, slot_id, now):
        raise SlotTaken("slot_id: il posto è già stato prenotato")


def cancel(conn: Connection, principal: Principal, appointment_id: int,
           reason: str | None, now: datetime) -> dict:
    """Cancels the appointment; its place is free again at once."""
    current = load_visible(conn, principal, appointment_id)
    sql_people.patient_by_cf(conn, current["patient_cf"], lock=True)
    row = sql_appointments.lock(conn, appointment_id)
    check_transition(row["status"], Status.CANCELLED)
    if row["starts_at"] <= now:
        raise StateForbids("impossibile disdire un appuntamento già iniziato",
                           status=row["status"])

    sql_slots.release_place(conn, row["slot_id"], row["over_capacity"])
    sql_appointments.update(conn, appointment_id, {
        "status": Status.CANCELLED.value, "cancel_reason": reason,
        "updated_at": now})
    sql_appointments.record_event(
        conn, appointment_id, at=now, tag="api:appointment:cancelled",
        from_status=row["status"], to_status=Status.CANCELLED, principal=principal,
        reason=reason,
    )
    notices.cancelled(conn, appointment_id)
    log.info("appointment cancelled", extra={"appointment_id": appointment_id})
    return sql_appointments.view(conn, appointment_id)
