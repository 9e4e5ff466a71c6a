"""Appointments, their history and their outbox, as rows."""

import json
from datetime import datetime

from sqlalchemy import Connection, text

from retecup.domain.appointment import Held

# The columns the API shows, with provider and site spelled out.
_VIEW = """
    SELECT ap.id, ap.code, ap.status, pt.cf AS patient_cf, ap.service_code,
           sv.description AS service_description, sv.preparation,
           ap.slot_id, ap.agenda_id, ap.starts_at, ap.ends_at, ap.booked_at,
           ap.channel, ap.first_offer, ap.took_first_offer, ap.nre, ap.priority,
           ap.prescribed_on, ap.deadline, ap.over_capacity, ap.override_reason,
           ap.cancel_reason, ap.revoked_by, ap.updated_at,
           pv.code AS provider_code, pv.name AS provider_name,
           st.id AS site_id, st.name AS site_name, st.address AS site_address,
           st.comune_istat AS site_comune
    FROM appointment ap
    JOIN patient pt ON pt.id = ap.patient_id
    JOIN service sv ON sv.code = ap.service_code
    JOIN agenda ag ON ag.id = ap.agenda_id
    JOIN provider pv ON pv.code = ag.provider_code
    JOIN site st ON st.id = ag.site_id
"""


def view(conn: Connection, appointment_id: int) -> dict | None:
    row = conn.execute(
        text(_VIEW + " WHERE ap.id = :id"), {"id": appointment_id}
    ).mappings().first()
    return dict(row) if row else None


def views_of_patient(conn: Connection, patient_id: int, status: str | None) -> list:
    sql = _VIEW + " WHERE ap.patient_id = :patient"
    params: dict = {"patient": patient_id}
    if status:
        sql += " AND ap.status = :status"
        params["status"] = status
    sql += " ORDER BY ap.starts_at DESC, ap.id DESC"
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def lock(conn: Connection, appointment_id: int) -> dict | None:
    row = conn.execute(
        text("""SELECT ap.*, ag.provider_code FROM appointment ap
                JOIN agenda ag ON ag.id = ap.agenda_id
                WHERE ap.id = :id FOR UPDATE OF ap"""),
        {"id": appointment_id},
    ).mappings().first()
    return dict(row) if row else None


def held_by_patient(conn: Connection, patient_id: int) -> list[Held]:
    rows = conn.execute(
        text("""SELECT id, duplicate_group, status, starts_at, ends_at, booked_at,
                       code
                FROM appointment
                WHERE patient_id = :patient AND status IN ('booked', 'checked_in')"""),
        {"patient": patient_id},
    ).mappings()
    return [Held(**r) for r in rows]


def nre_in_use(conn: Connection, nre: str, service: str) -> int | None:
    return conn.execute(
        text("""SELECT id FROM appointment
                WHERE nre = :nre AND service_code = :service
                  AND status IN ('booked', 'checked_in', 'completed')"""),
        {"nre": nre, "service": service},
    ).scalar()


def insert(conn: Connection, values: dict) -> int:
    columns = ", ".join(values)
    placeholders = ", ".join(f":{k}" for k in values)
    return conn.execute(
        text(f"INSERT INTO appointment ({columns}) VALUES ({placeholders}) "
             "RETURNING id"),
        values,
    ).scalar_one()


def update(conn: Connection, appointment_id: int, values: dict) -> None:
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(
        text(f"UPDATE appointment SET {assignments} WHERE id = :id"),
        {**values, "id": appointment_id},
    )


def record_event(
    conn: Connection, appointment_id: int, *, at: datetime, tag: str,
    to_status: str, from_status: str | None = None, principal=None,
    reason: str | None = None, data: dict | None = None,
) -> None:
    conn.execute(
        text("""INSERT INTO appointment_event (appointment_id, at, tag,
                principal_id, role, channel, from_status, to_status, reason, data)
                VALUES (:appointment, :at, :tag, :principal, :role, :channel,
                        :from_status, :to_status, :reason, :data)"""),
        {
            "appointment": appointment_id, "at": at, "tag": tag,
            "principal": principal.id if principal else None,
            "role": str(principal.role) if principal else None,
            "channel": str(principal.channel) if principal else None,
            "from_status": from_status, "to_status": to_status, "reason": reason,
            "data": json.dumps(data, default=str) if data else None,
        },
    )


def history(conn: Connection, appointment_id: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT at, tag, principal_id, role, channel, from_status,
                       to_status, reason, data
                FROM appointment_event WHERE appointment_id = :id ORDER BY id"""),
        {"id": appointment_id},
    ).mappings()
    return [dict(r) for r in rows]


def plan_message(
    conn: Connection, appointment_id: int, *, kind: str, channel: str,
    scheduled_for: datetime, body: str,
) -> None:
    conn.execute(
        text("""INSERT INTO outbox (appointment_id, kind, channel, scheduled_for,
                body) VALUES (:appointment, :kind, :channel, :at, :body)"""),
        {"appointment": appointment_id, "kind": kind, "channel": channel,
         "at": scheduled_for, "body": body},
    )


def withdraw_planned(conn: Connection, appointment_id: int, kinds: tuple) -> None:
    conn.execute(
        text("""UPDATE outbox SET status = 'withdrawn'
                WHERE appointment_id = :id AND status = 'planned'
                  AND kind = ANY(:kinds)"""),
        {"id": appointment_id, "kinds": list(kinds)},
    )


def outbox(conn: Connection, appointment_id: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT kind, channel, scheduled_for, status, body FROM outbox
                WHERE appointment_id = :id ORDER BY scheduled_for, id"""),
        {"id": appointment_id},
    ).mappings()
    return [dict(r) for r in rows]
