"""The benchmark, in one run: load, then search and booking over HTTP and as SQL.

    bench/run [--profile region] [--duration 30] [--reps 3] [--reuse] ...

See docs/benchmark.md for the method. Every phase runs for a fixed time; the
whole run stops by itself. It talks only to 127.0.0.1 (or a local socket).
"""

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import db, report, workload
from bench.common import (
    RESULTS,
    ROOT,
    WORK,
    free_port,
    log,
    need_tool,
    setup_logging,
    with_dbname,
)
from bench.cpu import CpuSampler, wait_idle
from bench.floor import pgbench
from bench.http import Server, wrk


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="bench/run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--profile", default="region", choices=["test", "demo", "region"])
    p.add_argument("--seed", type=int, default=2026, help="loader seed")
    p.add_argument(
        "--duration",
        type=int,
        default=30,
        help="seconds of each measured phase (default 30)",
    )
    p.add_argument(
        "--reps",
        type=int,
        default=3,
        help="repetitions of each phase; figures are their median",
    )
    p.add_argument("--warmup", type=int, default=5, help="seconds of warm-up")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients")
    p.add_argument("--workers", type=int, default=2, help="retecup serve --workers")
    p.add_argument("--threads", type=int, default=2, help="wrk and pgbench threads")
    p.add_argument(
        "--queries",
        type=int,
        default=2000,
        help="distinct availability questions prepared",
    )
    p.add_argument(
        "--services",
        type=int,
        default=40,
        help="most offered services the questions draw from",
    )
    p.add_argument(
        "--http-book-rate",
        type=int,
        default=1000,
        help="booking triples prepared per second of --duration (HTTP)",
    )
    p.add_argument(
        "--floor-book-rate",
        type=int,
        default=3000,
        help="booking triples prepared per second of --duration (SQL)",
    )
    p.add_argument("--db-name", default="retecup_bench")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the bench database if it holds this profile and seed",
    )
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    p.add_argument("--load-timeout", type=int, default=3600)
    p.add_argument(
        "--load-only",
        action="store_true",
        help="load (or check) the bench database, then stop",
    )
    p.add_argument(
        "--http-only",
        action="store_true",
        help="skip the SQL floor phases (experiments on the server's "
        "settings; a larger pool may not leave pgbench connections)",
    )
    p.add_argument("--skip-search", action="store_true")
    p.add_argument("--skip-booking", action="store_true")
    p.add_argument(
        "--explain",
        type=int,
        default=200,
        metavar="N",
        help="after the measured phases, time N sampled questions one "
        "by one against their candidate agendas (0: skip)",
    )
    p.add_argument(
        "--py-spy",
        action="store_true",
        help="after the measured phases, record the server with py-spy "
        "during one more search and booking phase (not measured)",
    )
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra RETECUP_* setting for the server (an experiment; "
        "recorded with the results)",
    )
    p.add_argument("--note", default="", help="free text kept with the results")
    p.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = WORK / f"run-{stamp}"
    work.mkdir(parents=True, exist_ok=True)
    setup_logging(work / "bench.log")
    need_tool("wrk")
    need_tool("pgbench")
    log.info(
        "bench %s: profile %s, %ds x %d reps, %d clients, scratch in %s",
        stamp,
        args.profile,
        args.duration,
        args.reps,
        args.clients,
        work,
    )

    if args.skip_booking:  # a handful of triples: the booking SQL is still recorded
        args.http_book_rate = args.floor_book_rate = 1
    admin_url, embedded = db.server_admin_url()
    db_url = with_dbname(admin_url, args.db_name)

    results = {
        "run": {
            "stamp": stamp,
            "command": "bench/run " + shlex.join(argv or sys.argv[1:]),
            "git": _git(),
            "profile": args.profile,
            "seed": args.seed,
            "duration_s": args.duration,
            "reps": args.reps,
            "warmup_s": args.warmup,
            "clients": args.clients,
            "server_workers": args.workers,
            "load_threads": args.threads,
            "note": args.note,
            "database": "embedded" if embedded else "RETECUP_BENCH_DATABASE_URL",
        },
        "machine": _machine(),
    }

    # 1. Load ---------------------------------------------------------------------
    results["load"] = _load(args, admin_url, db_url, work)

    # The server keeps slots generated up to its horizon and extends them at
    # start. Give it the horizon the profile was loaded with, so it measures
    # the data as loaded rather than spending the run generating more (see
    # docs/benchmark.md). The product code the harness calls in-process reads
    # the same settings as the server it starts.
    horizon = _loaded_horizon(db_url)
    if horizon and "RETECUP_HORIZON_DAYS" not in os.environ:
        os.environ["RETECUP_HORIZON_DAYS"] = str(horizon)
    os.environ["RETECUP_LOG_LEVEL"] = "WARNING"
    os.environ.update(db.product_env(db_url))
    for item in args.server_env:
        name, _, value = item.partition("=")
        if not name.startswith("RETECUP_"):
            raise SystemExit(f"--server-env takes RETECUP_* settings, not {name}")
        os.environ[name] = value
    results["run"]["server_env"] = args.server_env
    results["run"]["horizon_days"] = (
        int(os.environ.get("RETECUP_HORIZON_DAYS", 0)) or None
    )

    if args.load_only:
        log.info("load: %s", json.dumps(results["load"], default=str))
        return 0

    from retecup.adapters.database import make_engine

    engine = make_engine(db_url, pool_size=2)
    with psycopg.connect(db_url, autocommit=True) as conn:
        results["database"] = {
            "settings": db.server_settings(conn),
            "facts": db.facts(conn),
        }
        db.ensure_bench_schema(conn)
        old = db.get_meta(conn, "principals") or []
        removed = db.remove_bench_bookings(conn, old)
        if removed:
            log.info("removed %d appointments left by an earlier run", removed)
    log.info("database: %s", json.dumps(results["database"]["facts"]["rows"]))

    # 2. Prepare the work -----------------------------------------------------------
    now = datetime.now(UTC)
    token, who = workload.principal(engine)
    with psycopg.connect(db_url, autocommit=True) as conn:
        db.set_meta(
            conn, "principals", (db.get_meta(conn, "principals") or []) + [who.id]
        )
    started = time.monotonic()
    search = workload.prepare_search(
        engine, who, args.queries, args.seed, now, args.services
    )
    http_triples, floor_triples = workload.prepare_triples(
        engine,
        args.http_book_rate * args.duration,
        args.floor_book_rate * args.duration,
        args.seed,
        now,
    )
    book = workload.prepare_booking(engine, who, http_triples, floor_triples, now)
    workload.write_tables(db_url, search, book)
    files = workload.write_files(work, search, book)
    engine.dispose()
    results["workload"] = {
        "prepared_in_s": round(time.monotonic() - started, 1),
        "principal": {"role": workload.ROLE, "channel": workload.CHANNEL},
        "search_questions": len(search.paths),
        "search_shapes": sorted(
            "reserve rule off (U/B)" if k else "reserve rule on"
            for k in search.statements
        ),
        "priorities": {str(k): v for k, v in workload.PRIORITIES.items()},
        "http_triples": len(http_triples),
        "floor_triples": len(floor_triples),
        "booking_statements_http": book.all_statements,
        "files": {k: str(v.relative_to(ROOT)) for k, v in files.items()},
    }
    log.info(
        "prepared %d questions, %d + %d triples; a booking sends %d statements",
        len(search.paths),
        len(http_triples),
        len(floor_triples),
        len(book.all_statements),
    )

    # 3. Measure --------------------------------------------------------------------
    server = Server(db_url, free_port(), args.workers, work / "server.log")
    results["server"] = {
        "command": "retecup " + " ".join(server.cmd[3:]),
        "env": {
            k: v
            for k, v in sorted(os.environ.items())
            if k.startswith("RETECUP_") and "URL" not in k and k != "RETECUP_DATA_DIR"
        },
        "started_in_s": server.start(),
    }
    pids_fn, pids_conn = db.backend_pids(db_url)
    try:
        results["server"]["waited_quiet_s"] = db.wait_quiet(db_url)
        with psycopg.connect(db_url, autocommit=True) as conn:
            slots = conn.execute("SELECT count(*) FROM slot").fetchone()[0]
        added = slots - results["database"]["facts"]["rows"]["slot"]
        results["server"]["slots_added_at_start"] = added
        if added:
            log.warning("the server generated %d slots at start", added)
        m = Measure(args, server, db_url, work, token, files, pids_fn)
        if not args.skip_search:
            results["health"] = m.health()
            results["search"] = m.search()
        if not args.skip_booking:
            results["booking"] = m.booking(who.id)
        if args.py_spy:
            results["profiles"] = m.profiles(who.id)
        if args.explain:
            from bench import diagnose

            engine = make_engine(db_url, pool_size=1)
            found = diagnose.explain_sample(
                engine,
                who,
                search.questions,
                args.explain,
                args.seed,
                work / "slowest-plan.txt",
            )
            engine.dispose()
            results["search_diagnosis"] = found["summary"]
            (work / "search-diagnosis.json").write_text(json.dumps(found, indent=1))
    finally:
        server.stop()
        pids_conn.close()
        with psycopg.connect(db_url, autocommit=True) as conn:
            db.remove_bench_bookings(conn, [who.id])

    if args.drop:
        db.drop(admin_url, args.db_name)

    # 4. Report ---------------------------------------------------------------------
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"{args.profile}-{stamp}"
    report.finish(results)
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2, default=str))
    (args.out / f"{name}.md").write_text(report.markdown(results))
    log.info("results: %s", args.out / f"{name}.md")
    print(report.markdown(results))
    return 0


def _loaded_horizon(db_url: str) -> int | None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute("""SELECT (summary->>'last_day')::date
                                     - (summary->>'first_day')::date
                              FROM load_run
                              ORDER BY finished_at DESC LIMIT 1""").fetchone()
    return row[0] if row else None


def _load(args, admin_url: str, db_url: str, work: Path) -> dict:
    if args.reuse and db.exists(admin_url, args.db_name):
        with psycopg.connect(db_url, autocommit=True) as conn:
            db.ensure_bench_schema(conn)
            loaded = db.get_meta(conn, "load")
        if (
            loaded
            and loaded.get("profile") == args.profile
            and loaded.get("seed") == args.seed
        ):
            log.info(
                "reusing %s (loaded %s in %ss)",
                args.db_name,
                loaded.get("finished_at"),
                loaded.get("seconds"),
            )
            return {**loaded, "reused": True}
        log.info(
            "%s holds no %s load with seed %d: loading afresh",
            args.db_name,
            args.profile,
            args.seed,
        )

    db.recreate(admin_url, args.db_name)
    sampler = CpuSampler(comms={"postgres": "postgres"}).start()
    figures = db.load(
        db_url, args.profile, args.seed, work / "load.log", args.load_timeout
    )
    figures["cpu_cores"] = sampler.stop()
    log.info("loaded in %.1fs", figures["seconds"])
    figures["vacuum_analyze_s"] = db.vacuum_analyze(db_url)
    log.info("VACUUM (ANALYZE) in %.1fs", figures["vacuum_analyze_s"])
    figures.update(
        profile=args.profile,
        seed=args.seed,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        git=_git(),
        reused=False,
    )
    with psycopg.connect(db_url, autocommit=True) as conn:
        db.ensure_bench_schema(conn)
        db.set_meta(conn, "load", figures)
    return figures


class Measure:
    def __init__(
        self,
        args,
        server: Server,
        db_url: str,
        work: Path,
        token: str,
        files: dict,
        pids_fn,
    ):
        self.args, self.server, self.db_url, self.work = args, server, db_url, work
        self.token, self.files, self.pids_fn = token, files, pids_fn

    def _sampler(self) -> CpuSampler:
        return CpuSampler(
            roots={"server": self.server.proc.pid},
            comms={"wrk": "wrk", "pgbench": "pgbench"},
            pid_sets={"postgres": self.pids_fn},
        )

    def _db_counters(self) -> dict:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            row = conn.execute("""SELECT sessions, xact_commit, xact_rollback
                                  FROM pg_stat_database
                                  WHERE datname = current_database()""").fetchone()
        return {"sessions": row[0], "commits": row[1], "rollbacks": row[2]}

    def _with_counters(self, run, rate_key: str) -> dict:
        """Runs a phase; adds what the database counted during it, per request:
        new connections (pool churn) and transactions."""
        before = self._db_counters()
        result = run()
        after = self._db_counters()
        done = result.get("requests") or result.get("transactions") or 0
        if done:
            result["db_per_request"] = {
                k: round((after[k] - before[k]) / done, 3) for k in after
            }
        return result

    def _wrk(self, script: str, env: dict, seconds: int, tag: str) -> dict:
        return self._with_counters(
            lambda: self._wrk_run(script, env, seconds, tag), "throughput_rps"
        )

    def _pgbench(self, script: Path, seconds: int, tag: str) -> dict:
        return self._with_counters(
            lambda: self._pgbench_run(script, seconds, tag), "throughput_tps"
        )

    def _wrk_run(self, script: str, env: dict, seconds: int, tag: str) -> dict:
        sampler = self._sampler().start()
        result = wrk(
            self.server.url,
            script,
            {"BENCH_TOKEN": self.token, **env},
            seconds,
            self.args.clients,
            self.args.threads,
            self.work / f"{tag}.json",
            self.work / "wrk.stderr",
        )
        result["cpu_cores"] = sampler.stop()
        result["loadavg_after"] = os.getloadavg()[0]
        # Requests wrk gave up on at the end still run in the server: let them
        # finish before anything else is measured or counted.
        result["drain_s"] = self.drain()
        return result

    def drain(self, timeout_s: float = 300) -> float:
        """Until the server is idle and no session of the bench db is busy."""
        waited = wait_idle(self.server.proc.pid, timeout_s)
        return round(waited + db.wait_quiet(self.db_url, timeout_s=timeout_s), 1)

    def _pgbench_run(self, script: Path, seconds: int, tag: str) -> dict:
        sampler = self._sampler().start()
        result = pgbench(
            self.db_url,
            script,
            seconds,
            self.args.clients,
            self.args.threads,
            self.work / "pgbench",
            tag,
        )
        result["cpu_cores"] = sampler.stop()
        result["loadavg_after"] = os.getloadavg()[0]
        return result

    def health(self) -> dict:
        """The server's ceiling: GET /api/v1/health (no token, no database)."""
        r = self._wrk("health.lua", {}, min(self.args.duration, 10), "health")
        log.info("health HTTP: %s", _brief(r))
        return r

    def search(self) -> dict:
        a, env = self.args, {"BENCH_PATHS": str(self.files["search_paths"])}
        warmup = {}
        if a.warmup:
            log.info("search: warm-up %ds HTTP + %ds SQL", a.warmup, a.warmup)
            warmup["http"] = self._wrk("search.lua", env, a.warmup, "warmup-http")
            if not a.http_only:
                warmup["sql"] = self._pgbench(
                    self.files["search_sql"], a.warmup, "warmup-sql"
                )
        http, sql = [], []
        # HTTP and SQL alternate, so drift in the machine's load hits both alike.
        for rep in range(1, a.reps + 1):
            http.append(self._wrk("search.lua", env, a.duration, f"search-http-{rep}"))
            log.info("search HTTP %d: %s", rep, _brief(http[-1]))
            if a.http_only:
                continue
            sql.append(
                self._pgbench(self.files["search_sql"], a.duration, f"search-sql-{rep}")
            )
            log.info("search SQL  %d: %s", rep, _brief(sql[-1]))
        return {"http": {"reps": http}, "sql": {"reps": sql}, "warmup": warmup}

    def _clean(self, principal_id: int) -> int:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return db.remove_bench_bookings(conn, [principal_id])

    def _checks(self, principal_id: int) -> dict:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            checks = db.check_bookings(conn, ["bench.http_triple", "bench.floor_slot"])
            checks["appointments_booked"] = db.booked_by(conn, [principal_id])
        return checks

    def _restart_floor(self) -> None:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            conn.execute("ALTER SEQUENCE bench.floor_seq RESTART")

    def booking(self, principal_id: int) -> dict:
        a = self.args
        env = {"BENCH_TRIPLES": str(self.files["book_triples"])}
        warmup = {}
        if a.warmup:
            # The first bookings in a fresh server pay one-off costs in every
            # worker thread (see docs/benchmark.md); the warm-up waits them out
            # and keeps what it saw.
            log.info("booking: warm-up %ds HTTP + %ds SQL", a.warmup, a.warmup)
            self._clean(principal_id)
            warmup["http"] = self._wrk("book.lua", env, a.warmup, "warmup-book-http")
            log.info(
                "booking warm-up HTTP: %d responses in %ds, then %ss to drain",
                warmup["http"]["requests"],
                a.warmup,
                warmup["http"]["drain_s"],
            )
            self._clean(principal_id)
            self._restart_floor()
            if not a.http_only:
                warmup["sql"] = self._pgbench(
                    self.files["book_sql"], a.warmup, "warmup-book-sql"
                )
        http, sql = [], []
        for rep in range(1, a.reps + 1):
            self._clean(principal_id)
            r = self._wrk("book.lua", env, a.duration, f"book-http-{rep}")
            r["checks"] = self._checks(principal_id)
            http.append(r)
            log.info(
                "booking HTTP %d: %s | %s | checks %s",
                rep,
                _brief(r),
                r.get("status"),
                r["checks"],
            )
            self._clean(principal_id)
            self._restart_floor()
            if a.http_only:
                continue
            r = self._pgbench(self.files["book_sql"], a.duration, f"book-sql-{rep}")
            r["checks"] = self._checks(principal_id)
            sql.append(r)
            log.info("booking SQL  %d: %s | checks %s", rep, _brief(r), r["checks"])
        self._clean(principal_id)
        return {"http": {"reps": http}, "sql": {"reps": sql}, "warmup": warmup}

    def profiles(self, principal_id: int) -> dict:
        """py-spy over the server's processes during one more search and
        booking phase each (not measured): where the server's CPU goes."""
        spy = Path(sys.executable).parent / "py-spy"
        if not spy.exists():
            log.warning("py-spy not installed in .venv: no profiles")
            return {}
        out = {}
        for kind, script, env in (
            ("search", "search.lua", {"BENCH_PATHS": str(self.files["search_paths"])}),
            ("booking", "book.lua", {"BENCH_TRIPLES": str(self.files["book_triples"])}),
        ):
            self._clean(principal_id)
            raw = self.work / f"py-spy-{kind}.txt"
            seconds = self.args.duration
            spying = subprocess.Popen(
                [
                    str(spy),
                    "record",
                    "--pid",
                    str(self.server.proc.pid),
                    "--subprocesses",
                    "--duration",
                    str(seconds),
                    "--rate",
                    "25",
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--nonblocking",
                    "--gil",
                    "--full-filenames",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            r = self._wrk(script, env, seconds, f"py-spy-{kind}")
            spying.wait(timeout=seconds + 120)
            out[kind] = {
                "collapsed_stacks": str(raw.relative_to(ROOT)),
                "throughput_rps": r["throughput_rps"],
                "top": report.spy_summary(raw),
            }
            top = out[kind]["top"]
            log.info("py-spy %s, by package: %s", kind, top.get("by_package"))
            log.info(
                "py-spy %s, product functions: %s", kind, top.get("product_functions")
            )
        self._clean(principal_id)
        return out


def _brief(r: dict) -> str:
    rate = r.get("throughput_rps") or r.get("throughput_tps")
    return (
        f"{rate}/s p50 {r.get('p50_ms')} ms p95 {r.get('p95_ms')} ms "
        f"cpu {r.get('cpu_cores')}"
    )


def _git() -> str:
    exported = ROOT / ".bench-git-rev"  # a checkout exported with git archive
    if exported.exists():
        return exported.read_text().strip()
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "retecup"],
            capture_output=True,
            text=True,
        ).stdout
        return rev + ("+dirty" if dirty.strip() else "")
    except OSError:
        return "unknown"


def _machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": os.getloadavg(),
        "note": "shared, noisy virtual machine: other work runs on the same two "
        "cores; figures are medians of repetitions and vary run to run",
    }


if __name__ == "__main__":
    sys.exit(main())
