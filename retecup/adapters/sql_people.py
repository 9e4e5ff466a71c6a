"""Patients and the principals behind tokens."""

from sqlalchemy import Connection, text


def patient_by_cf(conn: Connection, cf: str, *, lock: bool = False) -> dict | None:
    # The row lock serialises the bookings of one patient: the duplicate and
    # overlap rules read the patient's appointments and must not race.
    sql = "SELECT * FROM patient WHERE cf = :cf" + (" FOR UPDATE" if lock else "")
    row = conn.execute(text(sql), {"cf": cf}).mappings().first()
    return dict(row) if row else None


def insert_patient(conn: Connection, values: dict) -> dict | None:
    """Inserts unless the CF is known; returns the new row, or None."""
    row = conn.execute(
        text("""INSERT INTO patient (cf, given_name, family_name, birth_date,
                comune_istat, phone, email)
                VALUES (:cf, :given_name, :family_name, :birth_date, :comune,
                        :phone, :email)
                ON CONFLICT (cf) DO NOTHING RETURNING *"""),
        values,
    ).mappings().first()
    return dict(row) if row else None


def comune(conn: Connection, istat: str) -> dict | None:
    row = conn.execute(
        text("SELECT * FROM comune WHERE istat = :istat"), {"istat": istat}
    ).mappings().first()
    return dict(row) if row else None


def insert_principal(conn: Connection, token_hash: bytes, role: str, channel: str,
                     cf: str | None, provider: str | None) -> int:
    return conn.execute(
        text("""INSERT INTO principal (token_hash, role, channel, cf, provider_code)
                VALUES (:hash, :role, :channel, :cf, :provider) RETURNING id"""),
        {"hash": token_hash, "role": role, "channel": channel, "cf": cf,
         "provider": provider},
    ).scalar_one()


def principal_by_hash(conn: Connection, token_hash: bytes) -> dict | None:
    row = conn.execute(
        text("""SELECT id, role, channel, cf, provider_code FROM principal
                WHERE token_hash = :hash AND revoked_at IS NULL"""),
        {"hash": token_hash},
    ).mappings().first()
    return dict(row) if row else None


def is_ats(conn: Connection, code: str) -> bool:
    return conn.execute(
        text("SELECT 1 FROM health_agency WHERE code = :code AND kind = 'ATS'"),
        {"code": code},
    ).first() is not None


def provider_exists(conn: Connection, code: str) -> bool:
    return conn.execute(
        text("SELECT 1 FROM provider WHERE code = :code"), {"code": code}
    ).first() is not None
