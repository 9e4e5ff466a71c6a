"""Loading an appointment on behalf of a principal who may or may not see it."""

from sqlalchemy import Connection

from retecup.adapters import sql_appointments
from retecup.domain.access import Principal, may_see_appointment
from retecup.domain.errors import Forbidden, NotFound


def load_visible(conn: Connection, principal: Principal, appointment_id: int) -> dict:
    view = sql_appointments.view(conn, appointment_id)
    if view is None:
        raise NotFound(f"id: appuntamento {appointment_id} inesistente")
    if not may_see_appointment(principal, view["patient_cf"], view["provider_code"]):
        raise Forbidden("appuntamento di un altro assistito o di un altro ente")
    return view
