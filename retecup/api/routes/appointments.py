"""Booking, moving and cancelling appointments; holds."""

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from retecup.adapters import sql_appointments, sql_idempotency
from retecup.api import schemas
from retecup.api.deps import Caller, now, transaction
from retecup.domain import identifiers
from retecup.domain.errors import IdempotencyKeyReused, InvalidInput
from retecup.domain.priority import check_prescribed_on
from retecup.domain.schedule import ROME
from retecup.services import booking, holds
from retecup.services.visibility import load_visible

router = APIRouter(tags=["appointments"])


@router.post("/appointments", response_model=schemas.Booking, status_code=201)
def book(
    request: Request, caller: Caller, body: schemas.BookingIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Books a slot. With an Idempotency-Key, a repeated request books once."""
    cmd = _book_command(body)
    digest = hashlib.sha256(
        json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()

    with transaction(request) as conn:
        if idempotency_key:
            stored = sql_idempotency.claim(conn, caller.id, idempotency_key, digest)
            if stored is not None:
                return _replay(stored, digest)

        booked = booking.book(conn, caller, cmd, now())
        payload = jsonable_encoder({
            **schemas.appointment(booked.appointment),
            "revoked": [schemas.appointment(r) for r in booked.revoked],
        })
        if idempotency_key:
            sql_idempotency.store(conn, caller.id, idempotency_key, 201, payload)
    return JSONResponse(payload, status_code=201)


def _book_command(body: schemas.BookingIn) -> booking.BookSlot:
    rx = None
    if body.prescription:
        today = now().astimezone(ROME).date()
        check_prescribed_on(body.prescription.prescribed_on, today,
                            "prescription.prescribed_on")
        rx = booking.Prescription(
            nre=identifiers.nre(body.prescription.nre),
            priority=body.prescription.priority,
            prescribed_on=body.prescription.prescribed_on,
        )
    reason = body.override_reason
    if reason is not None and not reason.strip():
        raise InvalidInput("override_reason", "la motivazione non può essere vuota")
    return booking.BookSlot(
        patient_cf=identifiers.codice_fiscale(body.patient_cf, "patient_cf"),
        slot_id=body.slot_id,
        service=body.service.strip().upper(),
        prescription=rx,
        hold_id=body.hold_id,
        override_reason=reason,
    )


def _replay(stored: dict, digest: str) -> JSONResponse:
    if stored["request_hash"] != digest:
        raise IdempotencyKeyReused(
            "Idempotency-Key: la chiave è già stata usata per un'altra richiesta")
    return JSONResponse(stored["response"], status_code=stored["status_code"])


@router.get("/appointments/{appointment_id}", response_model=schemas.Appointment)
def get_appointment(request: Request, caller: Caller, appointment_id: int) -> dict:
    with transaction(request) as conn:
        view = load_visible(conn, caller, appointment_id)
    return schemas.appointment(view)


@router.get("/appointments/{appointment_id}/history")
def history(request: Request, caller: Caller, appointment_id: int) -> dict:
    """Every change of the appointment: who, when, through which channel."""
    with transaction(request) as conn:
        load_visible(conn, caller, appointment_id)
        events = sql_appointments.history(conn, appointment_id)
    return {"items": [{**e, "at": schemas.local(e["at"])} for e in events]}


@router.post("/appointments/{appointment_id}/move",
             response_model=schemas.Appointment)
def move(request: Request, caller: Caller, appointment_id: int,
         body: schemas.MoveIn) -> dict:
    """Takes the new slot and frees the old one in one step, or changes nothing."""
    cmd = booking.MoveAppointment(appointment_id, body.slot_id)
    with transaction(request) as conn:
        view = booking.move(conn, caller, cmd, now())
    return schemas.appointment(view)


@router.post("/appointments/{appointment_id}/cancel",
             response_model=schemas.Appointment)
def cancel(request: Request, caller: Caller, appointment_id: int,
           body: schemas.CancelIn | None = None) -> dict:
    """Cancels the appointment; the slot is free again at once."""
    reason = body.reason if body else None
    with transaction(request) as conn:
        view = booking.cancel(conn, caller, appointment_id, reason, now())
    return schemas.appointment(view)


@router.post("/holds", response_model=schemas.Hold, status_code=201, tags=["holds"])
def hold(request: Request, caller: Caller, body: schemas.HoldIn) -> dict:
    """Keeps the slot for a few minutes while the patient confirms."""
    with transaction(request) as conn:
        held = holds.hold(conn, caller, body.slot_id, now(), body.priority)
    return {**held, "expires_at": schemas.local(held["expires_at"])}
