"""What a render wrote: one record per output file, and who made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
    settings: dict = field(default_factory=dict)
    skipped: bool = False      # already up to date from an earlier run
    worker: Worker | None = None
