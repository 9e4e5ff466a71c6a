"""The earliest-offer query.

Two steps in one statement: the candidate agendas (offering the service, open
to the channel, in the area), then for each the first free slots in start
order, read from the partial index `slot_free_by_agenda`. The outer sort is by
start, then distance, then slot id, so the same question gives the same list.

TODO: the cost grows with the candidate agendas (about 0.1 ms each): at the
region's size a common visit around Milan has 1,500 to 6,000 of them and a
search costs 100-300 ms of database time (docs/benchmark.md). Keep each
agenda's earliest free start per service in `agenda_service` (maintained by
booking, cancel, hold and regeneration) and probe only the agendas whose
earliest start can still make the top `limit`.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

_DISTANCE = """
    6371.0 * 2 * asin(sqrt(
        power(sin(radians(st.lat - :lat) / 2), 2)
        + cos(radians(:lat)) * cos(radians(st.lat))
          * power(sin(radians(st.lon - :lon) / 2), 2)))
"""


@dataclass(frozen=True)
class OfferQuery:
    service: str
    regime: str
    starts_from: datetime
    starts_before: datetime
    now: datetime
    limit: int
    channel: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    ats: str | None = None
    provider: str | None = None
    reserved_ok: bool = False
    access: tuple[str, ...] = ("first", "follow_up", "care_plan")


def offers(conn: Connection, q: OfferQuery) -> list[dict]:
    sql, params = _build(q)
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def _build(q: OfferQuery) -> tuple[str, dict]:
    params = {
        "service": q.service, "regime": q.regime, "from": q.starts_from,
        "before": q.starts_before, "now": q.now, "limit": q.limit,
        "access": list(q.access),
    }
    where = [
        "asv.service_code = :service", "a.regime = :regime",
        "a.status = 'active'", "a.access = ANY(:access)",
    ]
    if q.channel:
        where.append(":channel = ANY(a.channels)")
        params["channel"] = q.channel
    if q.provider:
        where.append("a.provider_code = :provider")
        params["provider"] = q.provider
    if q.ats:
        where.append("p.ats_code = :ats")
        params["ats"] = q.ats

    distance = "NULL::double precision"
    if q.lat is not None and q.lon is not None:
        distance = _DISTANCE
        params.update(lat=q.lat, lon=q.lon)
        if q.radius_km is not None:
            # A cheap box first, so the trigonometry runs on nearby sites only.
            dlat = q.radius_km / 111.0
            dlon = q.radius_km / 75.0  # one degree of longitude is >= 75 km here
            where.append("st.lat BETWEEN :lat - :dlat AND :lat + :dlat")
            where.append("st.lon BETWEEN :lon - :dlon AND :lon + :dlon")
            where.append(f"{_DISTANCE} <= :radius")
            params.update(dlat=dlat, dlon=dlon, radius=q.radius_km)

    reserved = "" if q.reserved_ok else (
        "AND (s.reserved_until IS NULL OR s.reserved_until <= :now)")

    sql = f"""
    WITH candidate AS (
        SELECT a.id AS agenda_id, a.provider_code, p.name AS provider_name,
               st.id AS site_id, st.name AS site_name, st.address,
               st.comune_istat, {distance} AS distance_km
        FROM agenda_service asv
        JOIN agenda a ON a.id = asv.agenda_id
        JOIN site st ON st.id = a.site_id
        JOIN provider p ON p.code = a.provider_code
        WHERE {' AND '.join(where)}
    )
    SELECT s.id AS slot_id, s.starts_at, s.ends_at, c.*
    FROM candidate c
    CROSS JOIN LATERAL (
        SELECT s.id, s.starts_at, s.ends_at
        FROM slot s
        WHERE s.agenda_id = c.agenda_id
          AND s.open AND s.booked < s.capacity
          AND s.starts_at >= :from AND s.starts_at < :before
          AND (s.booked + s.held < s.capacity OR s.hold_expires_at <= :now
               OR s.booked + (SELECT count(*) FROM slot_hold h
                              WHERE h.slot_id = s.id AND h.expires_at > :now)
                  < s.capacity)
          {reserved}
        ORDER BY s.starts_at
        LIMIT :limit
    ) s
    ORDER BY s.starts_at, c.distance_km NULLS LAST, s.id
    LIMIT :limit
    """
    return sql, params
