"""Pure: (Job, MediaInfo, cues, target) → `EditPlan`, the full description of one output.

The plan is what gets rendered; it is versioned and round-trips through JSON, so a render can
be explained and compared later. Layout lives here: safe zones, logo corner, lower thirds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

from ..config.brand import BrandKit
from ..config.job import Clip, Job, Video
from ..config.presets import Preset, get_preset
from ..edit.cues import place
from ..edit.faces import blur_keys, to_blur, tracks
from ..edit.reframe import follow_path
from ..model.captions import AssStyle, Cue, Word
from ..model.errors import MediaError
from ..model.faces import FaceScan, Track
from ..model.media import MediaInfo
from ..model.plan import (
    PLAN_VERSION,
    AssAsset,
    Asset,
    CardAsset,
    EditPlan,
    Encoder,
    FaceBlur,
    FontAsset,
    LogoAsset,
    Loudness,
    LowerThirdAsset,
    LutAsset,
    MaskAsset,
    Overlay,
    SafeZone,
    Segment,
    StabAsset,
    input_seconds,
)

CARD_FADE = 0.4          # seconds of fade in and out on generated cards
ASPECT_TOLERANCE = 0.02  # within 2 % of 9:16 a clip is scaled to fill, never letterboxed
LOWER_THIRD_DELAY = 0.3  # let the viewer see the speaker before the name appears


MIN_CLIP_SECONDS = 1.0


def clip_range(clip: Clip, info: MediaInfo) -> tuple[float, float]:
    """The trimmed [start, end) of a clip, checked against its real length."""
    if info.duration < MIN_CLIP_SECONDS:
        raise MediaError(clip.path, f"clip is only {info.duration:.2f} s long; clips must be at "
                                    f"least {MIN_CLIP_SECONDS:g} s (was the recording cut short?)")
    end = info.duration if clip.end is None else clip.end
    if clip.start >= info.duration:
        raise MediaError(clip.path, f"start {clip.start:g} s lies beyond the clip's end "
                                    f"({info.duration:.2f} s); fix `start` in the job file")
    if end > info.duration + 0.05:
        raise MediaError(clip.path, f"end {end:g} s lies beyond the clip's end "
                                    f"({info.duration:.2f} s); fix `end` in the job file")
    if min(end, info.duration) - clip.start < MIN_CLIP_SECONDS:
        raise MediaError(clip.path, f"trim {clip.start:g}-{end:g} s keeps less than "
                                    f"{MIN_CLIP_SECONDS:g} s; fix `start`/`end` in the job file")
    return clip.start, min(end, info.duration)


BREATH = 0.3   # seconds kept before the first and after the last word of an auto-trimmed clip


def speech_range(words: list[Word], start: float, end: float) -> tuple[float, float]:
    """`trim: auto`: the part of [start, end) from just before the first word to just after
    the last one (words in the clip's own timeline); all of it when nothing was said or the
    speech is shorter than a clip may be."""
    if not words:
        return start, end
    s = max(start, words[0].start - BREATH)
    e = min(end, words[-1].end + BREATH)
    return (s, e) if e - s >= MIN_CLIP_SECONDS else (start, end)


def frames_for(seconds: float, fps: int) -> int:
    # Round down (with a little slack for float error) so a segment never asks for frames the
    # source does not have.
    return max(1, math.floor(seconds * fps + 1e-6))


def make_plan(job: Job, video: Video, infos: dict[str, MediaInfo], body_cues: list[Cue],
              preset: Preset, faces: Mapping[str, FaceScan] | None = None) -> EditPlan:
    """Everything one output needs, computed without touching a file.

    `infos` maps str(path) → MediaInfo for every clip and kit video file; `body_cues` are the
    video's captions timed from the first frame of its first clip (intro not included);
    `faces` maps str(path) → the faces found in each clip that was scanned.
    """
    preset = layout_preset(job, preset)
    kit = job.brand
    assets: list[Asset] = []
    segments: list[Segment] = []
    intro = _bumper(kit, "intro", preset, infos, assets)
    if intro:
        segments.append(intro)
    clip_start_frame = sum(s.frames for s in segments)
    for i, clip in enumerate(video.clips):
        info = infos[str(clip.path)]
        start, end = clip_range(clip, info)
        frames = frames_for(end - start, preset.fps)
        overlays = _lower_third(clip, i, kit, preset, frames, assets)
        stab = _stabilize(clip, i, start, frames, preset.fps, assets)
        scan = (faces or {}).get(str(clip.path))
        found = tracks(scan, clip.speaker) if scan else ()
        mode = _reframe(job.reframe, info, preset)
        follow = (_follow(scan, found, start, frames, info, preset) if mode == "follow" else ())
        segments.append(Segment("clip", "media", str(clip.path), start, frames, info.has_audio,
                                info.hdr, mode, overlays=overlays, stabilize=stab,
                                blur=_blur(clip, i, start, frames, preset.fps, info, found,
                                           assets),
                                follow=follow))
        _need_lut(info, assets)
    clip_end_frame = sum(s.frames for s in segments)
    cues = place(body_cues, 0.0, (clip_end_frame - clip_start_frame) / preset.fps,
                 clip_start_frame / preset.fps)
    outro = _bumper(kit, "outro", preset, infos, assets)
    if outro:
        segments.append(outro)
    logo = _logo(kit, preset, clip_start_frame / preset.fps, clip_end_frame / preset.fps, assets)
    captions = None
    if job.burns_in(preset.name, preset.base) and cues:
        captions = "captions.ass"
        assets.append(FontAsset("font" + kit.caption_font.suffix.lower(), str(kit.caption_font)))
        assets.append(AssAsset(captions, _ass_style(job, preset)))
    return EditPlan(
        version=PLAN_VERSION, video=video.name, target=preset.name, width=preset.width,
        height=preset.height, fps=preset.fps, fill_color=kit.spec.colors.primary,
        segments=tuple(segments), logo=logo, captions=captions, cues=tuple(cues),
        assets=tuple(assets),
        encoder=Encoder(preset.x264_preset, preset.crf, preset.audio_bitrate, preset.sample_rate),
        loudness=Loudness(preset.lufs, preset.true_peak, preset.lra),
        safe=preset.safe, caption_block=caption_block_height(kit, preset), title=video.title,
        music=job.music,
    )


def _portrait(p: Preset) -> bool:
    return abs(p.width / p.height - 9 / 16) < 0.01


def layout_preset(job: Job, preset: Preset) -> Preset:
    """The target as the kit's layout places things on it. `shared`: a 9:16 target's safe
    zone is the intersection of the zones of all the job's 9:16 targets, so TikTok, Reels and
    Shorts files come out the same and are encoded once."""
    if job.brand.spec.layout != "shared" or not _portrait(preset):
        return preset
    bases = [get_preset(p.base) if p.base else p for p in map(get_preset, job.targets)]
    zones = [b.safe for b in bases if _portrait(b)]
    if not zones:
        return preset
    f = preset.width / 1080  # the built-in 9:16 targets are 1080 wide
    return replace(preset, safe=SafeZone(*(round(max(getattr(z, side) for z in zones) * f)
                                           for side in ("top", "bottom", "left", "right"))))


def _reframe(mode: str, info: MediaInfo, preset: Preset) -> str:
    # A clip already (almost) in the target's shape fills the frame whatever the mode:
    # blurred or coloured bars a few pixels wide would only look like a mistake.
    target = preset.width / preset.height
    if abs(info.width / info.height - target) / target <= ASPECT_TOLERANCE:
        return "crop"
    if mode == "follow" and info.width / info.height < target:
        return "blur"  # follow pans across a clip wider than the target; a taller one is fitted
    return mode


def _follow(scan: FaceScan | None, found: tuple[Track, ...], start: float, frames: int,
            info: MediaInfo, preset: Preset) -> tuple[tuple[float, float], ...]:
    """The crop's path across the clip; the centre when it was not scanned for faces."""
    if scan is None:
        return ((0.0, 0.5),)
    window = (preset.width / preset.height) / (info.width / info.height)
    return follow_path(scan, found, start, start + frames / preset.fps, window)


MASK_SCALE = 4   # the face mask is drawn at a quarter of the clip's size and scaled up soft


def _blur(clip: Clip, index: int, start: float, frames: int, fps: int, info: MediaInfo,
          found: tuple[Track, ...], assets: list[Asset]) -> FaceBlur | None:
    """The faces to blur in a clip's part, as a mask asset; None when there are none."""
    keys = [k for k in (blur_keys(t, start, start + frames / fps)
                        for t in to_blur(found, clip.faces)) if k]
    if not keys:
        return None
    name = f"faces_{index}.mkv"
    size = (max(2, info.width // MASK_SCALE // 2 * 2), max(2, info.height // MASK_SCALE // 2 * 2))
    assets.append(MaskAsset(name, size, fps, frames, tuple(keys)))
    return FaceBlur(name, info.width, info.height, len(keys))


def _stabilize(clip: Clip, index: int, start: float, frames: int, fps: int,
               assets: list[Asset]) -> str | None:
    """A clip marked `stabilize: true` gets vid.stab's first pass as an asset."""
    if not clip.stabilize:
        return None
    name = f"stab_{index}.trf"
    assets.append(StabAsset(name, str(clip.path), start, input_seconds(frames, fps)))
    return name


def _need_lut(info: MediaInfo, assets: list[Asset]) -> None:
    """An HDR source needs its tone-mapping LUT in the work folder (once per transfer)."""
    if info.hdr and not any(a.name == f"{info.hdr}.cube" for a in assets):
        assets.append(LutAsset(f"{info.hdr}.cube", info.hdr))


def _bumper(kit: BrandKit, which: Literal["intro", "outro"], preset: Preset, infos: dict[str, MediaInfo],
            assets: list[Asset]) -> Segment | None:
    spec = getattr(kit.spec, which)
    if spec is None:
        return None
    if spec.file is not None:
        path = kit.intro_file if which == "intro" else kit.outro_file
        info = infos[str(path)]
        _need_lut(info, assets)
        return Segment(which, "media", str(path), 0.0, frames_for(info.duration, preset.fps),
                       info.has_audio, info.hdr, _reframe("fit", info, preset))
    card = spec.card
    name = f"{which}.png"
    c = kit.spec.colors
    assets.append(CardAsset(name, card.title, card.subtitle, (preset.width, preset.height),
                            c.primary, c.text, c.accent, str(kit.title_font),
                            str(kit.logo) if kit.logo else None, preset.safe))
    frames = frames_for(card.seconds, preset.fps)
    return Segment(which, "card", name, 0.0, frames, False, None, "crop",
                   fade=min(CARD_FADE, frames / preset.fps / 4))


def _logo(kit: BrandKit, preset: Preset, start: float, end: float,
          assets: list[Asset]) -> Overlay | None:
    if kit.logo is None:
        return None
    spec = kit.spec.logo
    s = preset.safe
    width = max(2, round(spec.width * min(preset.width, preset.height)))  # of the portrait width
    assets.append(LogoAsset("logo.png", str(kit.logo), width, spec.opacity))
    vertical, horizontal = spec.position.split("-")
    return Overlay("logo.png", spec.position, s.left if horizontal == "left" else s.right,
                   s.top if vertical == "top" else s.bottom, start, end)


def caption_block_height(kit: BrandKit, preset: Preset) -> int:
    """Pixels the burned-in captions may take above the bottom safe margin."""
    st = kit.spec.captions
    return round((st.size * 1.25 * st.limit("max_lines") + 2 * st.outline) * preset.scale)


def _lower_third(clip: Clip, index: int, kit: BrandKit, preset: Preset, frames: int,
                 assets: list[Asset]) -> tuple[Overlay, ...]:
    lt = clip.lower_third
    if lt is None:
        return ()
    s = preset.safe
    name = f"lower_third_{index}.png"
    width = round((min(preset.width, preset.height) - s.left - s.right) * 0.85)
    c = kit.spec.colors
    assets.append(LowerThirdAsset(name, width, lt.name, lt.role, str(kit.title_font),
                                  c.primary, c.accent, c.text))
    lift = s.bottom + caption_block_height(kit, preset) + round(0.02 * preset.height)
    end = min(LOWER_THIRD_DELAY + lt.seconds, frames / preset.fps)
    return (Overlay(name, "bottom-left", s.left, lift, LOWER_THIRD_DELAY, end),)


def _ass_style(job: Job, preset: Preset) -> AssStyle:
    kit = job.brand
    st = kit.spec.captions
    family, bold = kit.caption_face
    s = preset.safe
    return AssStyle(
        width=preset.width, height=preset.height, font=family, bold=bold,
        size=round(st.size * preset.scale), color=st.color, outline_color="#000000",
        outline=round(st.outline * preset.scale, 1), box=st.box,
        margin_l=s.left, margin_r=s.right, margin_v=s.bottom,
        highlight=st.highlight, words=job.caption_style_name == "word",
    )
