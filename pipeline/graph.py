"""Pure: `EditPlan` → ffmpeg argv. ffmpeg-python builds the one filter graph; nothing here
runs a process or touches a file.

The argv runs with the plan's work folder as current directory: generated assets are named
there by fixed, safe names, so no filter argument carries a user's path. Footage paths get a
`file:` prefix so a name such as `-clip.mov` or `a:b.mp4` is never read as an option or
protocol.
"""

from __future__ import annotations

from collections import Counter

import ffmpeg

from .plan import EditPlan, Overlay, Segment

# HDR (HLG/PQ) to BT.709 SDR: the picture is first scaled to the size it will have in the
# frame (10-bit, so no banding), turned into 16-bit RGB, and mapped through a 3D LUT of the
# float chain zscale linearise → BT.709 → mobius tone-map (made once: see lut.py). Mobius keeps
# everything up to about diffuse white linear and rolls off only the highlights, so faces and
# sky keep the brightness and saturation they had on the phone; Hable darkened an iPhone-style
# HLG picture (reference white at 75 % signal, BT.2408) by ~30 % in our test.
# https://ffmpeg.org/ffmpeg-filters.html#lut3d-1


def _tonemap(v, lut: str, mode: str, w: int, h: int):
    fit = "increase" if mode == "crop" else "decrease"
    return (v.filter("scale", w, h, force_original_aspect_ratio=fit, in_color_matrix="bt2020",
                     in_range="tv")
             .filter("format", "gbrp16le")
             .filter("lut3d", file=lut, interp="tetrahedral")
             .filter("setparams", color_primaries="bt709", color_trc="bt709", colorspace="gbr",
                     range="pc"))


def _to_709(v, w: str | int = "iw", h: str | int = "ih", **kw):
    """Scale, converting to BT.709 limited range whatever the input's matrix."""
    return v.filter("scale", w, h, out_color_matrix="bt709", out_range="tv", **kw)


def _reframe(v, mode: str, w: int, h: int, fill: str):
    if mode == "crop":
        return _to_709(v, w, h, force_original_aspect_ratio="increase").filter("crop", w, h)
    if mode == "fit":
        return (_to_709(v, w, h, force_original_aspect_ratio="decrease", force_divisible_by=2)
                .filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2", color=fill))
    # blur: the whole picture fitted over a blurred, darkened copy that fills the frame.
    # The copy is made from the already fitted picture and blurred at 1/8 size: the same
    # look for a fraction of the work, and the split carries small frames, not camera ones.
    fitted = _to_709(v, w, h, force_original_aspect_ratio="decrease", force_divisible_by=2)
    parts = fitted.split()
    fg, bg = parts[0], parts[1]
    bw, bh = max(2, w // 16 * 2), max(2, h // 16 * 2)
    bg = (bg.filter("scale", bw, bh, force_original_aspect_ratio="increase")
          .filter("crop", bw, bh).filter("boxblur", luma_radius=4, luma_power=2)
          .filter("scale", w, h).filter("eq", brightness=-0.12))
    return ffmpeg.overlay(bg, fg, x="(W-w)/2", y="(H-h)/2")


def _overlay_input(o: Overlay):
    # A single still: overlay repeats its last frame, so no looping input is needed.
    return _to_709(ffmpeg.input("file:" + o.asset).video).filter("format", "yuva420p")


def _apply_overlay(v, o: Overlay):
    kw = {"x": o.x, "y": o.y}
    if o.start is not None:
        kw["enable"] = f"between(t,{o.start:.3f},{o.end:.3f})"
    return ffmpeg.overlay(v, _overlay_input(o), **kw)


def _exact_frames(v, frames: int):
    # Pad by cloning the last frame, then cut at exactly `frames`: every segment has the
    # length the plan says, so the joins leave no gap and no duplicate frame.
    return (v.filter("tpad", stop_mode="clone", stop=2)
             .filter("trim", end_frame=frames).filter("setpts", "PTS-STARTPTS"))


def _segment_video(seg: Segment, src, plan: EditPlan):
    seconds = seg.frames / plan.fps
    if seg.kind == "card":
        # One decoded still, repeated inside the graph as frames are asked for. (A looping
        # image input decodes every frame up front; the outro's then wait in memory for the
        # whole clip: 75 RGB frames of 1080x1920 are 470 MB.)
        v = (_to_709(src).filter("format", "yuv420p")
             .filter("loop", loop=seg.frames - 1, size=1, start=0)
             .filter("setpts", f"N/({plan.fps}*TB)"))
        if seg.fade:
            v = (v.filter("fade", t="in", st=0, d=seg.fade)
                  .filter("fade", t="out", st=round(seconds - seg.fade, 3), d=seg.fade))
    else:
        v = src.filter("setpts", "PTS-STARTPTS")
        v = v.filter("fps", plan.fps)
        if seg.hdr:
            v = _tonemap(v, f"{seg.hdr}.cube", seg.reframe, plan.width, plan.height)
        v = _reframe(v, seg.reframe, plan.width, plan.height, plan.fill_color)
        v = v.filter("setsar", 1).filter("format", "yuv420p")
        for o in seg.overlays:
            v = _apply_overlay(v, o)
    return _exact_frames(v, seg.frames)


def _segment_audio(seg: Segment, src, plan: EditPlan):
    samples = round(seg.frames * plan.encoder["sample_rate"] / plan.fps)
    rate = plan.encoder["sample_rate"]
    return (src.filter("asetpts", "PTS-STARTPTS")
               .filter("aresample", rate)
               .filter("aformat", sample_fmts="fltp", sample_rates=rate, channel_layouts="stereo")
               .filter("apad").filter("atrim", end_sample=samples)
               .filter("asetpts", "PTS-STARTPTS"))


def _inputs(plan: EditPlan, need_video: bool):
    """One input per segment (trimmed at the input: fast, frame-accurate seeking), plus one
    shared silence source, split for every segment that has no sound of its own."""
    streams = []
    counts = Counter((s.source, s.start, s.frames) for s in plan.segments)
    used: dict[tuple, list] = {}
    silent = [s for s in plan.segments if not s.has_audio]
    silence = None
    if silent:
        src = ffmpeg.input(f"anullsrc=r={plan.encoder['sample_rate']}:cl=stereo", f="lavfi")
        silence = iter(src.audio.filter_multi_output("asplit", len(silent)).stream(i)
                       for i in range(len(silent))) if len(silent) > 1 else iter([src.audio])
    for seg in plan.segments:
        key = (seg.source, seg.start, seg.frames)
        if key not in used:
            used[key] = _open(seg, plan, counts[key])
        v_iter, a_iter = used[key]
        v = next(v_iter) if need_video else None
        a = next(a_iter) if seg.has_audio else next(silence)
        streams.append((seg, v, a))
    return streams


def _open(seg: Segment, plan: EditPlan, uses: int):
    seconds = seg.frames / plan.fps
    if seg.kind == "card":
        inp = ffmpeg.input("file:" + seg.source)
    else:
        # A few frames of slack past the end; _exact_frames cuts to the exact length.
        inp = ffmpeg.input("file:" + seg.source, ss=f"{seg.start:.3f}",
                           t=f"{seconds + 3 / plan.fps:.3f}")
    if uses == 1:
        return iter([inp.video]), iter([inp.audio])
    vs = inp.video.split()
    as_ = inp.audio.filter_multi_output("asplit", uses)
    return iter(vs.stream(i) for i in range(uses)), iter(as_.stream(i) for i in range(uses))


def _audio_mix(plan: EditPlan, streams):
    parts = [_segment_audio(seg, a, plan) for seg, _, a in streams]
    if len(parts) == 1:
        return parts[0]
    return ffmpeg.concat(*parts, v=0, a=1).node[0]


def _loudnorm(a, plan: EditPlan, measured: dict | None):
    ln = plan.loudness
    if measured is None:
        return a.filter("loudnorm", i=ln["i"], tp=ln["tp"], lra=ln["lra"], print_format="json")
    if measured["input_i"] < -70:
        return a  # silence: nothing to normalise (loudnorm would amplify noise to -14 LUFS)
    return a.filter(
        "loudnorm", i=ln["i"], tp=ln["tp"], lra=ln["lra"],
        measured_i=measured["input_i"], measured_tp=measured["input_tp"],
        measured_lra=measured["input_lra"], measured_thresh=measured["input_thresh"],
        offset=measured["target_offset"], linear="true", print_format="summary",
    ).filter("aresample", plan.encoder["sample_rate"])  # loudnorm works at 192 kHz


_GLOBAL = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"]


def measure_argv(plan: EditPlan) -> list[str]:
    """Pass 1 of loudnorm: the finished audio mix only, measured, nothing written.

    Runs with `-loglevel info` because loudnorm prints its JSON at that level.
    """
    streams = _inputs(plan, need_video=False)
    a = _loudnorm(_audio_mix(plan, streams), plan, None)
    out = ffmpeg.output(a, "-", f="null")
    return ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *out.get_args()]


def render_argv(plan: EditPlan, measured: dict | None, output: str) -> list[str]:
    """The one ffmpeg command that renders `plan` to `output` (a path in the output folder)."""
    streams = _inputs(plan, need_video=True)
    videos = [_segment_video(seg, v, plan) for seg, v, _ in streams]
    v = videos[0] if len(videos) == 1 else ffmpeg.concat(*videos, v=1, a=0).node[0]
    if plan.logo:
        v = _apply_overlay(v, plan.logo)
    if plan.captions:
        v = v.filter("ass", plan.captions, fontsdir="fonts")
    v = (v.filter("format", "yuv420p")
          .filter("setparams", color_primaries="bt709", color_trc="bt709", colorspace="bt709",
                  range="tv"))
    a = _loudnorm(_audio_mix(plan, streams), plan, measured)
    enc = plan.encoder
    out = ffmpeg.output(
        v, a, "file:" + output, format="mp4",
        **{"c:v": "libx264", "preset": enc["preset"], "crf": enc["crf"], "profile:v": "high",
           "pix_fmt": "yuv420p", "color_primaries": "bt709", "color_trc": "bt709",
           "colorspace": "bt709", "color_range": "tv", "fps_mode": "cfr", "r": plan.fps,
           "c:a": "aac", "b:a": enc["audio_bitrate"], "ar": enc["sample_rate"], "ac": 2,
           "movflags": "+faststart", "map_metadata": -1, "map_chapters": -1,
           # No encoder/creation tags beyond what playback needs (privacy by default).
           "fflags": "+bitexact", "write_tmcd": 0})
    # Global options go first: ffmpeg ignores options after the last output file.
    return [*_GLOBAL, "-y", "-progress", "pipe:1", *out.get_args()]

