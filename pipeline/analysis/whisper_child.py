"""Whisper in a child process, so that the render's own process never holds it.

In the render's process much of Whisper's memory stayed after the model was released
(CTranslate2's and the tokenizer's libraries, freed memory glibc keeps), beside the encoders.
A child returns every byte when it exits.

The child is started at a video's first cache miss, transcribes that video's clips one request
at a time and exits when the video's captions are done (`python -P -c ...`, with this package's
folder appended to its path, not `-m`: see `_start`). Requests and replies are pickles on
its stdin and stdout; its stderr goes to a temporary file, quoted if it stops unexpectedly.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import IO

import numpy as np

from ..model.errors import TranscribeError, one_line
from ..system.processes import popen
from . import whisper
from .kernels import Kernels

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
# Replies go to the real stdout; anything else written to fd 1 (a library's message, while
# importing or later) would corrupt them, so fd 1 points at stderr before anything is imported.
_BOOT = ("import os, sys; replies = os.fdopen(os.dup(1), 'wb'); os.dup2(2, 1); "
         "sys.path.append(sys.argv[1]); from pipeline.analysis.whisper_child import main; main(replies)")


class Children:
    """The Whisper processes of one job, so that a stop can end them all; once stopped, no new
    one starts (a video being probed ahead when Ctrl-C came would otherwise start one)."""

    def __init__(self) -> None:
        self._live: set[subprocess.Popen] = set()
        self._stopped = False
        self._lock = threading.Lock()

    def start(self, argv: list[str], log: IO[bytes], env: dict[str, str]) -> subprocess.Popen:
        with self._lock:
            if self._stopped:
                raise TranscribeError(None, "stopped before Whisper started")
            # Its own session, as ffmpeg: Ctrl-C reaches render, which stops it; if render is
            # killed outright, the kernel ends it too.
            proc = popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                         env=env)
            self._live.add(proc)
            return proc

    def forget(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._live.discard(proc)

    def running(self) -> int:
        with self._lock:
            return sum(1 for p in self._live if p.poll() is None)

    def stop(self) -> None:
        """Kill every child still running and start no more (the render was stopped): a
        transcription for a video that will not be rendered must not keep the computer busy,
        or the exit waiting."""
        with self._lock:
            self._stopped = True
            for proc in self._live:
                proc.kill()


class WhisperChild:
    """`whisper.whisper_words`, run in a child process: same arguments, same result."""

    def __init__(self, children: Children | None = None) -> None:
        self._children = children or Children()
        self._proc: subprocess.Popen | None = None
        self._kernels: Kernels | None = None
        self._log: IO[bytes] | None = None

    def __call__(self, folder: Path, audio: np.ndarray, language: str, glossary: tuple[str, ...],
                 beam_size: int, start: float, kernels: Kernels) -> whisper.Heard:
        proc = self._start(kernels)
        try:
            pickle.dump((str(folder), audio, language, tuple(glossary), beam_size, start,
                         kernels), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()
            reply = pickle.load(proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise TranscribeError(None, self._stopped()) from None
        if reply[0] == "error":
            raise TranscribeError(reply[1], reply[2])
        if reply[0] == "crash":  # not the user's to fix: the one error boundary reports it
            raise RuntimeError(f"in Whisper's process: {reply[1]}")
        return reply[1]

    def _start(self, kernels: Kernels) -> subprocess.Popen:
        if self._proc is not None and self._kernels != kernels:
            self.close()  # the libraries read their kernel path once, at the process's start
        if self._proc is None:
            try:
                self._log = tempfile.TemporaryFile()
                # -P and the package root appended: the folder render runs in (a job folder
                # holding some `numpy.py`) cannot shadow a module, and a checkout that is not
                # installed still finds `pipeline`.
                self._proc = self._children.start(
                    [sys.executable, "-P", "-c", _BOOT, _PACKAGE_ROOT], self._log,
                    {**os.environ, **kernels.env()})
                self._kernels = kernels
            except OSError as exc:
                raise TranscribeError(None, f"cannot start Whisper ({exc.strerror or exc}); "
                                            "close other programs and render again") from None
        return self._proc

    def _stopped(self) -> str:
        code = None
        if self._proc is not None:
            self._proc.kill()  # a garbled reply can come from a child that still waits for more
            code = self._proc.wait()
        said = ""
        if self._log is not None:
            self._log.seek(0)
            lines = [ln for ln in self._log.read().decode(errors="replace").splitlines()
                     if ln.strip()]
            said = f": {lines[-1].strip()}" if lines else ""
        return (f"Whisper stopped before it finished (exit code {code}{said}); if the computer "
                "ran out of memory, close other programs and render again")

    def close(self) -> None:
        """Let the child finish and exit; kill it if it does not."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            finally:
                proc.stdout.close()
                self._children.forget(proc)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> WhisperChild:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if exc is not None and self._proc is not None:
            self._proc.kill()  # an error or Ctrl-C: its answer is not wanted any more
        self.close()


def main(replies: IO[bytes]) -> None:
    """The child's loop: a request from stdin, its reply to `replies`, until stdin closes."""
    requests = sys.stdin.buffer
    try:
        while True:
            try:
                folder, *args = pickle.load(requests)
            except EOFError:
                return  # the parent closed stdin: done
            try:
                reply: tuple = ("ok", whisper.whisper_words(Path(folder), *args))
            except TranscribeError as exc:
                reply = ("error", exc.file, exc.reason)
            except Exception as exc:  # noqa: BLE001 - handed to the parent's error boundary
                traceback.print_exc()  # into the log file, quoted if the parent needs it
                reply = ("crash", one_line(f"{exc.__class__.__name__}: {exc}"))
            pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
    except KeyboardInterrupt:  # render reports the stop; no traceback from here
        sys.exit(130)

