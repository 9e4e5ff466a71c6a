"""Rows the pages keep: browser sessions, one-time codes, a few look-ups."""

import uuid
from datetime import datetime

from sqlalchemy import Connection, text


def insert_session(conn: Connection, id_hash: bytes, csrf: str, now: datetime,
                   expires: datetime) -> None:
    conn.execute(
        text("""INSERT INTO web_session (id_hash, csrf_token, created_at,
                expires_at) VALUES (:id, :csrf, :now, :exp)"""),
        {"id": id_hash, "csrf": csrf, "now": now, "exp": expires},
    )


def session(conn: Connection, id_hash: bytes, now: datetime) -> dict | None:
    row = conn.execute(
        text("""SELECT ws.id_hash, ws.principal_id, ws.area, ws.csrf_token,
                       ws.flash, p.role, p.channel, p.cf, p.provider_code,
                       p.revoked_at
                FROM web_session ws LEFT JOIN principal p ON p.id = ws.principal_id
                WHERE ws.id_hash = :id AND ws.expires_at > :now"""),
        {"id": id_hash, "now": now},
    ).mappings().first()
    return dict(row) if row else None


def sign_in(conn: Connection, id_hash: bytes, principal_id: int, area: str) -> None:
    conn.execute(
        text("""UPDATE web_session SET principal_id = :p, area = :area
                WHERE id_hash = :id"""),
        {"p": principal_id, "area": area, "id": id_hash},
    )


def set_flash(conn: Connection, id_hash: bytes, message: str | None) -> None:
    conn.execute(text("UPDATE web_session SET flash = :m WHERE id_hash = :id"),
                 {"m": message, "id": id_hash})


def delete_session(conn: Connection, id_hash: bytes) -> None:
    conn.execute(text("DELETE FROM web_session WHERE id_hash = :id"),
                 {"id": id_hash})


def purge_expired(conn: Connection, now: datetime) -> None:
    conn.execute(text("DELETE FROM web_session WHERE expires_at <= :now"),
                 {"now": now})
    conn.execute(text("DELETE FROM web_login_code WHERE expires_at <= :now"),
                 {"now": now})


def insert_code(conn: Connection, code_id: uuid.UUID, cf: str, code_hash: bytes,
                now: datetime, expires: datetime) -> None:
    conn.execute(
        text("""INSERT INTO web_login_code (id, cf, code_hash, created_at,
                expires_at) VALUES (:id, :cf, :h, :now, :exp)"""),
        {"id": code_id, "cf": cf, "h": code_hash, "now": now, "exp": expires},
    )


def lock_code(conn: Connection, code_id: uuid.UUID, now: datetime) -> dict | None:
    row = conn.execute(
        text("""SELECT id, cf, code_hash, attempts FROM web_login_code
                WHERE id = :id AND expires_at > :now AND used_at IS NULL
                FOR UPDATE"""),
        {"id": code_id, "now": now},
    ).mappings().first()
    return dict(row) if row else None


def count_recent_codes(conn: Connection, cf: str, since: datetime) -> int:
    return conn.execute(
        text("SELECT count(*) FROM web_login_code WHERE cf = :cf AND created_at > :s"),
        {"cf": cf, "s": since},
    ).scalar_one()


def code_attempt(conn: Connection, code_id: uuid.UUID, used_at: datetime | None):
    conn.execute(
        text("""UPDATE web_login_code SET attempts = attempts + 1, used_at = :u
                WHERE id = :id"""),
        {"id": code_id, "u": used_at},
    )


def revoke_principal(conn: Connection, principal_id: int, now: datetime) -> None:
    conn.execute(
        text("""UPDATE principal SET revoked_at = :now
                WHERE id = :id AND revoked_at IS NULL"""),
        {"id": principal_id, "now": now},
    )


def demo_patients(conn: Connection, limit: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT p.cf, p.given_name, p.family_name, c.name AS comune
                FROM patient p JOIN comune c ON c.istat = p.comune_istat
                WHERE p.synthetic AND p.phone IS NOT NULL
                ORDER BY c.population DESC, p.id LIMIT :limit"""),
        {"limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def comune_names(conn: Connection, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = conn.execute(
        text("SELECT istat, name FROM comune WHERE istat = ANY(:codes)"),
        {"codes": list(codes)},
    )
    return dict(rows.tuples().all())


def comuni_like(conn: Connection, name: str, limit: int) -> list[dict]:
    rows = conn.execute(
        text("""SELECT istat, name, province FROM comune
                WHERE name ILIKE :q ORDER BY population DESC, name LIMIT :limit"""),
        {"q": name.strip() + "%", "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def slot_summary(conn: Connection, slot_id: int) -> dict:
    """Where and when a slot is, for the summary before booking it."""
    row = conn.execute(
        text("""SELECT s.id, s.starts_at, s.ends_at, st.name AS site_name,
                       st.address, c.name AS comune_name, p.name AS provider_name
                FROM slot s JOIN agenda a ON a.id = s.agenda_id
                JOIN site st ON st.id = a.site_id
                JOIN comune c ON c.istat = st.comune_istat
                JOIN provider p ON p.code = a.provider_code
                WHERE s.id = :id"""),
        {"id": slot_id},
    ).mappings().one()
    return dict(row)
