"""Request and response bodies of API version 1 (see design/CORE-API.md)."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from retecup.domain.priority import Priority
from retecup.domain.schedule import ROME

Status = Literal["booked", "cancelled", "revoked", "checked_in", "completed",
                 "no_show"]


def _printable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no field needs control characters.
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("caratteri di controllo non ammessi")
    return value


Text = Annotated[str, AfterValidator(_printable)]
Id = Annotated[int, Field(gt=0, lt=2**63, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str


class Service(BaseModel):
    code: str
    description: str
    branch: str | None
    tariff_eur: float
    tariff_illustrative: bool
    kind: Literal["visit", "diagnostic", "other"]


class ProviderRef(BaseModel):
    code: str
    name: str


class SiteRef(BaseModel):
    id: int
    name: str
    address: str
    comune: str


class Offer(BaseModel):
    slot_id: int
    start: datetime
    end: datetime
    agenda_id: int
    provider: ProviderRef
    site: SiteRef
    distance_km: float | None
    within_priority: bool | None


class Offers(BaseModel):
    deadline: datetime | None
    items: list[Offer]


class PatientIn(Strict):
    cf: Text = Field(min_length=1, max_length=32)
    given_name: Text = Field(min_length=1, max_length=100)
    family_name: Text = Field(min_length=1, max_length=100)
    birth_date: date
    comune: Text = Field(description="ISTAT code of the comune of residence")
    phone: Text | None = Field(default=None, max_length=32)
    email: Text | None = Field(default=None, max_length=254)


class Patient(BaseModel):
    cf: str
    given_name: str
    family_name: str
    birth_date: date
    comune: str
    phone: str | None
    email: str | None


class PrescriptionIn(Strict):
    nre: Text = Field(max_length=32)
    priority: Priority
    prescribed_on: date


class BookingIn(Strict):
    patient_cf: Text = Field(max_length=32)
    slot_id: Id
    service: Text = Field(max_length=32)
    prescription: PrescriptionIn | None = None
    hold_id: uuid.UUID | None = None
    override_reason: Text | None = Field(
        default=None, max_length=500,
        description="Books over capacity (operators only); recorded in history")


class MoveIn(Strict):
    slot_id: Id


class CancelIn(Strict):
    reason: Text | None = Field(default=None, max_length=500)


class HoldIn(Strict):
    slot_id: Id
    priority: Priority | None = Field(
        default=None, description="Needed to hold a slot reserved for U and B")


class Hold(BaseModel):
    hold_id: uuid.UUID
    slot_id: int
    expires_at: datetime


class Appointment(BaseModel):
    id: int
    code: str
    status: Status
    patient_cf: str
    service: str
    service_description: str
    slot_id: int
    start: datetime
    end: datetime
    provider: ProviderRef
    site: SiteRef
    preparation: str | None
    booked_at: datetime
    channel: str
    first_offer: datetime | None
    took_first_offer: bool | None
    priority: Priority | None
    nre: str | None
    prescribed_on: date | None
    deadline: datetime | None
    over_capacity: bool


class Booking(Appointment):
    revoked: list[Appointment]


class Appointments(BaseModel):
    items: list[Appointment]


class ServiceList(BaseModel):
    items: list[Service]


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(ROME) if value else None


def appointment(view: dict) -> dict:
    return {
        "id": view["id"],
        "code": view["code"],
        "status": view["status"],
        "patient_cf": view["patient_cf"],
        "service": view["service_code"],
        "service_description": view["service_description"],
        "slot_id": view["slot_id"],
        "start": local(view["starts_at"]),
        "end": local(view["ends_at"]),
        "provider": {"code": view["provider_code"], "name": view["provider_name"]},
        "site": {"id": view["site_id"], "name": view["site_name"],
                 "address": view["site_address"], "comune": view["site_comune"]},
        "preparation": view["preparation"],
        "booked_at": local(view["booked_at"]),
        "channel": view["channel"],
        "first_offer": local(view["first_offer"]),
        "took_first_offer": view["took_first_offer"],
        "priority": view["priority"],
        "nre": view["nre"],
        "prescribed_on": view["prescribed_on"],
        "deadline": local(view["deadline"]),
        "over_capacity": view["over_capacity"],
    }
