"""Medians, ratios to the SQL floor, the aims, and the Markdown table."""

from bench.common import median

AIMS = {
    "load_s": 600,  # the region loads in 10 minutes
    "search_p95_ms": 30,
    "search_rps": 1000,
    "booking_rps": 500,
    "floor_ratio": 2.0,  # each figure within twice its SQL floor
}


def _med(reps: list[dict], key: str):
    return median([r.get(key) for r in reps])


def _cpu_ms(r: dict, rate_key: str) -> dict:
    """CPU milliseconds per request (or transaction), by process group."""
    rate = r.get(rate_key)
    if not rate:
        return {}
    return {
        k: round(v / rate * 1000, 2)
        for k, v in r.get("cpu_cores", {}).items()
        if k in ("server", "postgres")
    }


def _summary(reps: list[dict], rate_key: str) -> dict:
    for r in reps:
        r["cpu_ms_per_request"] = _cpu_ms(r, rate_key)
    return {
        "cpu_ms_per_request": {
            k: median([r["cpu_ms_per_request"].get(k) for r in reps])
            for k in ("server", "postgres")
        },
        "db_per_request": {
            k: median([r.get("db_per_request", {}).get(k) for r in reps])
            for k in ("sessions", "commits", "rollbacks")
        },
        "throughput": _med(reps, rate_key),
        "p50_ms": _med(reps, "p50_ms"),
        "p95_ms": _med(reps, "p95_ms"),
        "p99_ms": _med(reps, "p99_ms"),
        "cpu_cores": {
            k: median([r["cpu_cores"].get(k) for r in reps])
            for k in reps[0].get("cpu_cores", {})
        }
        if reps
        else {},
    }


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def finish(results: dict) -> None:
    """Adds medians, ratios and verdicts in place."""
    for kind in ("search", "booking"):
        part = results.get(kind)
        if not part:
            continue
        http = _summary(part["http"]["reps"], "throughput_rps")
        sql = (
            _summary(part["sql"]["reps"], "throughput_tps")
            if part["sql"]["reps"]
            else {"throughput": None, "p50_ms": None, "p95_ms": None, "cpu_cores": {}}
        )
        part["http"]["median"], part["sql"]["median"] = http, sql
        part["ratio_http_to_floor"] = {
            "p50": _ratio(http["p50_ms"], sql["p50_ms"]),
            "p95": _ratio(http["p95_ms"], sql["p95_ms"]),
            # how many times fewer requests/s than the floor's transactions/s
            "throughput": _ratio(sql["throughput"], http["throughput"]),
        }
    booking = results.get("booking")
    if booking:
        total = {
            "double_booked_slots": 0,
            "appointments_beyond_capacity": 0,
            "slots_counter_mismatch": 0,
            "created_201_without_row": 0,
        }
        for side in ("http", "sql"):
            for r in booking[side]["reps"]:
                c = r["checks"]
                for k in (
                    "double_booked_slots",
                    "appointments_beyond_capacity",
                    "slots_counter_mismatch",
                ):
                    total[k] += c[k]
                if side == "http":
                    # More rows than 201s is normal: requests still running
                    # when wrk stopped commit without wrk counting them.
                    total["created_201_without_row"] += max(
                        0, r["status"]["201"] - c["appointments_booked"]
                    )
        booking["integrity"] = total
        http = booking["http"]["reps"]
        booking["http"]["status_total"] = {
            k: sum(r["status"][k] for r in http) for k in http[0]["status"]
        }

    results["aims"] = AIMS
    results["verdict"] = verdict(results)


def verdict(results: dict) -> dict:
    out = {}
    load = results.get("load", {})
    if load.get("seconds") is not None:
        out["load"] = load["seconds"] <= AIMS["load_s"]
    s = results.get("search")
    if s:
        out["search_p95"] = (s["http"]["median"]["p95_ms"] or 1e9) <= AIMS[
            "search_p95_ms"
        ]
        out["search_throughput"] = (s["http"]["median"]["throughput"] or 0) >= AIMS[
            "search_rps"
        ]
        r = s["ratio_http_to_floor"]
        out["search_within_2x_floor"] = all(
            (r[k] or 1e9) <= AIMS["floor_ratio"] for k in ("p95", "throughput")
        )
    b = results.get("booking")
    if b:
        out["booking_throughput"] = (b["http"]["median"]["throughput"] or 0) >= AIMS[
            "booking_rps"
        ]
        out["booking_within_2x_floor"] = (
            b["ratio_http_to_floor"]["throughput"] or 1e9
        ) <= AIMS["floor_ratio"]
        out["no_double_booking"] = not any(b["integrity"].values())
    return out


def _f(v, unit="", nd=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        v = round(v, nd)
    return f"{v}{unit}"


def _ok(flag):
    return "✅" if flag else "❌" if flag is not None else ""


def markdown(results: dict) -> str:
    run, machine, load = results["run"], results["machine"], results.get("load", {})
    v = results.get("verdict", {})
    facts = results.get("database", {}).get("facts", {})
    rows = facts.get("rows", {})
    lines = [
        f"# retecup benchmark — profile `{run['profile']}`, {run['stamp']}",
        "",
        f"`{run['command']}` at `{run['git']}`; {run['duration_s']} s per phase, "
        f"median of {run['reps']} repetitions, {run['clients']} concurrent clients, "
        f"server `{results.get('server', {}).get('command', '')}`.",
        "",
        f"Data: {rows.get('agenda', '?'):,} agendas, {rows.get('slot', '?'):,} slots "
        f"({facts.get('slots_from')} … {facts.get('slots_to')}), "
        f"{rows.get('patient', '?'):,} patients, {facts.get('database_mb', '?'):,} MB.",
        "",
        "| measure | HTTP (product) | SQL floor | ratio | aim | met |",
        "|---|---|---|---|---|---|",
    ]
    reused = " (reused database; figure from its load)" if load.get("reused") else ""
    lines.append(
        f"| load `{run['profile']}`{reused} | {_f(load.get('seconds'), ' s')} | "
        f"| | ≤ {AIMS['load_s']} s | {_ok(v.get('load'))} |"
    )
    s = results.get("search")
    if s:
        h, q, r = s["http"]["median"], s["sql"]["median"], s["ratio_http_to_floor"]
        lines += [
            f"| search p50 | {_f(h['p50_ms'], ' ms', 2)} | {_f(q['p50_ms'], ' ms', 2)} "
            f"| {_f(r['p50'], '×', 2)} | | |",
            f"| search p95 | {_f(h['p95_ms'], ' ms', 2)} | {_f(q['p95_ms'], ' ms', 2)} "
            f"| {_f(r['p95'], '×', 2)} | ≤ {AIMS['search_p95_ms']} ms, ≤ 2× floor "
            f"| {_ok(v.get('search_p95'))} {_ok(r['p95'] and r['p95'] <= 2)} |",
            f"| search throughput | {_f(h['throughput'], '/s')} "
            f"| {_f(q['throughput'], '/s')} "
            f"| {_f(r['throughput'], '×', 2)} | ≥ {AIMS['search_rps']}/s, ≤ 2× floor "
            f"| {_ok(v.get('search_throughput'))} "
            f"{_ok(r['throughput'] and r['throughput'] <= 2)} |",
        ]
    b = results.get("booking")
    if b:
        h, q, r = b["http"]["median"], b["sql"]["median"], b["ratio_http_to_floor"]
        integrity = b["integrity"]
        lines += [
            f"| booking throughput | {_f(h['throughput'], '/s')} | "
            f"{_f(q['throughput'], '/s')} | {_f(r['throughput'], '×', 2)} "
            f"| ≥ {AIMS['booking_rps']}/s, ≤ 2× floor "
            f"| {_ok(v.get('booking_throughput'))} "
            f"{_ok(v.get('booking_within_2x_floor'))} |",
            f"| booking p50 / p95 | {_f(h['p50_ms'], '', 1)} / "
            f"{_f(h['p95_ms'], ' ms', 1)} "
            f"| {_f(q['p50_ms'], '', 1)} / {_f(q['p95_ms'], ' ms', 1)} "
            f"| {_f(r['p50'], '×', 1)} / {_f(r['p95'], '×', 1)} | | |",
            f"| double bookings | {integrity['double_booked_slots']} slots, "
            f"{integrity['slots_counter_mismatch']} counter mismatches, "
            f"{integrity['created_201_without_row']} 201s without a row | | | 0 "
            f"| {_ok(v.get('no_double_booking'))} |",
        ]
        st = b["http"]["status_total"]
        lines += [
            "",
            f"HTTP booking responses over all repetitions: {st['201']} × 201, "
            f"{st['409']} × 409, {st['4xx']} other 4xx, {st['5xx']} × 5xx.",
        ]

    health = results.get("health")
    if health:
        lines += [
            "",
            f"For scale, the server's own ceiling (`GET /api/v1/health`, no token, "
            f"no database, same clients): {_f(health.get('throughput_rps'), '/s')}, "
            f"p50 {_f(health.get('p50_ms'), ' ms', 2)}, using "
            f"{_f(health.get('cpu_cores', {}).get('server'), ' cores', 2)}.",
        ]

    lines += [
        "",
        "## Per repetition",
        "",
        "CPU is what each group of processes used during the phase (cores, "
        "averaged over it), and per request in milliseconds; `other` is the "
        "rest of the machine (other tenants).",
        "",
        "| phase | rep | rate/s | p50 ms | p95 ms | p99 ms | CPU cores "
        "server / postgres / load gen / other | CPU ms per request "
        "server / postgres | new db connections per request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("search", "booking"):
        part = results.get(kind)
        if not part:
            continue
        for side, rate_key, gen in (
            ("http", "throughput_rps", "wrk"),
            ("sql", "throughput_tps", "pgbench"),
        ):
            for i, r in enumerate(part[side]["reps"], start=1):
                c = r.get("cpu_cores", {})
                lines.append(
                    f"| {kind} {'HTTP' if side == 'http' else 'SQL floor'} | {i} | "
                    f"{_f(r.get(rate_key))} | {_f(r.get('p50_ms'), '', 2)} | "
                    f"{_f(r.get('p95_ms'), '', 2)} | {_f(r.get('p99_ms'), '', 2)} | "
                    f"{_f(c.get('server', 0.0), '', 2)} / "
                    f"{_f(c.get('postgres'), '', 2)} / "
                    f"{_f(c.get(gen), '', 2)} / {_f(c.get('other'), '', 2)} | "
                    f"{_f(r.get('cpu_ms_per_request', {}).get('server'), '', 2)} / "
                    f"{_f(r.get('cpu_ms_per_request', {}).get('postgres'), '', 2)} | "
                    f"{_f(r.get('db_per_request', {}).get('sessions'), '', 3)} |"
                )

    diag = results.get("search_diagnosis")
    if diag:
        sc = diag["single_client_ms"]
        lines += [
            "",
            "## Where a search's database time goes",
            "",
            f"{diag['questions']} sampled questions run one at a time after the "
            f"measured phases: p50 {_f(sc['p50'], ' ms', 1)}, p95 "
            f"{_f(sc['p95'], ' ms', 1)} each, alone. Candidate agendas (offering "
            f"the service, open to the channel, within the radius) per question: "
            f"p50 {diag['candidates']['p50']}, p90 {diag['candidates']['p90']}, "
            f"max {diag['candidates']['max']}; about "
            f"{_f(diag['buffers_per_candidate'], '', 1)} buffer visits and "
            f"{_f(diag['ms_per_candidate'], ' ms', 3)} per candidate.",
            "",
            "| candidate agendas | questions | median ms alone | median buffers "
            "| share of time |",
            "|---|---|---|---|---|",
        ]
        for b in diag["by_candidates"]:
            lines.append(
                f"| {b['candidates']} | {b['questions']} | {b['median_ms']} | "
                f"{b['median_buffers']:,} | {b['share_of_time']:.0%} |"
            )

    if load and not load.get("reused", False) or load.get("cpu_cores"):
        lines += [
            "",
            "## Load",
            "",
            f"`{load.get('command', '')}`: {_f(load.get('seconds'), ' s')} "
            f"wall, loader process {_f(load.get('loader_cpu_s'), ' s')} CPU, "
            f"PostgreSQL {load.get('cpu_cores', {}).get('postgres', '–')} cores "
            f"on average; then `VACUUM (ANALYZE)` "
            f"{_f(load.get('vacuum_analyze_s'), ' s')} (not counted).",
        ]
    profiles = results.get("profiles") or {}
    if profiles:
        lines += [
            "",
            "## Where the server's Python time goes (py-spy)",
            "",
            "Sampled during one more phase each (not measured), only the thread "
            "holding the GIL; share of samples by the package of the innermost "
            "frame:",
            "",
        ]
        for kind, prof in profiles.items():
            top = prof.get("top") or {}
            if isinstance(top, dict) and top.get("by_package"):
                lines.append(
                    f"- {kind}: "
                    + ", ".join(f"{k} {v}%" for k, v in top["by_package"][:10])
                )
    settings = results.get("database", {}).get("settings", {})
    lines += [
        "",
        "## Machine",
        "",
        f"{machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Linux {machine['kernel']}, Python {machine['python']}; load average at start "
        f"{machine['loadavg_at_start'][0]:.2f}. {machine['note'].capitalize()}.",
        "",
        "PostgreSQL " + ", ".join(f"{k} {v}" for k, v in settings.items()) + ".",
    ]
    return "\n".join(lines) + "\n"


def _package(frame: str) -> str:
    """Which package a py-spy frame `function (path:line)` belongs to."""
    path = frame.rpartition(" (")[2].rstrip(")")
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    if "/retecup/" in path:
        return "retecup." + path.split("/retecup/")[1].rsplit(":", 1)[0].removesuffix(
            ".py"
        ).replace("/", ".")
    if "/lib/python" in path:
        return "stdlib." + path.split("/lib/python")[1].split("/", 1)[1].split("/")[
            0
        ].rsplit(":", 1)[0].removesuffix(".py")
    return "other"


def spy_summary(raw_path, top: int = 25) -> dict:
    """From py-spy's collapsed stacks (recorded with --gil, so samples are of
    the thread holding the GIL: what the server's Python spends CPU on):
    the share of samples by the package of the innermost frame, and the
    inclusive share of the product's own functions."""
    from collections import Counter
    from pathlib import Path

    path = Path(raw_path)
    if not path.exists():
        return {}
    leaf, ours, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames, n = stack.split(";"), int(count)
        total += n
        leaf[_package(frames[-1])] += n
        seen = set()
        for frame in frames:
            if "/retecup/" in frame:
                name = frame.split(" (")[0] + " (" + _package(frame) + ")"
                if name not in seen:
                    seen.add(name)
                    ours[name] += n
    share = lambda c: [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)]  # noqa: E731
    return {
        "samples": total,
        "by_package": share(leaf),
        "product_functions": share(ours),
    }
