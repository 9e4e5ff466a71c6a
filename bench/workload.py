"""The work to measure, prepared in advance, and the SQL floor of that work.

Search: realistic availability questions (the most offered services, weighted
by how many agendas offer them, asked from comuni weighted by population, with
a spread of priorities). Booking: (patient, free future slot, service) triples,
a distinct patient per triple, split in two disjoint sets, one for HTTP and one
for the SQL floor.

The floor runs the product's own SQL. It is not copied here: the benchmark runs
one real search and one real booking through the service layer (in a
transaction it rolls back), records every statement SQLAlchemy sends, and reads
back from `pg_prepared_statements` the statement text and the parameter types
exactly as psycopg prepared them. pgbench then runs that text, each `$n`
written as `(:variable)::type` (what psycopg's typed parameter is), with values
from a table of the prepared queries. If the product's booking statements
change shape, `_booking_params` no longer matches what was recorded and the
benchmark stops and says so, rather than measuring a floor of other work.
"""

import json
import random
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Connection, Engine, event, text

from bench.common import log

CHANNEL = "contact_center"  # the regional call centre: books anywhere
ROLE = "contact_center"

# Share of questions by priority class (None: no prescription priority given).
PRIORITIES = {None: 10, "U": 5, "B": 20, "D": 30, "P": 35}


# -- recording what the product sends -------------------------------------------


@contextmanager
def recorded(engine: Engine):
    """Every (statement, parameters) the engine sends while inside."""
    seen: list[tuple[str, dict]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(
            (
                statement,
                dict(parameters) if isinstance(parameters, dict) else parameters,
            )
        )

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def prepare_all(conn: Connection) -> None:
    """From now on psycopg prepares every statement on this connection at once."""
    conn.connection.driver_connection.prepare_threshold = 0


def prepared(conn: Connection) -> dict[str, list[str]]:
    """statement text -> parameter types, as the server holds them."""
    rows = conn.exec_driver_sql(
        "SELECT statement, parameter_types::text[] FROM pg_prepared_statements"
    )
    return {r[0]: list(r[1]) for r in rows}


def numbered(statement: str) -> tuple[str, list[str]]:
    """psycopg's rewrite of a pyformat statement: %(name)s -> $k by first use."""
    names: list[str] = []

    def number(m):
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%"), names


@dataclass
class Statement:
    """One statement as the server prepared it, ready to become pgbench text."""

    sql: str  # with $1..$n
    names: list[str]  # name of $k
    types: list[str]  # server type of $k
    sample: dict  # the parameters of the recorded call

    @classmethod
    def of(cls, recorded_call: tuple[str, dict], server: dict[str, list[str]]):
        statement, params = recorded_call
        sql, names = numbered(statement)
        types = server.get(sql)
        if types is None:
            raise SystemExit(
                "bench: a recorded statement was not found among the "
                "prepared ones; psycopg's rewrite changed?\n" + sql
            )
        return cls(sql, names, types, params)

    def type_of(self, name: str) -> str:
        return self.types[self.names.index(name)]

    def pgbench(self, variable) -> str:
        """The statement for pgbench; `variable(name)` gives the pgbench
        variable for a parameter, or None for a SQL NULL of its type."""

        def param(m):
            k = int(m.group(1)) - 1
            var = variable(self.names[k])
            kind = self.types[k]
            return f"NULL::{kind}" if var is None else f"(:{var})::{kind}"

        sql = re.sub(r"\$(\d+)", param, self.sql).strip()
        if ";" in sql or "\\" in sql:
            raise SystemExit("bench: statement not expressible as a pgbench command")
        return sql


def widen(kind: str, values) -> str:
    """psycopg types an int by its size; take the type of the largest value."""
    if kind not in ("smallint", "integer", "bigint"):
        return kind
    top = max((abs(v) for v in values if v is not None), default=0)
    return "smallint" if top < 2**15 else "integer" if top < 2**31 else "bigint"


# -- the principal the benchmark acts as ----------------------------------------


def principal(engine: Engine):
    from retecup.services import tokens

    with engine.begin() as conn:
        token = tokens.create(conn, ROLE, CHANNEL)
        who = tokens.authenticate(conn, token)
    return token, who


# -- search ----------------------------------------------------------------------


@dataclass
class Search:
    questions: list[tuple]  # (service, comune, priority)
    paths: list[str]
    rows: list[dict]  # the floor's parameters per question
    statements: dict[bool, Statement]  # reserved_ok -> offers statement
    columns: dict[str, str] = field(default_factory=dict)


def prepare_search(
    engine: Engine, who, n: int, seed: int, now: datetime, top_services: int
) -> Search:
    from retecup.adapters import sql_availability
    from retecup.services.availability import FindOffers, find_offers, offer_query

    rng = random.Random(seed)
    with engine.connect() as conn:
        services = conn.execute(
            text("""
            SELECT asv.service_code, count(*) AS agendas
            FROM agenda_service asv JOIN agenda a ON a.id = asv.agenda_id
            WHERE a.status = 'active' AND a.regime = 'ssn'
              AND :channel = ANY(a.channels)
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT :n"""),
            {"channel": CHANNEL, "n": top_services},
        ).all()
        comuni = conn.execute(
            text(
                "SELECT istat, population FROM comune WHERE population > 0 "
                "ORDER BY istat"
            )
        ).all()
    if not services or not comuni:
        raise SystemExit("bench: no services or comuni in the database")
    log.info(
        "search: %d services (top by agendas: %s ...), %d comuni",
        len(services),
        ", ".join(f"{s}({c})" for s, c in services[:5]),
        len(comuni),
    )

    questions = []
    for _ in range(n):
        service = rng.choices(services, weights=[c for _, c in services])[0][0]
        comune = rng.choices(comuni, weights=[p for _, p in comuni])[0][0]
        priority = rng.choices(list(PRIORITIES), weights=list(PRIORITIES.values()))[0]
        questions.append((service, comune, priority))

    from retecup.domain.priority import Priority

    rows, paths = [], []
    with engine.connect() as conn:
        for i, (service, comune, priority) in enumerate(questions, start=1):
            find = FindOffers(
                service=service,
                comune=comune,
                priority=Priority(priority) if priority else None,
            )
            query = offer_query(conn, who, find, now)
            _, params = sql_availability._build(query)
            rows.append(
                {
                    "id": i,
                    "reserved_ok": int(query.reserved_ok),
                    **_relative(params, now),
                }
            )
            args = {"service": service, "comune": comune}
            if priority:
                args["priority"] = priority
            paths.append("/api/v1/availability?" + urlencode(args))

    # One real search per SQL shape (with and without the reserve rule),
    # recorded as prepared.
    statements = {}
    for reserved_ok in (False, True):
        i = next(
            (k for k, r in enumerate(rows) if r["reserved_ok"] == reserved_ok), None
        )
        if i is None:
            continue
        service, comune, priority = questions[i]
        find = FindOffers(
            service=service,
            comune=comune,
            priority=Priority(priority) if priority else None,
        )
        with engine.connect() as conn, recorded(engine) as seen:
            prepare_all(conn)
            with conn.begin():
                find_offers(conn, who, find, now)
                server = prepared(conn)
        offers = [c for c in seen if "CROSS JOIN LATERAL" in c[0]]
        if len(offers) != 1:
            raise SystemExit(f"bench: expected one offers statement, saw {len(offers)}")
        statements[reserved_ok] = Statement.of(offers[0], server)
        _check_same(_relative(offers[0][1], now), rows[i], "search")

    search = Search(questions, paths, rows, statements)
    search.columns = _columns(rows, statements.values())
    return search


def _relative(params: dict, now: datetime) -> dict:
    """Times become offsets from `now` (seconds), so pgbench can use its own now."""
    out = {}
    for k, v in params.items():
        out[k] = Rel((v - now).total_seconds()) if isinstance(v, datetime) else v
    return out


@dataclass(frozen=True)
class Rel:
    """A time given as seconds after the moment of the request."""

    seconds: float


@dataclass(frozen=True)
class Var:
    """A value the floor computes during the transaction (a pgbench variable)."""

    name: str


def _check_same(
    recorded_params: dict, ours: dict, what: str, skip: frozenset = frozenset()
) -> None:
    for k, v in recorded_params.items():
        if k in skip:
            continue
        mine = ours.get(k, "<missing>")
        if isinstance(v, Var) or isinstance(mine, Var):
            continue
        if isinstance(v, Rel) and isinstance(mine, Rel):
            if abs(v.seconds - mine.seconds) > 1e-6:
                raise SystemExit(f"bench: {what} parameter {k}: {v} != {mine}")
            continue
        if v != mine and not (isinstance(v, list) and list(mine or []) == v):
            raise SystemExit(
                f"bench: the product's {what} SQL takes {k}={v!r} where the "
                f"benchmark derives {mine!r}; update bench/workload.py"
            )


def _columns(rows: list[dict], statements) -> dict[str, str]:
    """Column types of the parameter table, from the server's parameter types."""
    kinds: dict[str, str] = {}
    for st in statements:
        for name, kind in zip(st.names, st.types, strict=True):
            kinds[name] = kind
    columns = {}
    for name, kind in kinds.items():
        values = [r.get(name) for r in rows]
        if any(isinstance(v, Rel) for v in values):
            columns[name] = "rel"
        elif all(v is None for v in values):
            columns[name] = "null"
        else:
            columns[name] = widen(kind, values)
    return columns


# -- booking ---------------------------------------------------------------------


@dataclass
class Booking:
    http: list[dict]
    floor: list[dict]
    statements: dict[str, Statement] = field(default_factory=dict)
    all_statements: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)


def prepare_triples(
    engine: Engine, n_http: int, n_floor: int, seed: int, now: datetime
) -> tuple[list[dict], list[dict]]:
    """Free future slots bookable by the channel, a service each, a patient each."""
    from retecup.domain import identifiers

    want = n_http + n_floor
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
        estimate = conn.execute(
            text(
                "SELECT greatest(reltuples, 1) FROM pg_class "
                "WHERE oid = 'slot'::regclass"
            )
        ).scalar()
        pct = min(100.0, 100.0 * want * 4 / estimate)
        slots = (
            conn.execute(
                text(f"""
            SELECT s.id AS slot_id, s.agenda_id, s.starts_at, s.ends_at, a.regime,
                   sv.service
            FROM slot s TABLESAMPLE SYSTEM ({pct:.6f}) REPEATABLE ({seed})
            JOIN agenda a ON a.id = s.agenda_id
            CROSS JOIN LATERAL (
                SELECT asv.service_code AS service FROM agenda_service asv
                WHERE asv.agenda_id = a.id ORDER BY random() LIMIT 1) sv
            WHERE s.open AND s.booked + s.held < s.capacity
              AND s.starts_at > :after
              AND (s.reserved_until IS NULL OR s.reserved_until <= :now)
              AND a.status = 'active' AND :channel = ANY(a.channels)
            ORDER BY random() LIMIT :want"""),
                {
                    "after": now + timedelta(days=1),
                    "now": now,
                    "channel": CHANNEL,
                    "want": want,
                },
            )
            .mappings()
            .all()
        )
        patients = (
            conn.execute(
                text("""
            SELECT p.id AS patient_id, p.cf, p.comune_istat
            FROM patient p ORDER BY random() LIMIT :n"""),
                {"n": max(n_http, n_floor)},
            )
            .mappings()
            .all()
        )
        # What they already hold: a triple must neither duplicate it (the
        # booking would revoke it, which is other work) nor overlap it.
        held: dict[int, list] = {}
        for r in conn.execute(
            text("""
                SELECT patient_id, duplicate_group, starts_at, ends_at
                FROM appointment WHERE status NOT IN ('cancelled', 'revoked')""")
        ):
            held.setdefault(r.patient_id, []).append(
                (r.duplicate_group, r.starts_at, r.ends_at)
            )
        groups = dict(
            conn.execute(text("SELECT code, duplicate_group FROM service")).all()
        )

    if len(slots) < want:
        log.warning("only %d free slots sampled of %d wanted", len(slots), want)
    n_http = min(n_http, len(slots) // 2, len(patients))
    n_floor = min(n_floor, len(slots) - n_http, len(patients))

    def clash(slot, patient) -> bool:
        group = groups[slot["service"]]
        return any(
            g == group or (s < slot["ends_at"] and slot["starts_at"] < e)
            for g, s, e in held.get(patient["patient_id"], ())
        )

    def pair(slots_part: list) -> list[dict]:
        # A distinct patient per triple: the set's bookings run concurrently.
        # The two sets may share patients: they never run at the same time
        # and each phase starts from a clean slate.
        free = patients[::-1]  # taken from the end: cheap pops
        out = []
        for slot in slots_part:
            for i in range(len(free) - 1, max(-1, len(free) - 50), -1):
                patient = free[i]
                if not clash(slot, patient):
                    out.append(
                        {
                            **slot,
                            **free.pop(i),
                            "duplicate_group": groups[slot["service"]],
                            "code": identifiers.appointment_code(),
                        }
                    )
                    break
        return out

    http = pair(slots[:n_http])
    floor = pair(slots[n_http : n_http + n_floor])
    return http, floor


def record_booking(engine: Engine, who, sample: dict, now: datetime) -> tuple:
    """One real booking through the service layer, recorded, then rolled back."""
    from retecup.services import booking

    cmd = booking.BookSlot(
        patient_cf=sample["cf"], slot_id=sample["slot_id"], service=sample["service"]
    )
    with engine.connect() as conn, recorded(engine) as seen:
        prepare_all(conn)
        trans = conn.begin()
        try:
            booking.book(conn, who, cmd, now)
            server = prepared(conn)
        finally:
            trans.rollback()
    calls = [
        c
        for c in seen
        if not c[0].startswith(
            ("SELECT statement, parameter_types", "SAVEPOINT", "RELEASE SAVEPOINT")
        )
    ]
    return calls, server, seen


# The five statements of the floor, found in the recorded booking by their text.
FLOOR_STEPS = {
    "lock": lambda s: "FROM patient WHERE cf" in s and "FOR UPDATE" in s,
    "search": lambda s: "CROSS JOIN LATERAL" in s,
    "take": lambda s: "UPDATE slot SET booked = booked + 1" in s,
    "appt": lambda s: s.lstrip().startswith("INSERT INTO appointment ("),
    "event": lambda s: s.lstrip().startswith("INSERT INTO appointment_event"),
}


def prepare_booking(
    engine: Engine, who, http: list[dict], floor: list[dict], now: datetime
) -> Booking:
    calls, server, seen = record_booking(engine, who, floor[0], now)
    result = Booking(http, floor)
    result.all_statements = [
        _first_line(s)
        for s, _ in seen
        if not s.startswith("SELECT statement, parameter_types")
    ]
    for step, is_it in FLOOR_STEPS.items():
        found = [c for c in calls if is_it(c[0])]
        if len(found) != 1:
            raise SystemExit(f"bench: booking step {step}: {len(found)} statements")
        result.statements[step] = Statement.of(found[0], server)

    # The floor's parameters per triple, checked against the recorded booking.
    derive = _booking_params(engine, who, now)
    first = derive(floor[0])
    for step, st in result.statements.items():
        # The appointment code is random on each booking: not compared.
        _check_same(
            _relative(st.sample, now),
            _relative(first[step], now),
            f"booking {step}",
            skip=frozenset({"code"}),
        )
    rows = []
    for i, t in enumerate(floor, start=1):
        flat = {"id": i}
        for step, values in derive(t).items():
            for k, v in values.items():
                flat[f"{step}_{k}"] = v
        rows.append(flat)
    result.rows = rows
    kinds = {
        f"{step}_{n}": t
        for step, st in result.statements.items()
        for n, t in zip(st.names, st.types, strict=True)
    }
    columns = {}
    for name, kind in kinds.items():
        values = [r.get(name) for r in rows]
        if isinstance(values[0], Var):
            continue
        if any(isinstance(v, Rel) for v in values):
            columns[name] = "rel"
        elif all(v is None for v in values):
            columns[name] = "null"
        else:
            columns[name] = widen(kind, values)
    result.columns = columns
    return result


def _first_line(sql: str) -> str:
    return " ".join(sql.split())[:90]


def _booking_params(engine: Engine, who, now: datetime):
    """For a triple, the parameters the product's booking passes to each of the
    five floor statements (no prescription, contact centre, in capacity)."""
    from retecup.adapters import sql_availability
    from retecup.services.availability import FindOffers, offer_query

    cache: dict[tuple, dict] = {}

    def search_params(t: dict) -> dict:
        key = (t["service"], t["regime"], t["comune_istat"])
        if key not in cache:
            find = FindOffers(
                service=t["service"],
                comune=t["comune_istat"],
                regime=t["regime"],
                limit=1,
            )
            with engine.connect() as conn:
                query = replace(offer_query(conn, who, find, now), limit=1)
            cache[key] = _relative(sql_availability._build(query)[1], now)
        return cache[key]

    def derive(t: dict) -> dict[str, dict]:
        return {
            "lock": {"cf": t["cf"]},
            "search": search_params(t),
            "take": {"slot": t["slot_id"], "now": Rel(0.0)},
            "appt": {
                "code": t["code"],
                "patient_id": t["patient_id"],
                "service_code": t["service"],
                "duplicate_group": t["duplicate_group"],
                "slot_id": t["slot_id"],
                "agenda_id": t["agenda_id"],
                "starts_at": t["starts_at"],
                "ends_at": t["ends_at"],
                "status": "booked",
                "channel": str(who.channel),
                "booked_at": Rel(0.0),
                "booked_by": who.id,
                "nre": None,
                "priority": None,
                "prescribed_on": None,
                "deadline": None,
                "first_offer": Var("appt_first_offer"),
                "took_first_offer": Var("appt_took_first_offer"),
                "over_capacity": False,
                "override_reason": None,
                "updated_at": Rel(0.0),
            },
            "event": {
                "appointment": Var("new_id"),
                "at": Rel(0.0),
                "tag": "api:appointment:booked",
                "principal": who.id,
                "role": str(who.role),
                "channel": str(who.channel),
                "from_status": None,
                "to_status": "booked",
                "reason": None,
                "data": json.dumps(
                    {"slot_id": t["slot_id"], "over_capacity": False}, default=str
                ),
            },
        }

    return derive


# -- the parameter tables and the pgbench scripts ---------------------------------


def _sql_type(kind: str) -> str:
    return {"rel": "double precision"}.get(kind, kind)


def write_table(conn, name: str, columns: dict[str, str], rows: list[dict]) -> None:
    """bench.<name>(id, columns...) filled with rows; Rel times as seconds."""
    cols = {k: v for k, v in columns.items() if v != "null"}
    conn.execute(f"DROP TABLE IF EXISTS bench.{name}")
    ddl = ", ".join(f'"{k}" {_sql_type(v)}' for k, v in cols.items())
    conn.execute(f"CREATE TABLE bench.{name} (id integer PRIMARY KEY, {ddl})")
    names = ["id", *cols]
    quoted = ", ".join(f'"{k}"' for k in names)
    with conn.cursor().copy(f"COPY bench.{name} ({quoted}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([_plain(r.get(k)) for k in names])
    conn.execute(f"ANALYZE bench.{name}")


def _plain(v):
    return v.seconds if isinstance(v, Rel) else v


def _fetch(table: str, columns: dict[str, str], where: str) -> str:
    """The pgbench command that loads one row of parameters into variables."""
    select = []
    for k, kind in columns.items():
        if kind == "null":
            continue
        if kind == "rel":
            select.append(f"""t0.t + t."{k}" * interval '1 second' AS "{k}\"""")
        else:
            select.append(f't."{k}"')
    return (
        f"SELECT {', '.join(select)}\n"
        f"FROM bench.{table} t, (SELECT now() AS t) t0\n"
        f"WHERE {where} \\gset"
    )


def search_script(search: Search) -> str:
    columns = {"reserved_ok": "integer", **search.columns}

    def var(name):
        return None if search.columns.get(name) == "null" else name

    parts = [
        "-- Generated by bench/workload.py: the product's offers statement, as",
        "-- psycopg prepares it, on a random prepared question.",
        f"\\set i random(1, {len(search.rows)})",
        _fetch("search_query", columns, "t.id = :i"),
    ]
    shapes = {k: st.pgbench(var) + ";" for k, st in search.statements.items()}
    if len(shapes) == 2:
        parts += ["\\if :reserved_ok", shapes[True], "\\else", shapes[False], "\\endif"]
    else:
        parts += list(shapes.values())
    return "\n".join(parts) + "\n"


def booking_script(book: Booking) -> str:
    def var_for(step: str):
        def var(name):
            key = f"{step}_{name}"
            value = book.rows[0].get(key)
            if isinstance(value, Var):
                return value.name
            return None if book.columns.get(key) == "null" else key

        return var

    st = book.statements
    start = "(:appt_starts_at)::timestamptz"
    search = st["search"].pgbench(var_for("search"))
    first = f"least(min(q.starts_at), {start})"
    return (
        "\n".join(
            [
                "-- Generated by bench/workload.py: the five statements of a booking",
                "-- that decide it (lock the patient, earliest offer, take the place,",
                "-- the appointment, its history), as psycopg prepares them, in one",
                "-- transaction.",
                _fetch(
                    "floor_triple",
                    book.columns,
                    "t.id = (SELECT nextval('bench.floor_seq'))",
                ),
                "BEGIN;",
                st["lock"].pgbench(var_for("lock")) + ";",
                f"SELECT {first} AS appt_first_offer,\n"
                f"       {start} <= {first} AS appt_took_first_offer\n"
                f"FROM (\n{search}\n) q \\gset",
                st["take"].pgbench(var_for("take")) + " \\gset take_",
                st["appt"].pgbench(var_for("appt")) + " \\gset new_",
                st["event"].pgbench(var_for("event")) + ";",
                "COMMIT;",
            ]
        )
        + "\n"
    )


def write_files(work: Path, search: Search, book: Booking) -> dict[str, Path]:
    files = {
        "search_paths": work / "search_paths.txt",
        "search_sql": work / "search.pgbench",
        "book_triples": work / "book_triples.txt",
        "book_sql": work / "book.pgbench",
    }
    files["search_paths"].write_text("\n".join(search.paths) + "\n")
    files["search_sql"].write_text(search_script(search))
    files["book_triples"].write_text(
        "".join(f"{t['cf']} {t['slot_id']} {t['service']}\n" for t in book.http)
    )
    files["book_sql"].write_text(booking_script(book))
    return files


def write_tables(db_url: str, search: Search, book: Booking) -> None:
    import psycopg

    with psycopg.connect(db_url) as conn:
        write_table(
            conn,
            "search_query",
            {"reserved_ok": "integer", **search.columns},
            search.rows,
        )
        floor_cols = dict(book.columns)
        write_table(conn, "floor_triple", floor_cols, book.rows)
        conn.execute("DROP SEQUENCE IF EXISTS bench.floor_seq")
        conn.execute("CREATE SEQUENCE bench.floor_seq")
        conn.execute("DROP TABLE IF EXISTS bench.http_triple")
        conn.execute("CREATE TABLE bench.http_triple (slot_id bigint PRIMARY KEY)")
        with conn.cursor().copy("COPY bench.http_triple (slot_id) FROM STDIN") as copy:
            for t in book.http:
                copy.write_row([t["slot_id"]])
        conn.execute("DROP TABLE IF EXISTS bench.floor_slot")
        conn.execute("CREATE TABLE bench.floor_slot (slot_id bigint PRIMARY KEY)")
        with conn.cursor().copy("COPY bench.floor_slot (slot_id) FROM STDIN") as copy:
            for t in book.floor:
                copy.write_row([t["slot_id"]])
