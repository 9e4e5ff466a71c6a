"""Where the two cores went during a phase: server, load generator, PostgreSQL, others.

A sampler thread reads /proc once a second. Each process is counted from its
first sample in the phase (or from zero if it started during the phase) to its
last; a PostgreSQL backend that exits between two samples loses at most one
second of CPU, which the `other` column then shows.
"""

import os
import threading
import time
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    comm = data[data.index("(") + 1 : data.rindex(")")]
    fields = data[data.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return comm, ppid, ticks


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    values = [int(v) for v in parts]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values[:8]), idle


def _descendants(root: int, table: dict[int, tuple[str, int, int]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


@dataclass
class CpuSampler:
    """Cores used per group while running; groups are named roots or comm names."""

    roots: dict[str, int] = field(default_factory=dict)  # group -> root pid
    comms: dict[str, str] = field(default_factory=dict)  # group -> process name
    pid_sets: dict = field(default_factory=dict)  # group -> () -> pids
    interval_s: float = 1.0

    def __post_init__(self):
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._group: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = None
        self._t0 = self._m0 = None

    def _sample(self, initial: bool) -> None:
        table = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _proc_stat(int(name))
                if st:
                    table[int(name)] = st
        groups = {}
        for group, root in self.roots.items():
            for pid in _descendants(root, table):
                groups[pid] = group
        for group, pids_of in self.pid_sets.items():
            try:
                pids = pids_of()
            except Exception:  # a failed look-up loses one sample, not the run
                pids = set()
            for pid in pids:
                if pid in table and pid not in groups:
                    groups[pid] = group
        for pid, (comm, _, _) in table.items():
            for group, wanted in self.comms.items():
                if pid not in groups and comm == wanted:
                    groups[pid] = group
        for pid, group in groups.items():
            if pid not in table:  # gone between the listing and now
                continue
            ticks = table[pid][2]
            if pid not in self._first:
                self._first[pid] = ticks if initial else 0
            self._last[pid] = ticks
            self._group[pid] = group

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample(initial=False)

    def start(self) -> "CpuSampler":
        self._t0 = time.monotonic()
        self._m0 = _machine_ticks()
        self._sample(initial=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._sample(initial=False)
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self._t0
        total1, idle1 = _machine_ticks()
        busy = ((total1 - self._m0[0]) - (idle1 - self._m0[1])) / TICK / wall
        cores = {}
        for pid, group in self._group.items():
            used = (self._last[pid] - self._first[pid]) / TICK / wall
            cores[group] = cores.get(group, 0.0) + used
        cores = {k: round(v, 2) for k, v in sorted(cores.items())}
        cores["machine_busy"] = round(busy, 2)
        cores["other"] = round(
            max(0.0, busy - sum(v for k, v in cores.items() if k != "machine_busy")), 2
        )
        return cores


def tree_cores(root: int, seconds: float = 1.0) -> float:
    """Cores used by a process and its descendants over the next `seconds`."""

    def ticks() -> int:
        table = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _proc_stat(int(name))
                if st:
                    table[int(name)] = st
        return sum(table[p][2] for p in _descendants(root, table) if p in table)

    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / TICK / seconds


def wait_idle(root: int, timeout_s: float, below: float = 0.1) -> float:
    """Waits until the process tree is (nearly) idle; returns seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if tree_cores(root, 1.0) < below:
            break
    return round(time.monotonic() - started, 1)
