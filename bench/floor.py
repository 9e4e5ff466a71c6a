"""pgbench runs of the product's SQL, with a per-transaction log for percentiles."""

import os
import re
import subprocess
from pathlib import Path

from bench.common import need_tool, percentile


def pgbench(
    db_url: str,
    script: Path,
    duration_s: int,
    clients: int,
    threads: int,
    logdir: Path,
    tag: str,
) -> dict:
    logdir.mkdir(parents=True, exist_ok=True)
    for old in logdir.glob(f"{tag}.*"):
        old.unlink()
    prefix = logdir / tag
    cmd = [
        need_tool("pgbench"),
        "-n",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        str(threads),
        "-T",
        str(duration_s),
        "-f",
        str(script),
        "--log",
        f"--log-prefix={prefix}",
        db_url,
    ]
    env = {**os.environ, "PGAPPNAME": f"bench-{tag}"}
    proc = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=duration_s + 300
    )
    out = proc.stdout + proc.stderr
    (logdir / f"{tag}.out").write_text(out)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"pgbench failed ({proc.returncode}):\n{out[-3000:]}")

    latencies = []
    for path in logdir.glob(f"{tag}.[0-9]*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    latencies.append(int(parts[2]))
    latencies.sort()
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    done = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    aborted = len(re.findall(r"client \d+ aborted", out))
    first_error = re.search(r"(ERROR:.*|client \d+ aborted.*)", out)
    return {
        "transactions": int(done.group(1)) if done else len(latencies),
        "throughput_tps": round(float(tps.group(1)), 1) if tps else None,
        "p50_ms": round(percentile(latencies, 50) / 1000, 2) if latencies else None,
        "p95_ms": round(percentile(latencies, 95) / 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) / 1000, 2) if latencies else None,
        "failed": int(failed.group(1)) if failed else 0,
        "aborted_clients": aborted,
        "first_error": first_error.group(1)[:300] if first_error and aborted else None,
    }
