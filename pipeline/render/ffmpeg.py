"""Run an ffmpeg argv, report progress, raise `FFmpegError` with the last stderr lines."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from ..model.errors import FFmpegError, Stopped
from ..model.plan import LoudnessScan
from ..system.ffmpeg_tool import exe, version  # noqa: F401 (the render stage's names for them)
from ..system.processes import popen

_TAIL_LINES = 20


@dataclass(frozen=True)
class Finished:
    stderr: str
    peak_rss_mb: float     # ffmpeg's own peak memory (VmHWM, sampled with each progress line)
    seconds: float


def run(argv: list[str], *, cwd: Path, file: str | Path | None = None,
        on_progress: Callable[[float], None] | None = None,
        debug: Callable[[str], None] | None = None, background: bool = False,
        stop: Callable[[], bool] | None = None) -> Finished:
    """Run ffmpeg with `argv` (without the program name) in `cwd`.

    Progress comes from `-progress pipe:1` as seconds of output written so far. A
    `background` ffmpeg runs at the lowest CPU priority: beside a render it takes only the
    core time the render leaves idle. `stop`, asked at each progress report, ends it early
    (the job was cancelled) with `Stopped`.
    """
    full = [exe(), *argv]
    if debug:
        debug(" ".join(_quote(a) for a in full))
    with tempfile.TemporaryFile() as err:
        proc = popen(full, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=err, background=background)
        began = time.monotonic()
        try:
            peak_kb = _follow(proc, on_progress, stop)
            code = proc.wait()
        except BaseException:
            # Ctrl-C, a cancel or any failure here: never leave an ffmpeg running behind us.
            _stop(proc)
            raise
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if code != 0:
        tail = "\n".join(stderr.splitlines()[-_TAIL_LINES:])
        if "No space left on device" in stderr:
            raise FFmpegError(file, full, tail + "\ndisk full: free some space on the output "
                                                 "drive and render again")
        raise FFmpegError(file, full, tail)
    return Finished(stderr, peak_kb / 1024, time.monotonic() - began)


def _follow(proc: subprocess.Popen, on_progress: Callable[[float], None] | None,
            stop: Callable[[], bool] | None = None) -> int:
    """Pass ffmpeg's progress on; return its peak memory in kB.

    The peak is read from /proc (VmHWM, the new program's own high-water mark). wait4's
    ru_maxrss would also count the Python process ffmpeg was forked from, Whisper included.
    """
    assert proc.stdout is not None
    peak = 0
    for raw in proc.stdout:
        line = raw.decode("ascii", "replace").strip()
        if on_progress and line.startswith("out_time_us="):
            value = line.split("=", 1)[1]
            if value.isdigit():
                on_progress(int(value) / 1_000_000)
        elif line.startswith("progress="):  # once per report (~2 a second) and at the end
            peak = max(peak, _high_water_kb(proc.pid))
            if stop is not None and stop():
                raise Stopped(None, "the job was cancelled")
    return peak


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass  # not Linux, or the process has just ended
    return 0


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def parse_loudnorm(stderr: str) -> LoudnessScan:
    """The measurement JSON loudnorm prints at the end of pass 1."""
    start = stderr.rfind("{")
    end = stderr.find("}", start)
    data = json.loads(stderr[start:end + 1])
    return LoudnessScan(*(float(data[f.name]) for f in fields(LoudnessScan)))


_SAFE = re.compile(r"^[\w@%+=:,./-]+$")


def _quote(arg: str) -> str:
    return arg if _SAFE.match(arg) else "'" + arg.replace("'", "'\"'\"'") + "'"
