"""Reading a patient's record for the pages, within what the caller may see."""

from sqlalchemy import Connection

from retecup.adapters import sql_people
from retecup.domain import identifiers
from retecup.domain.access import Principal, may_see_patient
from retecup.domain.errors import Forbidden


def find(conn: Connection, principal: Principal, cf: str) -> dict | None:
    """The patient with this codice fiscale, or None when not registered."""
    cf = identifiers.codice_fiscale(cf)
    if not may_see_patient(principal, cf):
        raise Forbidden("dati di un altro assistito")

    patient = sql_people.patient_by_cf(conn, cf)
    if patient is None:
        return None
    place = sql_people.comune(conn, patient["comune_istat"])
    return {**patient, "comune_name": place["name"] if place else ""}
