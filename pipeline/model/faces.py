"""Faces: what the detector saw in a clip, the tracks made of it, and the job's choices."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import TypeAdapter

FaceMode = Literal["off", "blur", "blur-bystanders"]


@dataclass(frozen=True)
class Box:
    """A rectangle as fractions of the frame (0..1), so any frame size can use it."""
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def area(self) -> float:
        return self.w * self.h


@dataclass(frozen=True)
class Detection:
    t: float            # seconds in the clip's own timeline
    box: Box
    score: int          # the detector's confidence, 0-100


@dataclass(frozen=True)
class FaceScan:
    """Every face the detector found in a clip's sampled frames, and where the shot changes."""
    source: str
    start: float                      # the part scanned, seconds in the clip
    end: float
    step: float                       # seconds between sampled frames
    samples: int
    faces: tuple[Detection, ...]
    cuts: tuple[float, ...]           # the first sampled time of each new shot
    detector: str                     # package and version, for the cache and the manifest


@dataclass(frozen=True)
class Track:
    """One face followed from sample to sample; `main` marks the speaker."""
    points: tuple[Detection, ...]
    main: bool = False

    @property
    def start(self) -> float:
        return self.points[0].t

    @property
    def end(self) -> float:
        return self.points[-1].t


@dataclass(frozen=True)
class SpeakerHint:
    """The job names the speaker: the face at `x`, `y` (fractions) `at` seconds in the clip."""
    at: float
    x: float
    y: float


def lerp(keys: Sequence[tuple[float, ...]], t: float) -> tuple[float, ...] | None:
    """The values of keyframes `(t, v1, v2, ...)` at `t`, linear in between; None outside."""
    if not keys or t < keys[0][0] or t > keys[-1][0]:
        return None
    for a, b in zip(keys, keys[1:]):
        if a[0] <= t <= b[0]:
            f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0.0
            return tuple(va + (vb - va) * f for va, vb in zip(a[1:], b[1:]))
    return tuple(keys[-1][1:])


@functools.cache
def scan_adapter() -> TypeAdapter[FaceScan]:
    return TypeAdapter(FaceScan)
