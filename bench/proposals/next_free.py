"""Prototype of a proposal, measured on the bench database: an agenda-level
lower bound of the first free slot, so a search probes a handful of agendas
instead of every candidate.

The product's search probes the slot index of every candidate agenda (offering
the service, open to the channel, within the radius) and keeps the earliest
`limit` slots. Around Milano that is thousands of agendas per question, and
the cost grows with them (see docs/benchmark.md). With a per-agenda
`next_free_at` that is never later than the agenda's true first free slot, the
candidates can be ordered by it and only the first `limit` of them (with ties)
need probing: any slot of an agenda further down the list starts no earlier
than `limit` slots already found.

This script is a measurement, not the product change: it adds two columns to
`agenda` in the *bench* database, fills them exactly (so the bound is tight),
derives the pgbench script of the proposal from the product's recorded one
(same parameters, same probe), checks that both give the same offers on every
prepared question, and runs pgbench on it like the floor.

    .venv/bin/python -m bench.proposals.next_free --run var/bench/run-... \\
        [--duration 30] [--clients 50]

It changes the bench database's schema (two columns, no index); `--undo`
removes them. The next fresh load discards them anyway.

What the product would need besides (not prototyped): keep the bound a lower
bound (cancel, release, hold expiry and slot regeneration lower it; bookings
may leave it loose), tighten it in the background, and, because a loose bound
breaks the "first `limit` agendas" shortcut, walk the candidates in bound order
until the next bound exceeds the `limit`-th slot found (a short loop in SQL or
Python), which the fresh bounds here do not need.
"""

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bench.common import ROOT, median
from bench.floor import pgbench

COLUMNS = """
ALTER TABLE agenda ADD COLUMN IF NOT EXISTS next_free_at timestamptz,
                   ADD COLUMN IF NOT EXISTS next_free_open_at timestamptz
"""

# First free slot from now on, counting reserved slots (U/B may book them)
# and without them; held slots count as free, so a hold never makes the bound
# later than a slot that becomes free again when the hold expires.
FILL = """
UPDATE agenda a SET
  next_free_at = (SELECT min(s.starts_at) FROM slot s
                  WHERE s.agenda_id = a.id AND s.open AND s.booked < s.capacity
                    AND s.starts_at >= %(now)s),
  next_free_open_at = (SELECT min(s.starts_at) FROM slot s
                       WHERE s.agenda_id = a.id AND s.open AND s.booked < s.capacity
                         AND s.starts_at >= %(now)s
                         AND (s.reserved_until IS NULL OR s.reserved_until <= %(now)s))
"""


def proposal_script(product: str) -> str:
    """The product's generated search script, rewritten to the proposal."""
    out = []
    for branch in re.split(r"(\\if :reserved_ok\n|\\else\n|\\endif\n)", product):
        if "WITH candidate AS (" not in branch:
            out.append(branch)
            continue
        column = (
            "next_free_open_at"
            if "reserved_until IS NULL" in branch
            else "next_free_at"
        )
        sql = branch.replace(
            " AS distance_km\n        FROM agenda_service asv",
            f" AS distance_km, a.{column} AS bound\n        FROM agenda_service asv",
            1,
        )
        sql = sql.replace(
            "\n    )\n    SELECT s.id AS slot_id",
            f" AND a.{column} < (:before)::timestamp with time zone\n    ),\n"
            "    pick AS (\n        SELECT * FROM candidate\n"
            "        ORDER BY greatest(bound, (:from)::timestamp with time zone),"
            " distance_km NULLS LAST\n"
            "        FETCH FIRST ((:limit)::smallint) ROWS WITH TIES\n    )\n"
            "    SELECT s.id AS slot_id",
            1,
        )
        sql = sql.replace(
            "FROM candidate c\n    CROSS JOIN LATERAL",
            "FROM pick c\n    CROSS JOIN LATERAL",
            1,
        )
        if sql.count("pick") < 2 or "bound" not in sql:
            raise SystemExit(
                "the product's search statement changed shape; "
                "update bench/proposals/next_free.py"
            )
        out.append(sql)
    return "".join(out)


# Step two: the candidates themselves. Finding them reads every agenda of
# every site in the radius (tens of thousands around Milano) to keep those
# offering the service; a narrow table of (service, agenda) with what the
# search filters on, in bound order, reads only the service's own entries.
OFFER_TABLE = """
DROP TABLE IF EXISTS bench.agenda_offer;
CREATE TABLE bench.agenda_offer AS
SELECT asv.service_code, a.regime, a.next_free_at, a.next_free_open_at,
       a.id AS agenda_id, a.site_id, a.provider_code, a.status, a.access,
       a.channels, st.lat, st.lon
FROM agenda_service asv JOIN agenda a ON a.id = asv.agenda_id
JOIN site st ON st.id = a.site_id;
CREATE INDEX agenda_offer_free ON bench.agenda_offer
    (service_code, regime, next_free_at)
    INCLUDE (lat, lon, agenda_id, site_id, provider_code, status, access, channels);
CREATE INDEX agenda_offer_free_open ON bench.agenda_offer
    (service_code, regime, next_free_open_at)
    INCLUDE (lat, lon, agenda_id, site_id, provider_code, status, access, channels);
VACUUM (ANALYZE) bench.agenda_offer;
"""

_DIST = """6371.0 * 2 * asin(sqrt(
        power(sin(radians(o.lat - (:lat)::double precision) / 2), 2)
        + cos(radians((:lat)::double precision)) * cos(radians(o.lat))
          * power(sin(radians(o.lon - (:lon)::double precision) / 2), 2)))"""


def offer_script(product: str) -> str:
    """Step two: candidates in bound order from bench.agenda_offer, the
    product's own probe on the few picked."""
    out = []
    for branch in re.split(r"(\\if :reserved_ok\n|\\else\n|\\endif\n)", product):
        if "WITH candidate AS (" not in branch:
            out.append(branch)
            continue
        column = (
            "next_free_open_at"
            if "reserved_until IS NULL" in branch
            else "next_free_at"
        )
        probe = re.search(r"CROSS JOIN LATERAL \(.*?\n    \) s\n", branch, re.S)
        if not probe:
            raise SystemExit("the product's search statement changed shape")
        out.append(f"""WITH pick AS (
        SELECT o.agenda_id, o.site_id, o.provider_code,
               greatest(o.{column}, (:from)::timestamp with time zone) AS bound,
               {_DIST} AS distance_km
        FROM bench.agenda_offer o
        WHERE o.service_code = (:service)::text AND o.regime = (:regime)::text
          AND o.{column} < (:before)::timestamp with time zone
          AND o.status = 'active' AND o.access = ANY((:access)::text[])
          AND (:channel)::text = ANY(o.channels)
          AND o.lat BETWEEN (:lat)::double precision - (:dlat)::double precision
                        AND (:lat)::double precision + (:dlat)::double precision
          AND o.lon BETWEEN (:lon)::double precision - (:dlon)::double precision
                        AND (:lon)::double precision + (:dlon)::double precision
          AND {_DIST} <= (:radius)::double precision
        ORDER BY 4, 5 NULLS LAST
        FETCH FIRST ((:limit)::smallint) ROWS WITH TIES
    )
    SELECT s.id AS slot_id, s.starts_at, s.ends_at, c.agenda_id, c.provider_code,
           p.name AS provider_name, st.id AS site_id, st.name AS site_name,
           st.address, st.comune_istat, c.distance_km
    FROM pick c
    JOIN site st ON st.id = c.site_id
    JOIN provider p ON p.code = c.provider_code
    {probe.group(0).strip()}
    ORDER BY s.starts_at, c.distance_km NULLS LAST, s.id
    LIMIT (:limit)::smallint;
""")
    return "".join(out)


def _statement(script: str, reserved_ok: bool) -> str:
    branches = re.split(r"\\if :reserved_ok\n|\\else\n|\\endif\n", script)
    sql = branches[1] if reserved_ok else branches[2]
    return sql.strip().rstrip(";")


def _bind(sql: str, values: dict) -> tuple[str, list]:
    """pgbench's (:name)::type to psycopg's %s, in order."""
    params = []

    def one(m):
        params.append(values[m.group(1)])
        return "%s"

    return re.sub(r":(\w+)\b(?=\)::)", one, sql.replace("%", "%%")), params


def same_offers(db_url: str, product: str, proposal: str, limit: int | None) -> dict:
    """Runs both statements on the prepared questions; counts differences."""
    checked = differ = 0
    examples = []
    with psycopg.connect(db_url, autocommit=True) as conn:
        now = datetime.now(UTC)
        rows = conn.execute(
            "SELECT * FROM bench.search_query ORDER BY id LIMIT %s", (limit,)
        ).fetchall()
        names = [
            d.name
            for d in conn.execute(
                "SELECT * FROM bench.search_query LIMIT 0"
            ).description
        ]
        for row in rows:
            values = dict(zip(names, row, strict=True))
            for k in ("from", "before", "now"):
                values[k] = now + timedelta(seconds=values[k])
            reserved = bool(values["reserved_ok"])
            a = conn.execute(*_bind(_statement(product, reserved), values)).fetchall()
            b = conn.execute(*_bind(_statement(proposal, reserved), values)).fetchall()
            checked += 1
            if [r[0] for r in a] != [r[0] for r in b]:
                differ += 1
                if len(examples) < 5:
                    examples.append(
                        {
                            "id": values["id"],
                            "product": [r[0] for r in a],
                            "proposal": [r[0] for r in b],
                        }
                    )
    return {"questions": checked, "different": differ, "examples": examples}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--run",
        type=Path,
        required=True,
        help="the scratch folder of a bench run (var/bench/run-...)",
    )
    p.add_argument("--db-url", default=None)
    p.add_argument("--duration", type=int, default=30)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--check",
        type=int,
        default=None,
        help="compare offers on the first N questions (default all)",
    )
    p.add_argument(
        "--offer-table",
        action="store_true",
        help="also measure step two (bench.agenda_offer)",
    )
    p.add_argument(
        "--skip-fill", action="store_true", help="keep the bounds already filled"
    )
    p.add_argument("--undo", action="store_true")
    args = p.parse_args(argv)

    run = args.run if args.run.is_absolute() else ROOT / args.run
    db_url = args.db_url or _db_url()
    with psycopg.connect(db_url, autocommit=True) as conn:
        if args.undo:
            conn.execute("DROP TABLE IF EXISTS bench.agenda_offer")
            conn.execute(
                "ALTER TABLE agenda DROP COLUMN IF EXISTS next_free_at, "
                "DROP COLUMN IF EXISTS next_free_open_at"
            )
            print("removed")
            return 0
        conn.execute(COLUMNS)
        started = datetime.now(UTC)
        if not args.skip_fill:
            conn.execute(FILL, {"now": started})
            conn.execute("VACUUM (ANALYZE) agenda")
        filled = (datetime.now(UTC) - started).total_seconds()

    product = (run / "search.pgbench").read_text()
    proposal = proposal_script(product)
    script = run / "search-next-free.pgbench"
    script.write_text(
        "-- Proposal prototype (bench/proposals/next_free.py)\n" + proposal
    )
    scripts = [("product", run / "search.pgbench"), ("proposal", script)]
    out = {"bounds_filled_s": round(filled, 1), "reps": []}
    if args.offer_table:
        with psycopg.connect(db_url, autocommit=True) as conn:
            started = datetime.now(UTC)
            for statement in OFFER_TABLE.split(";"):
                if statement.strip():
                    conn.execute(statement)
            out["offer_table_s"] = round(
                (datetime.now(UTC) - started).total_seconds(), 1
            )
        offer = offer_script(product)
        offer_path = run / "search-offer.pgbench"
        offer_path.write_text(
            "-- Proposal prototype, step two (bench/proposals/next_free.py)\n" + offer
        )
        scripts.append(("offer", offer_path))
    for name, path in scripts[1:]:
        check = same_offers(db_url, product, path.read_text(), args.check)
        out[f"same_offers_{name}"] = check
        print(f"{name}: same offers as the product: {check}", flush=True)

    for rep in range(1, args.reps + 1):
        for name, path in scripts:
            r = pgbench(
                db_url,
                path,
                args.duration,
                args.clients,
                args.threads,
                run / "pgbench",
                f"next-free-{name}-{rep}",
            )
            r["script"] = name
            out["reps"].append(r)
            print(
                f"{name} {rep}: {r['throughput_tps']}/s p50 {r['p50_ms']} ms "
                f"p95 {r['p95_ms']} ms",
                flush=True,
            )
    for name, _ in scripts:
        reps = [r for r in out["reps"] if r["script"] == name]
        out[name] = {
            k: median([r[k] for r in reps])
            for k in ("throughput_tps", "p50_ms", "p95_ms")
        }
    out["bench_run"] = run.name
    (run / "proposal-next-free.json").write_text(json.dumps(out, indent=2, default=str))
    print(
        json.dumps({k: v for k, v in out.items() if k != "reps"}, indent=2, default=str)
    )
    return 0


def _db_url() -> str:
    import os

    from bench.common import with_dbname

    base = os.environ.get("RETECUP_BENCH_DATABASE_URL")
    if not base:
        raise SystemExit("set RETECUP_BENCH_DATABASE_URL or pass --db-url")
    return with_dbname(base, "retecup_bench")


if __name__ == "__main__":
    sys.exit(main())
