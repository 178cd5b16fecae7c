"""What a probe found out about a clip: frozen, asked once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    duration: float          # seconds, of the video stream where known
    width: int               # as displayed, after the rotation is applied
    height: int
    rotation: int            # degrees the player turns the coded picture (0, 90, 180, 270)
    fps: float               # average frame rate
    vfr: bool                # frame durations vary by more than a few percent
    pix_fmt: str
    hdr: str | None          # "hlg", "pq" or None
    has_audio: bool
    audio_rate: int | None
    audio_channels: int | None
    video_codec: str

    @property
    def portrait(self) -> bool:
        return self.height > self.width
