"""The project's exceptions. Each carries the file it is about and a one-line reason.

`apps/cli.py` is the only place that turns them into messages and exit codes. They pickle
whole, so an error raised on a cluster worker reaches the job as it was raised.
"""

from __future__ import annotations

import re
from pathlib import Path


class PipelineError(Exception):
    """Base: something the user can act on, reported as `error: <file>: <reason>`."""

    def __init__(self, file: str | Path | None, reason: str) -> None:
        self.file = one_line(str(file)) if file is not None else None
        self.reason = one_line(reason)
        super().__init__(self.message())

    def message(self) -> str:
        return f"{self.file}: {self.reason}" if self.file else self.reason

    def __reduce__(self):
        return _rebuild, (self.__class__, self.args, self.__dict__)


def _rebuild(cls: type[PipelineError], args: tuple, state: dict) -> PipelineError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


def one_line(text: str) -> str:
    """Control characters (a newline in a key or file name) shown escaped: one error, one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class JobError(PipelineError):
    """The job or brand file is invalid: nothing is rendered (exit 2)."""


class MediaError(PipelineError):
    """A clip that cannot be used: its video fails, the others still render."""


class TranscribeError(PipelineError):
    """Speech recognition could not run (model missing, audio unreadable)."""


class FFmpegError(PipelineError):
    """ffmpeg exited non-zero. Keeps the argv and the last stderr lines for --debug."""

    def __init__(self, file: str | Path | None, argv: list[str], stderr_tail: str) -> None:
        self.argv = argv
        self.stderr_tail = stderr_tail
        last = next((ln for ln in reversed(stderr_tail.splitlines()) if ln.strip()), "no output")
        super().__init__(file, f"ffmpeg failed: {last.strip()}")


class Stopped(PipelineError):
    """The job was cancelled (Ctrl-C, or a cancel on the cluster) while this ran."""
