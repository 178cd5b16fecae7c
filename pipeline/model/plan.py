"""The edit plan: the full description of one output, versioned, round-tripping through JSON.

Every generated file is a typed asset (one record per kind, told apart by `kind`), every
segment has its role in the video, and the encoder and loudness settings are records too, so
the render stage reads fields, never keys.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from ..model.captions import AssStyle, Cue

PLAN_VERSION = 6


def input_seconds(frames: int, fps: int) -> float:
    """How much of a source the render reads for `frames` output frames: a few frames of
    slack past the end (the graph cuts to the exact length)."""
    return round(frames / fps + 3 / fps, 3)


@dataclass(frozen=True)
class SafeZone:
    """Margins in pixels of the target frame that the platform UI may cover."""

    top: int
    bottom: int
    left: int
    right: int


# --- assets: files drawn into the work folder before rendering, under fixed safe names -------


@dataclass(frozen=True)
class CardAsset:
    """An intro or outro card: title, subtitle and logo on the kit's colour."""
    name: str
    title: str
    subtitle: str | None
    size: tuple[int, int]
    background: str
    text_color: str
    accent: str
    font: str
    logo: str | None
    safe: SafeZone
    kind: Literal["card"] = "card"

    def reads(self) -> tuple[str, ...]:
        return tuple(f for f in (self.font, self.logo) if f)


@dataclass(frozen=True)
class LogoAsset:
    """The kit's logo scaled to `width` pixels at `opacity`."""
    name: str
    src: str
    width: int
    opacity: float
    kind: Literal["logo"] = "logo"

    def reads(self) -> tuple[str, ...]:
        return (self.src,)


@dataclass(frozen=True)
class LowerThirdAsset:
    """A speaker's name and role on a plate."""
    name: str
    width: int
    person: str
    role: str | None
    font: str
    background: str
    accent: str
    text_color: str
    kind: Literal["lower_third"] = "lower_third"

    def reads(self) -> tuple[str, ...]:
        return (self.font,)


@dataclass(frozen=True)
class FontAsset:
    """The caption font copied beside the ASS script, where libass looks for it."""
    name: str
    src: str
    kind: Literal["font"] = "font"

    def reads(self) -> tuple[str, ...]:
        return (self.src,)


@dataclass(frozen=True)
class LutAsset:
    """The tone-mapping LUT for one HDR transfer."""
    name: str
    transfer: str
    kind: Literal["lut"] = "lut"

    def reads(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class StabAsset:
    """vid.stab's first pass over a clip's trimmed part: the camera motion to take out."""
    name: str
    source: str
    start: float
    seconds: float        # how much of the source the render reads (its slack included)
    kind: Literal["stab"] = "stab"

    def reads(self) -> tuple[str, ...]:
        return (self.source,)


@dataclass(frozen=True)
class AssAsset:
    """The burned-in captions as an ASS script, drawn from the plan's cues."""
    name: str
    style: AssStyle
    kind: Literal["ass"] = "ass"

    def reads(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class MaskAsset:
    """Where a clip's faces are blurred: a grey video, white over each face, one frame per
    output frame of the segment, drawn from each track's keyframes (t, x, y, w, h: seconds
    in the segment, fractions of the frame)."""
    name: str
    size: tuple[int, int]
    fps: int
    frames: int
    tracks: tuple[tuple[tuple[float, float, float, float, float], ...], ...]
    kind: Literal["mask"] = "mask"

    def reads(self) -> tuple[str, ...]:
        return ()


Asset = Annotated[Union[CardAsset, LogoAsset, LowerThirdAsset, FontAsset, LutAsset, StabAsset,
                        AssAsset, MaskAsset], Field(discriminator="kind")]


# --- the picture and the sound --------------------------------------------------------------


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
class FaceBlur:
    """Faces blurred in a clip before anything else is done to it (so every target has it)."""
    mask: str               # the MaskAsset
    width: int              # the clip's frame as decoded (rotation applied)
    height: int
    tracks: int             # how many face tracks the mask covers


@dataclass(frozen=True)
class Segment:
    role: Literal["intro", "clip", "outro"]
    kind: Literal["card", "media"]  # a still image, or a clip or kit video file
    source: str         # absolute path for media, asset name for a card
    start: float        # trim start in the source, seconds
    frames: int         # exact length in output frames
    has_audio: bool
    hdr: str | None
    reframe: Literal["blur", "crop", "fit", "follow"]
    fade: float = 0.0
    overlays: tuple[Overlay, ...] = ()
    stabilize: str | None = None   # the StabAsset with the camera motion to take out
    blur: FaceBlur | None = None
    # `follow`: the crop's centre (seconds in the segment, fraction of the width) keyframes
    follow: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Encoder:
    x264_preset: str
    crf: int
    audio_bitrate: str
    sample_rate: int


@dataclass(frozen=True)
class Loudness:
    i: float            # integrated loudness, LUFS
    tp: float           # true peak, dBTP
    lra: float          # loudness range, LU


@dataclass(frozen=True)
class Music:
    """Background music under the whole video, looped or cut, faded, ducked under speech."""
    file: str           # absolute path
    volume: float       # linear gain before ducking (0-1)
    fade: float         # seconds of fade in and out


@dataclass(frozen=True)
class LoudnessScan:
    """What loudnorm's first pass measured on a video's sound mix."""
    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


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
    encoder: Encoder
    loudness: Loudness
    safe: SafeZone              # the target's UI margins (the cover is drawn inside them)
    caption_block: int          # pixels the captions may take above the bottom margin
    title: str = ""             # the video's title (on the cover)
    music: Music | None = None

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.segments)

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def reads(self) -> tuple[str, ...]:
        """Every file the render reads: media segments and the assets' sources."""
        return tuple(sorted({s.source for s in self.segments if s.kind == "media"}
                            | {f for a in self.assets for f in a.reads()}
                            | ({self.music.file} if self.music else set())))

    def to_json(self) -> dict:
        return _adapter().dump_python(self, mode="json")

    @classmethod
    def from_json(cls, d: dict) -> EditPlan:
        return _adapter().validate_python(d)



@functools.cache
def _adapter() -> TypeAdapter[EditPlan]:
    """Pydantic's JSON round trip for the dataclasses (made on first use, not at import)."""
    return TypeAdapter(EditPlan)
