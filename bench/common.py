"""Small shared pieces: where things go, logging, percentiles, local-only URLs."""

import logging
import math
import os
import shutil
import socket
import sys
import time
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORK = ROOT / "var" / "bench"  # scratch: logs, scripts, pgbench logs


def retecup_command(*args: str) -> list[str]:
    """The product's command line, run from this checkout (see product_env)."""
    return [sys.executable, "-c", "from retecup.cli.main import app; app()", *args]


log = logging.getLogger("bench")


def setup_logging(logfile: Path) -> None:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S")
    for handler in (logging.StreamHandler(sys.stdout), logging.FileHandler(logfile)):
        handler.setFormatter(fmt)
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


def check_local(url: str) -> None:
    """The benchmark talks to this machine only: TCP loopback or a Unix socket."""
    params = conninfo_to_dict(url)
    for host in (params.get("host") or "").split(","):
        if host not in LOCAL_HOSTS and not host.startswith("/"):
            raise SystemExit(f"refusing to benchmark a non-local database: {host}")
    if params.get("hostaddr") and params["hostaddr"] not in LOCAL_HOSTS:
        raise SystemExit("refusing to benchmark a non-local database")


def with_dbname(url: str, dbname: str) -> str:
    """The same server, another database, as a libpq URI or key=value string."""
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    if url.startswith(("postgresql://", "postgres://")):
        # Keep a URI (RETECUP_DATABASE_URL wants one).
        host = params.pop("host", "") or ""
        port = params.pop("port", None)
        user = params.pop("user", None)
        params.pop("dbname")
        netloc = f"{user}@" if user else ""
        extra = dict(params)
        if host.startswith("/"):
            extra["host"] = host
            host = ""
        netloc += host + (f":{port}" if port else "")
        query = "&".join(f"{k}={v}" for k, v in extra.items())
        return f"postgresql://{netloc}/{dbname}" + (f"?{query}" if query else "")
    return make_conninfo(**params)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise SystemExit(
            f"{name} not found: bench/run installs it (apt-get install {name})"
        )
    return path


def wait_until(predicate, timeout_s: float, every_s: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return False


def env_without(*names: str) -> dict:
    env = dict(os.environ)
    for name in names:
        env.pop(name, None)
    return env
