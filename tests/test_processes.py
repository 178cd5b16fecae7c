"""Child processes live as long as the process that started them, not the thread."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import ROOT, running

# A thread starts an ffmpeg that runs 30 s (in real time) and ends; the process then waits.
_CHILD = """
import sys, threading, time
import imageio_ffmpeg
from pipeline.system.processes import popen
started = []
argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
        "-i", "anullsrc", "-t", "30", "-f", "null", "-"]
t = threading.Thread(target=lambda: started.append(popen(argv)))
t.start()
t.join()
print(started[0].pid, flush=True)
time.sleep(60)
"""


def test_a_child_outlives_the_thread_that_started_it_but_not_the_process() -> None:
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        child = int(proc.stdout.readline())
        time.sleep(1.0)
        assert running(child), "the child died with the thread that asked for it"
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 5
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(child), "the child outlived its process (kill -9)"
