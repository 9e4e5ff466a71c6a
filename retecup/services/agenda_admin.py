"""Use cases of the agenda editor that `agendas` lacks: paging, services,
channels, reservations, template validity, closures removed, resumption.

Like `agendas`, a change that alters the slots rebuilds them from the
templates and returns the booked appointments left on closed slots
(`affected`), for the provider to move. The SQL is here, not in an adapter,
because these statements serve only this editor.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from retecup.adapters import sql_agendas, sql_catalogue
from retecup.domain.access import Channel, Principal, Role, check_may_administer
from retecup.domain.errors import Forbidden, InvalidInput, NotFound
from retecup.services import agendas

log = logging.getLogger(__name__)

ADMIN_ROLES = {Role.PROVIDER_ADMIN, Role.REGION_ADMIN}


@dataclass(frozen=True)
class Page:
    items: list[dict]
    total: int


def listing(conn: Connection, principal: Principal, q: str, limit: int,
            offset: int) -> Page:
    """The agendas the principal administers, by id, filtered by name."""
    if principal.role not in ADMIN_ROLES:
        raise Forbidden("solo l'amministrazione vede l'elenco delle agende")
    where, params = ["true"], {"limit": limit, "offset": offset}
    if principal.role is Role.PROVIDER_ADMIN:
        where.append("a.provider_code = :provider")
        params["provider"] = principal.provider_code
    if q.strip():
        where.append("(a.name ILIKE :q OR st.name ILIKE :q)")
        params["q"] = f"%{q.strip()}%"

    clause = " AND ".join(where)
    rows = conn.execute(text(f"""
        SELECT a.id, a.name, a.status, a.regime, a.channels, st.name AS site_name,
               (SELECT count(*) FROM agenda_service s WHERE s.agenda_id = a.id)
               AS services
        FROM agenda a JOIN site st ON st.id = a.site_id
        WHERE {clause} ORDER BY a.id LIMIT :limit OFFSET :offset"""), params)
    total = conn.execute(text(f"""
        SELECT count(*) FROM agenda a JOIN site st ON st.id = a.site_id
        WHERE {clause}"""), params).scalar_one()
    return Page([dict(r) for r in rows.mappings()], total)


def set_service(conn: Connection, principal: Principal, agenda_id: int,
                code: str, duration_min: int) -> None:
    """Adds the service to the agenda, or changes its duration."""
    _administered(conn, principal, agenda_id)
    code = code.strip().upper()
    if sql_catalogue.by_code(conn, code) is None:
        raise InvalidInput("service", f"prestazione {code!r} sconosciuta")
    if not 1 <= duration_min <= 480:
        raise InvalidInput("duration_min", "durata tra 1 e 480 minuti")

    conn.execute(text("""
        INSERT INTO agenda_service (agenda_id, service_code, duration_min)
        VALUES (:a, :s, :d)
        ON CONFLICT (agenda_id, service_code) DO UPDATE SET duration_min = :d"""),
        {"a": agenda_id, "s": code, "d": duration_min})
    log.info("agenda service set", extra={"agenda_id": agenda_id})


def remove_service(conn: Connection, principal: Principal, agenda_id: int,
                   code: str, now: datetime) -> list[dict]:
    """Stops offering the service; returns its booked future appointments."""
    _administered(conn, principal, agenda_id)
    conn.execute(text("""DELETE FROM agenda_service
                         WHERE agenda_id = :a AND service_code = :s"""),
                 {"a": agenda_id, "s": code})
    rows = conn.execute(text("""
        SELECT ap.id, ap.code, ap.starts_at, ap.service_code, pt.cf AS patient_cf
        FROM appointment ap JOIN patient pt ON pt.id = ap.patient_id
        WHERE ap.agenda_id = :a AND ap.service_code = :s
          AND ap.status = 'booked' AND ap.starts_at >= :now
        ORDER BY ap.starts_at, ap.id"""),
        {"a": agenda_id, "s": code, "now": now}).mappings()
    log.info("agenda service removed", extra={"agenda_id": agenda_id})
    return [dict(r) for r in rows]


def set_channels(conn: Connection, principal: Principal, agenda_id: int,
                 channels: list[str]) -> None:
    _administered(conn, principal, agenda_id)
    known = set(Channel)
    if not channels or any(c not in known for c in channels):
        raise InvalidInput("channels", "scegliere almeno un canale valido")
    conn.execute(text("UPDATE agenda SET channels = :c WHERE id = :a"),
                 {"c": sorted(set(channels)), "a": agenda_id})
    log.info("agenda channels set", extra={"agenda_id": agenda_id})


def set_reservations(conn: Connection, principal: Principal, agenda_id: int,
                     percent: int, release_days: int, now: datetime) -> list:
    """Changes the share of slots kept for U and B priorities."""
    _administered(conn, principal, agenda_id)
    if not 0 <= percent <= 100:
        raise InvalidInput("reserve_percent", "percentuale tra 0 e 100")
    if not 0 <= release_days <= 60:
        raise InvalidInput("reserve_release_days", "giorni tra 0 e 60")
    conn.execute(text("""UPDATE agenda SET reserve_percent = :p,
                         reserve_release_days = :d WHERE id = :a"""),
                 {"p": percent, "d": release_days, "a": agenda_id})
    return _regenerated(conn, agenda_id, now, "agenda reservations set")


def end_template(conn: Connection, principal: Principal, agenda_id: int,
                 template_id: int, valid_to: date | None, now: datetime) -> list:
    """Sets (or clears) the last day a template is in force."""
    _administered(conn, principal, agenda_id)
    found = conn.execute(text("""
        UPDATE agenda_template SET valid_to = CAST(:t AS date)
        WHERE id = :id AND agenda_id = :a
          AND (CAST(:t AS date) IS NULL OR valid_from <= CAST(:t AS date))
        RETURNING id"""),
        {"t": valid_to, "id": template_id, "a": agenda_id}).first()
    if found is None:
        raise InvalidInput("valid_to", "precede valid_from, o schema inesistente")
    return _regenerated(conn, agenda_id, now, "agenda template validity set")


def remove_closure(conn: Connection, principal: Principal, agenda_id: int,
                   closure_id: int, now: datetime) -> list:
    _administered(conn, principal, agenda_id)
    conn.execute(text("DELETE FROM agenda_closure WHERE id = :c AND agenda_id = :a"),
                 {"c": closure_id, "a": agenda_id})
    return _regenerated(conn, agenda_id, now, "agenda closure removed")


def resume(conn: Connection, principal: Principal, agenda_id: int,
           now: datetime) -> list:
    """Reopens a suspended agenda: its slots come back from the templates."""
    _administered(conn, principal, agenda_id)
    sql_agendas.set_status(conn, agenda_id, "active")
    return _regenerated(conn, agenda_id, now, "agenda resumed")


def _administered(conn: Connection, principal: Principal, agenda_id: int) -> None:
    agenda = sql_agendas.lock(conn, agenda_id)
    if agenda is None:
        raise NotFound(f"id: agenda {agenda_id} inesistente")
    check_may_administer(principal, agenda["provider_code"])


def _regenerated(conn: Connection, agenda_id: int, now: datetime,
                 event: str) -> list:
    # Read again after the change: regenerate works from the stored row.
    affected = agendas.regenerate(conn, sql_agendas.lock(conn, agenda_id), now)
    log.info(event, extra={"agenda_id": agenda_id, "affected": len(affected)})
    return affected
