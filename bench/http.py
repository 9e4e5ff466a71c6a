"""The product's server, started as a user would, and wrk against it."""

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.common import BENCH, ROOT, log, need_tool, retecup_command, wait_until
from bench.db import product_env


class Server:
    """`retecup serve --workers N` on 127.0.0.1, in its own process group."""

    def __init__(self, db_url: str, port: int, workers: int, logfile: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.cmd = retecup_command(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        )
        self.env = product_env(db_url)
        self.logfile = logfile
        self.proc = None

    def start(self, timeout_s: float = 120) -> float:
        log.info("server: retecup %s", " ".join(self.cmd[3:]))
        started = time.monotonic()
        self._out = open(self.logfile, "a")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            stdout=self._out,
            cwd=ROOT,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_until(self._healthy, timeout_s):
            self.stop()
            raise SystemExit(
                f"server did not answer in {timeout_s:.0f}s; see {self.logfile}"
            )
        return round(time.monotonic() - started, 1)

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise SystemExit(
                f"server exited ({self.proc.returncode}); see {self.logfile}"
            )
        try:
            with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # Our own process group (start_new_session): the server and its workers.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._out.close()


def wrk(
    url: str,
    script: str,
    env: dict,
    duration_s: int,
    connections: int,
    threads: int,
    out: Path,
    stderr_log: Path,
) -> dict:
    """Runs wrk with one of bench/lua/*.lua; returns its JSON summary."""
    cmd = [
        need_tool("wrk"),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration_s}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "lua" / script),
        url,
    ]
    full_env = {
        **os.environ,
        **env,
        "BENCH_LUA": str(BENCH / "lua"),
        "BENCH_OUT": str(out),
        "BENCH_THREADS": str(threads),
    }
    out.unlink(missing_ok=True)
    with open(stderr_log, "a") as err:
        proc = subprocess.run(
            cmd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=duration_s + 120,
        )
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed ({proc.returncode}): {proc.stdout[-2000:]}")
    result = json.loads(out.read_text())
    seconds = result["duration_us"] / 1e6
    lat = result["latency_us"]
    summary = {
        "requests": result["requests"],
        "seconds": round(seconds, 2),
        "throughput_rps": round(result["requests"] / seconds, 1),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p95_ms": round(lat["p95"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "mean_ms": round(lat["mean"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "errors": result["errors"],
    }
    for key in ("status", "wrapped", "triples", "queries"):
        if key in result:
            summary[key] = result[key]
    return summary
