"""Export targets: frame size, frame rate, encoder settings, loudness and UI safe zones.

Safe zones are where the platform's own interface (buttons, captions, account name) covers
the video. Captions, logo and lower thirds must stay inside them to be readable.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..model.errors import JobError
from ..model.plan import SafeZone


@dataclass(frozen=True)
class Limit:
    """One platform's upload limits for a file (None: none worth a warning)."""
    name: str
    max_seconds: float | None = None
    max_bytes: int | None = None


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    safe: SafeZone
    fps: int = 30
    # VMAF within 0.05 of medium/20 for ~0.55x the render CPU (benchmarks/README.md, issue 16)
    x264_preset: str = "veryfast"
    crf: int = 16
    audio_bitrate: str = "192k"
    sample_rate: int = 48000
    lufs: float = -14.0
    true_peak: float = -1.0
    lra: float = 11.0
    max_seconds: float | None = None
    max_bytes: int | None = None   # the platform's upload limit for one file
    label: str = ""                # the platform's name as the gallery page shows it
    base: str | None = None        # the built-in target a scaled copy was made from
    also: tuple[Limit, ...] = ()   # further platforms the same file is for, with their limits

    @property
    def scale(self) -> float:
        """Size relative to the 1080-pixel design the brand kit's pixel values refer to: the
        shorter side, so captions on 1920x1080 are as large as on 1080x1920."""
        return min(self.width, self.height) / 1080

    def limits(self) -> tuple[Limit, ...]:
        """Every platform this target is for, the main one first."""
        return (Limit(self.label or self.name, self.max_seconds, self.max_bytes), *self.also)


# Upload limits, as publishing tools' documentation reported them in November 2026 (the
# platforms change them and publish no single reference page, so they are data here):
# - Reels: 3 minutes since Instagram lengthened Reels in January 2025; 4 GB per video file
#   in the app (the Graph API for scheduled publishing allows less: 1 GB).
# - TikTok: 10 minutes for uploaded videos; TikTok publishes no single file-size limit, the
#   commonly reported app upload limit is 287.6 MB on iOS (web and API uploads take up to 4 GB),
#   so we warn above 287 MB, where an upload from a phone may be refused.

# Platform UI overlays, measured on 1080x1920. Beyond what each platform covers we keep a
# small edge margin (4 % of the width) so nothing touches the screen edge on rounded phones.
_EDGE = 43

REELS = Preset(
    name="reels", width=1080, height=1920, max_seconds=180.0, max_bytes=4_000_000_000,
    label="Instagram Reels",
    safe=SafeZone(top=round(0.14 * 1920), bottom=round(0.35 * 1920),
                  left=round(0.06 * 1080), right=round(0.06 * 1080)),
)
TIKTOK = Preset(
    name="tiktok", width=1080, height=1920, max_seconds=600.0, max_bytes=287_000_000,
    label="TikTok",
    safe=SafeZone(top=250, bottom=420, left=_EDGE, right=170),
)
# - YouTube Shorts: 3 minutes since October 2024, 256 GB; title, channel and subscribe button
#   over the bottom quarter, the like/comment/share column on the right.
SHORTS = Preset(
    name="shorts", width=1080, height=1920, max_seconds=180.0, max_bytes=256_000_000_000,
    label="YouTube Shorts",
    safe=SafeZone(top=240, bottom=480, left=_EDGE, right=190),
)
# - Feeds (4:5 and 1:1): Instagram's feed takes 60 minutes and 4 GB from the app, Facebook 240
#   minutes and 10 GB, LinkedIn 10 minutes from the app and 5 GB. Feeds lay no buttons over
#   the video; Instagram's profile grid shows a 3:4 middle cut, so the sides keep 5 %.
_FEEDS = (Limit("Facebook", 14_400.0, 10_000_000_000), Limit("LinkedIn", 600.0, 5_000_000_000))
FEED = Preset(
    name="feed", width=1080, height=1350, max_seconds=3_600.0, max_bytes=4_000_000_000,
    label="Instagram-Feed", also=_FEEDS,
    safe=SafeZone(top=68, bottom=68, left=54, right=54),
)
SQUARE = Preset(
    name="square", width=1080, height=1080, max_seconds=3_600.0, max_bytes=4_000_000_000,
    label="Instagram-Feed (quadratisch)", also=_FEEDS,
    safe=SafeZone(top=54, bottom=54, left=54, right=54),
)
# - Landscape: the authority's website (its own player shows the SRT/VTT), YouTube (12 hours,
#   256 GB; the player's controls over the bottom tenth), Mastodon (99 MB on mastodon.social
#   since 4.x; instances set their own) and X (2:20 min and 512 MB without a subscription).
LANDSCAPE = Preset(
    name="landscape", width=1920, height=1080, label="Website",
    also=(Limit("YouTube", 43_200.0, 256_000_000_000), Limit("Mastodon", None, 99_000_000),
          Limit("X", 140.0, 512_000_000)),
    safe=SafeZone(top=54, bottom=108, left=96, right=96),
)


def scaled(base: Preset, width: int, name: str, label: str) -> Preset:
    """A scaled copy of a target: the same layout in fewer pixels, x264 `veryfast` CRF 20."""
    f = width / base.width
    s = base.safe
    height = round(base.height * f / 2) * 2
    return Preset(
        name=name, width=width, height=height, x264_preset="veryfast", crf=20,
        max_seconds=base.max_seconds, max_bytes=base.max_bytes, label=label, base=base.name,
        also=base.also,
        safe=SafeZone(*(round(v * f) for v in (s.top, s.bottom, s.left, s.right))),
    )


_FULL = (TIKTOK, REELS, SHORTS, FEED, SQUARE, LANDSCAPE)
BUILT_IN: dict[str, Preset] = {
    **{p.name: p for p in _FULL},
    **{f"{p.name}-fast": scaled(p, p.width // 2, f"{p.name}-fast", f"{p.label} (Vorschau)")
       for p in _FULL}}


class _Scaled(BaseModel):
    model_config = ConfigDict(extra="forbid")
    like: str
    width: int = Field(ge=64, le=1920, multiple_of=2)


def all_presets() -> dict[str, Preset]:
    """The built-in targets, and the scaled ones a YAML file named by PIPELINE_PRESETS adds
    (`name: {like: tiktok, width: 216}`: the tests' small targets, a website's own size)."""
    extra = os.environ.get("PIPELINE_PRESETS")
    return {**BUILT_IN, **(_load(Path(extra)) if extra else {})}


@functools.cache
def _load(path: Path) -> dict[str, Preset]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        specs = {str(k): _Scaled.model_validate(v) for k, v in data.items()}
    except (OSError, yaml.YAMLError, ValidationError, AttributeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise JobError(path, f"PIPELINE_PRESETS: cannot read the presets file ({reason})") \
            from None
    for name, spec in specs.items():
        if spec.like not in BUILT_IN:
            raise JobError(path, f"{name}: like '{spec.like}' is not a built-in target "
                                 f"({', '.join(BUILT_IN)})")
    return {name: scaled(BUILT_IN[spec.like], spec.width, name,
                         f"{BUILT_IN[spec.like].label} ({spec.width} px)")
            for name, spec in specs.items()}


def fast(name: str) -> str:
    """The quick-look variant of a target (`--fast`): 540x960, x264 veryfast CRF 20."""
    base = all_presets()[name].base or name
    return f"{base}-fast" if f"{base}-fast" in BUILT_IN else name


def get_preset(name: str) -> Preset:
    """Look up a target by name; callers validate names first, so KeyError is a bug."""
    return all_presets()[name]
