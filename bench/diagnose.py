"""Where a search's database time goes: per question, how many candidate
agendas it has and what its statement costs, alone on one connection.

The offers statement probes each candidate agenda (offering the service, open
to the channel, within the radius) for its first free slots, so its work
should grow with the number of candidates. This measures that, on a sample of
the prepared questions, with EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) for the
buffer count and plain executions for the time. It runs after the measured
phases, one query at a time, so it does not disturb them.
"""

import random
import re
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from bench.common import log, median, percentile

BUCKETS = [(0, 100), (100, 500), (500, 1500), (1500, 3000), (3000, 10**9)]


def explain_sample(
    engine: Engine, who, questions: list, n: int, seed: int, plans_to=None
) -> dict:
    from retecup.adapters import sql_availability
    from retecup.domain.priority import Priority
    from retecup.services.availability import FindOffers, offer_query

    rng = random.Random(seed)
    sample = rng.sample(questions, min(n, len(questions)))
    rows = []
    slowest = (0.0, None, None)
    with engine.connect() as conn:
        for service, comune, priority in sample:
            now = datetime.now(UTC)
            find = FindOffers(
                service=service,
                comune=comune,
                priority=Priority(priority) if priority else None,
            )
            sql, params = sql_availability._build(offer_query(conn, who, find, now))
            head = sql.split("SELECT s.id AS slot_id")[0]
            candidates = conn.execute(
                text(head + " SELECT count(*) FROM candidate"), params
            ).scalar()
            plan = "\n".join(
                r[0]
                for r in conn.execute(
                    text("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql), params
                )
            )
            hits = sum(
                int(x)
                for x in re.findall(r"^\s*Buffers: shared hit=(\d+)", plan, re.M)[:1]
            )
            reads = re.search(
                r"^\s*Buffers: shared (?:hit=\d+ )?read=(\d+)", plan, re.M
            )
            times = []
            for _ in range(3):
                started = time.perf_counter()
                conn.execute(text(sql), params).all()
                times.append((time.perf_counter() - started) * 1000)
            ms = sorted(times)[1]
            rows.append(
                {
                    "service": service,
                    "comune": comune,
                    "priority": priority,
                    "candidates": candidates,
                    "ms": round(ms, 2),
                    "buffers": hits + (int(reads.group(1)) if reads else 0),
                }
            )
            if ms > slowest[0]:
                slowest = (ms, (service, comune, priority), plan)
    if plans_to and slowest[2]:
        plans_to.write_text(
            f"-- slowest sampled question {slowest[1]}: "
            f"{slowest[0]:.1f} ms\n{slowest[2]}\n"
        )

    buckets = []
    for low, high in BUCKETS:
        part = [r for r in rows if low <= r["candidates"] < high]
        if not part:
            continue
        buckets.append(
            {
                "candidates": f"{low}–{high - 1}" if high < 10**9 else f"≥{low}",
                "questions": len(part),
                "median_ms": round(median([r["ms"] for r in part]), 2),
                "median_buffers": int(median([r["buffers"] for r in part])),
                "share_of_time": round(
                    sum(r["ms"] for r in part) / max(1e-9, sum(r["ms"] for r in rows)),
                    3,
                ),
            }
        )
    ms_sorted = sorted(r["ms"] for r in rows)
    cands = sorted(r["candidates"] for r in rows)
    per_candidate = [r["ms"] / r["candidates"] for r in rows if r["candidates"] >= 100]
    buf_per_candidate = [
        r["buffers"] / r["candidates"] for r in rows if r["candidates"] >= 100
    ]
    summary = {
        "questions": len(rows),
        "single_client_ms": {
            "p50": percentile(ms_sorted, 50),
            "p95": percentile(ms_sorted, 95),
            "mean": round(sum(ms_sorted) / len(ms_sorted), 2),
        },
        "candidates": {
            "p50": percentile(cands, 50),
            "p90": percentile(cands, 90),
            "max": cands[-1],
        },
        "ms_per_candidate": round(median(per_candidate), 4) if per_candidate else None,
        "buffers_per_candidate": round(median(buf_per_candidate), 2)
        if buf_per_candidate
        else None,
        "by_candidates": buckets,
        "slowest": {"question": slowest[1], "ms": round(slowest[0], 1)},
    }
    log.info("search cost by candidate agendas: %s", buckets)
    return {"summary": summary, "rows": rows}
