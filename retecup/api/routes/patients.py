"""Patients and their appointments."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from retecup.api import schemas
from retecup.api.deps import Caller, transaction
from retecup.services import patients

router = APIRouter(tags=["patients"])


@router.post("/patients", response_model=schemas.Patient, status_code=201,
             responses={200: {"model": schemas.Patient,
                              "description": "The CF was already known"}})
def register(request: Request, response: Response, caller: Caller,
             body: schemas.PatientIn) -> dict:
    """Registers a patient; a known codice fiscale returns the existing record."""
    cmd = patients.RegisterPatient(**body.model_dump())
    with transaction(request) as conn:
        row, created = patients.register(conn, caller, cmd)
    if not created:
        response.status_code = 200
    return {**row, "comune": row["comune_istat"]}


@router.get("/patients/{cf}/appointments", response_model=schemas.Appointments)
def appointments(
    request: Request, caller: Caller, cf: str,
    status: Annotated[schemas.Text | None, Query(max_length=20)] = None,
) -> dict:
    """A patient's appointments, newest start first."""
    with transaction(request) as conn:
        views = patients.appointments_of(conn, caller, cf, status)
    return {"items": [schemas.appointment(v) for v in views]}
