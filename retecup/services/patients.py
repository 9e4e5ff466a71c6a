"""Use cases: register a patient, read a patient's appointments."""

import logging
import re
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Connection

from retecup.adapters import sql_appointments, sql_people
from retecup.domain import identifiers
from retecup.domain.access import Principal, may_see_patient
from retecup.domain.appointment import Status
from retecup.domain.errors import Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)

_PHONE = re.compile(r"^\+?[0-9 ]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class RegisterPatient:
    cf: str
    given_name: str
    family_name: str
    birth_date: date
    comune: str
    phone: str | None = None
    email: str | None = None


def register(conn: Connection, principal: Principal, cmd: RegisterPatient):
    """Returns (patient, created); a known CF returns the existing record."""
    cf = identifiers.codice_fiscale(cmd.cf)
    if not may_see_patient(principal, cf):
        raise Forbidden("un cittadino registra solo sé stesso")
    _validate(conn, cmd, cf)

    existing = sql_people.patient_by_cf(conn, cf)
    if existing:
        return existing, False

    created = sql_people.insert_patient(conn, {**asdict(cmd), "cf": cf})
    if created is None:  # registered concurrently by someone else
        return sql_people.patient_by_cf(conn, cf), False

    log.info("patient registered", extra={"patient_id": created["id"]})
    return created, True


def _validate(conn: Connection, cmd: RegisterPatient, cf: str) -> None:
    for field in ("given_name", "family_name"):
        if not getattr(cmd, field).strip():
            raise InvalidInput(field, "obbligatorio")
    if not identifiers.birth_date_matches(cf, cmd.birth_date):
        raise InvalidInput("birth_date", "non corrisponde al codice fiscale")
    identifiers.istat_code(cmd.comune)
    if sql_people.comune(conn, cmd.comune) is None:
        raise InvalidInput("comune", f"comune {cmd.comune} sconosciuto")
    if cmd.phone and not _PHONE.match(cmd.phone):
        raise InvalidInput("phone", "numero di telefono non valido")
    if cmd.email and not _EMAIL.match(cmd.email):
        raise InvalidInput("email", "indirizzo e-mail non valido")


def appointments_of(conn: Connection, principal: Principal, cf: str,
                    status: str | None) -> list[dict]:
    cf = identifiers.codice_fiscale(cf)
    if not may_see_patient(principal, cf):
        raise Forbidden("appuntamenti di un altro assistito")
    if status and status not in set(Status):
        raise InvalidInput("status", f"stato {status!r} sconosciuto")

    patient = sql_people.patient_by_cf(conn, cf)
    if patient is None:
        raise NotFound(f"cf: assistito {cf} non registrato")

    views = sql_appointments.views_of_patient(conn, patient["id"], status)
    if principal.provider_code:
        views = [v for v in views if v["provider_code"] == principal.provider_code]
    return views
