"""Run one command and report its wall time, CPU time and peak memory as JSON.

    python benchmarks/measure.py REPORT.json -- COMMAND [ARG]...

The benchmark starts every measured step through this small wrapper, so that the numbers
cover the whole process tree (render → ffmpeg, moviepy → its ffmpeg readers and writer):

- `largest_rss_mb`: the kernel's exact peak of the largest single process in the tree.
  `getrusage(RUSAGE_CHILDREN).ru_maxrss` is the maximum over all waited-for descendants,
  grandchildren included, once their parents waited for them. The wrapper makes itself a
  child subreaper, so a grandchild whose parent exits without waiting for it (moviepy's
  ffmpeg readers, for example) is re-parented here and still counted.
- `tree_rss_mb`: the peak of the *sum* over all live descendants, sampled every 100 ms from
  /proc. Processes that run at the same time (the render's Python and its ffmpeg) add up;
  a spike shorter than the interval can be missed.
- `cpu_seconds`: user + system time of all descendants (ru_utime + ru_stime); more than the
  wall time means more than one core was busy.

The command's stdout and stderr pass through unchanged; the caller redirects them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36
_PAGE = os.sysconf("SC_PAGE_SIZE")
_INTERVAL = 0.1


def _become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: largest_rss_mb may then miss orphaned grandchildren


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, resident bytes) for every process we can read."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # ended between listing and reading
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = stat[stat.rindex(b")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * _PAGE)
    return table


def _descendants_rss(root: int) -> int:
    """Summed RSS of every process below `root` (not `root` itself)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        total += table.get(pid, (0, 0))[1]
        todo += children.get(pid, [])
    return total


class _Sampler(threading.Thread):
    """Peak of the summed RSS of this wrapper's descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.is_set():
            self.peak = max(self.peak, _descendants_rss(me))
            self.done.wait(_INTERVAL)


def _reap_all() -> None:
    """Wait for re-parented orphans too, so their peak enters RUSAGE_CHILDREN."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def measure(argv: list[str]) -> dict:
    _become_subreaper()
    sampler = _Sampler()
    sampler.start()
    began = time.monotonic()
    proc = subprocess.Popen(argv)
    _, status, _ = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    _reap_all()
    sampler.done.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"argv": argv, "exit_code": proc.returncode, "wall_seconds": round(wall, 3),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "largest_rss_mb": round(usage.ru_maxrss / 1024, 1),  # ru_maxrss is in KiB on Linux
            "tree_rss_mb": round(sampler.peak / 2**20, 1)}


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    report = measure(sys.argv[3:])
    Path(sys.argv[1]).write_text(json.dumps(report, indent=1))
    return report["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
