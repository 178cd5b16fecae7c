"""The edit plan: the full description of one output, versioned, round-tripping through JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from ..model.captions import Cue, Word

PLAN_VERSION = 2


@dataclass(frozen=True)
class Asset:
    """A file drawn into the work folder before rendering, under a fixed safe name."""

    name: str
    kind: str           # "card" | "logo" | "lower_third" | "ass" | "font"
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Overlay:
    """A drawn asset placed `dx`, `dy` pixels in from a corner of the frame."""
    asset: str
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"]
    dx: int
    dy: int
    start: float | None = None   # seconds in the segment or output it is applied to
    end: float | None = None


@dataclass(frozen=True)
class Segment:
    kind: str           # "card" (still image) or "media" (clip or kit video file)
    source: str         # absolute path for media, asset name for a card
    start: float        # trim start in the source, seconds
    frames: int         # exact length in output frames
    has_audio: bool
    hdr: str | None
    reframe: str        # "blur" | "crop" | "fit"
    fade: float = 0.0
    overlays: tuple[Overlay, ...] = ()


@dataclass(frozen=True)
class EditPlan:
    version: int
    video: str
    target: str
    width: int
    height: int
    fps: int
    fill_color: str
    segments: tuple[Segment, ...]
    logo: Overlay | None
    captions: str | None        # ASS asset name, when burned in
    cues: tuple[Cue, ...]       # in the output timeline (sidecars use the same)
    assets: tuple[Asset, ...]
    encoder: dict
    loudness: dict
    title: str = ""             # the video's title (on the cover)

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.segments)

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "EditPlan":
        def ov(o: dict | None) -> Overlay | None:
            return Overlay(**o) if o else None
        segs = tuple(Segment(**{**s, "overlays": tuple(Overlay(**o) for o in s["overlays"])})
                     for s in d["segments"])
        return cls(**{**d, "segments": segs, "logo": ov(d["logo"]),
                      "cues": tuple(Cue(**{**c, "words": tuple(Word(**w) for w in c.get("words", ()))})
                                    for c in d["cues"]),
                      "assets": tuple(Asset(**a) for a in d["assets"])})
