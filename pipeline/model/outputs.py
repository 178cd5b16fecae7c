"""What a render wrote: one record per output file, and who made it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .manifest import CoverPick, RenderSettings


@dataclass(frozen=True)
class Worker:
    """The process that ran a unit of work: this one, a thread of it, or a cluster worker."""
    host: str
    pid: int
    seconds: float = 0.0      # how long its unit took, all its outputs together

    def to_json(self) -> dict:
        return {"host": self.host, "pid": self.pid, "seconds": self.seconds}


@dataclass(frozen=True)
class Output:
    video: str
    target: str
    path: Path
    duration: float
    size: int
    settings: RenderSettings | None = None   # None for an output made by an older program
    cover: CoverPick | None = None
    skipped: bool = False      # already up to date from an earlier run
    same_as: str | None = None  # the file this one is the same as (encoded once, linked)
    worker: Worker | None = None
