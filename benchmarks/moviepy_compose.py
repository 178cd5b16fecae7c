"""The benchmark's composition built with moviepy 2.x, as a moviepy-based tool would make it.

    python benchmarks/moviepy_compose.py JOB VIDEO TARGET CAPTIONS.srt OUT.mp4 [--brands DIR]

Intro card, the clip fitted to the frame width and centred on 1080x1920 over the kit's primary
colour (no blurred background: moviepy has no blur of its own, and a moviepy user would reach
for OpenCV or Pillow per frame, which would only make it slower), the logo top right inside the
target's safe zone while the clip plays, one caption TextClip per cue of CAPTIONS.srt with its line breaks (the SRT
sidecar the project wrote, timed to the finished video, intro included), outro card. Cards fade
in and out over 0.4 s like the project's. Encoded with libx264 at the target's own preset and
CRF (presets.py, as the project's render: veryfast CRF 16 at full size), AAC 192 kb/s at
48 kHz. No loudness normalisation (moviepy has none).

The intro, outro and logo PNGs are drawn by the project's own code (`pipeline.engine.job.draw_assets`
on the plan's assets), so both compositions show the same pictures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import imageio_ffmpeg

# moviepy reads IMAGEIO_FFMPEG_EXE (through imageio-ffmpeg) when first imported: the bundled
# ffmpeg, the same binary the project and the bare encode use.
os.environ.setdefault("IMAGEIO_FFMPEG_EXE", imageio_ffmpeg.get_ffmpeg_exe())

from moviepy import (  # noqa: E402
    CompositeVideoClip,
    ImageClip,
    TextClip,
    VideoFileClip,
    concatenate_videoclips,
    vfx,
)
from PIL import ImageColor, ImageFont  # noqa: E402

from pipeline.analysis.probe import probe  # noqa: E402
from pipeline.config.job import Job, load_job  # noqa: E402
from pipeline.config.presets import get_preset  # noqa: E402
from pipeline.edit.plan import make_plan  # noqa: E402
from pipeline.formats.srt import parse_srt  # noqa: E402
from pipeline.model.plan import EditPlan  # noqa: E402
from pipeline.render.assets import draw_assets  # noqa: E402


def plan_for(job: Job, video_name: str, target: str) -> EditPlan:
    """The project's plan without captions: card sizes, durations, fades and logo size."""
    video = next(v for v in job.videos if v.name == video_name)
    infos = {str(c.path): probe(c.path) for c in video.clips}
    return make_plan(job, video, infos, [], get_preset(target))


def card(path: Path, seconds: float, fade: float) -> ImageClip:
    return ImageClip(str(path)).with_duration(seconds).with_effects(
        [vfx.FadeIn(fade), vfx.FadeOut(fade)])


def libass_size(font: Path, size: int) -> int:
    """Pillow's font size that draws glyphs as large as libass does at `size`: libass scales
    a font so that ascent + descent make `size` pixels, Pillow so that the em does."""
    ascent, descent = ImageFont.truetype(str(font), size).getmetrics()
    return round(size * size / (ascent + descent))


def caption_clips(job: Job, srt: Path, target: str, offset: float, seconds: float) -> list:
    """One TextClip per cue with the cue's own line breaks, centred in the target's safe zone
    and standing on its bottom margin, like the project's burned-in captions."""
    preset, style = get_preset(target), job.brand.spec.captions
    safe = preset.safe
    width = preset.width - safe.left - safe.right
    font = job.brand.caption_font
    size = libass_size(font, round(style.size * preset.scale))
    clips = []
    for cue in parse_srt(srt.read_text(encoding="utf-8")):
        start, end = cue.start - offset, min(cue.end - offset, seconds)
        if end <= max(start, 0):
            continue  # a cue on a card: the project puts none there either
        text = TextClip(font=str(font), text=cue.text, font_size=size, color=style.color,
                        stroke_color="#000000", stroke_width=round(style.outline * preset.scale),
                        method="label", text_align="center")
        x, y = safe.left + max(0, width - text.w) // 2, preset.height - safe.bottom - text.h
        clips.append(text.with_start(max(start, 0)).with_end(end).with_position((x, y)))
    return clips


def compose(job: Job, video_name: str, target: str, srt: Path, work: Path):
    plan = plan_for(job, video_name, target)
    safe = get_preset(target).safe
    draw_assets(plan.assets, (), work)   # intro.png, outro.png, logo.png as the project draws
    intro, media, outro = plan.segments  # the kit has card intro and outro, one clip
    seconds = media.frames / plan.fps
    clip = VideoFileClip(media.source).subclipped(media.start, media.start + seconds)
    fitted = clip.resized(width=plan.width).with_position("center")
    logo = ImageClip(str(work / "logo.png")).with_duration(clip.duration)
    logo = logo.with_position((plan.width - logo.w - safe.right, safe.top))
    intro_s = intro.frames / plan.fps
    body = CompositeVideoClip(
        [fitted, logo, *caption_clips(job, srt, target, intro_s, clip.duration)],
        size=(plan.width, plan.height), bg_color=ImageColor.getrgb(plan.fill_color))
    return concatenate_videoclips([
        card(work / intro.source, intro_s, intro.fade), body,
        card(work / outro.source, outro.frames / plan.fps, outro.fade)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("job", type=Path)
    ap.add_argument("video")
    ap.add_argument("target")
    ap.add_argument("captions", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--brands", type=Path)
    args = ap.parse_args()
    job = load_job(args.job, args.brands)
    with tempfile.TemporaryDirectory() as tmp:
        final = compose(job, args.video, args.target, args.captions, Path(tmp))
        preset = get_preset(args.target)
        final.write_videofile(str(args.output), fps=preset.fps, codec="libx264",
                              preset=preset.x264_preset, ffmpeg_params=["-crf", str(preset.crf)],
                              audio_codec="aac",
                              audio_fps=preset.sample_rate, audio_bitrate=preset.audio_bitrate,
                              threads=2, logger=None)
        final.close()


if __name__ == "__main__":
    main()
