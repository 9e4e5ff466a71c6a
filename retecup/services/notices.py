"""Messages to patients planned in the outbox as appointments change.

Only planning happens here; sending belongs to the reminders worker.
"""

from datetime import datetime

from sqlalchemy import Connection, text

from retecup.adapters import sql_appointments
from retecup.domain.schedule import ROME

REMINDER_KINDS = ("reminder", "recall")


def revocation(conn: Connection, appointment_id: int, row: dict, by: int,
               now: datetime) -> None:
    contact = _contact(conn, row["patient_id"])
    if contact is None:
        return

    start = row["starts_at"].astimezone(ROME).strftime("%d/%m/%Y %H:%M")
    body = (
        f"Gentile assistito, l'appuntamento {row['code']} del {start} è stato "
        "annullato perché ha prenotato di nuovo la stessa prestazione. "
        "Il nuovo appuntamento resta valido."
    )
    sql_appointments.plan_message(conn, appointment_id, kind="revocation",
                                  channel=contact, scheduled_for=now, body=body)
    sql_appointments.withdraw_planned(conn, appointment_id, REMINDER_KINDS)


def cancelled(conn: Connection, appointment_id: int) -> None:
    sql_appointments.withdraw_planned(conn, appointment_id, REMINDER_KINDS)


def moved(conn: Connection, appointment_id: int, now: datetime) -> None:
    # Reminders were timed on the old start; the reminders worker plans anew.
    sql_appointments.withdraw_planned(conn, appointment_id, REMINDER_KINDS)


def _contact(conn: Connection, patient_id: int) -> str | None:
    row = conn.execute(
        text("SELECT phone, email FROM patient WHERE id = :id"), {"id": patient_id}
    ).first()
    if row is None:
        return None
    if row.phone:
        return "sms"
    return "email" if row.email else None
