"""Child processes (ffmpeg, Whisper) that never outlive the process that started them.

The kernel's PR_SET_PDEATHSIG fires when the *thread* that forked a child ends, not the
process; a Dask worker's thread pool may retire a thread mid-encode. So every child is forked
by one thread kept for the life of the process, and dies with the process (kill -9 included).
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    # Looked up before forking, not between fork and exec in the child: a child forked from a
    # threaded process may only do simple things there, and a lookup may load a library.
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # this process's libc, found by the loader
    except (OSError, AttributeError):
        return None


@functools.cache
def _forker() -> ThreadPoolExecutor:
    # An idle pool thread waits for work until the interpreter exits: it never retires.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline-forker")


def popen(argv: list[str], *, background: bool = False, **kwargs: Any) -> subprocess.Popen:
    """`subprocess.Popen` in its own session, ended by the kernel when this process ends.
    A `background` child runs at the lowest CPU priority."""
    prctl = _prctl()

    def in_child() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if background:
            os.nice(19)

    return _forker().submit(subprocess.Popen, argv, start_new_session=True,
                            preexec_fn=in_child, **kwargs).result()


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the
    machine has; a CPU quota in a cgroup is not seen here)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
