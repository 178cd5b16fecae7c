"""Pure: `EditPlan` → ffmpeg argv. ffmpeg-python builds the one filter graph; nothing here
runs a process or touches a file.

The argv runs with the plan's work folder as current directory: generated assets are named
there by fixed, safe names, so no filter argument carries a user's path. Footage paths get a
`file:` prefix so a name such as `-clip.mov` or `a:b.mp4` is never read as an option or
protocol.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import ffmpeg

from ..edit.reframe import crop_x
from ..model.plan import (
    EditPlan,
    FaceBlur,
    Loudness,
    LoudnessScan,
    Overlay,
    Segment,
    input_seconds,
)
from ..system.ffmpeg_tool import QUIET, path_arg

# The blurred fill behind a landscape clip is refreshed when it has visibly changed, and at
# least every FILL_HOLD + 1 frames (see _reframe). FILL_HI / FILL_LO are mpdecimate's
# thresholds: the summed difference of an 8x8 block of the 1/8-size fill, here 4 and 2 levels
# per pixel on average (its defaults are 12 and 5: a slow drift then stepped 2 levels at once).
FILL_HI, FILL_LO, FILL_HOLD = 64 * 4, 64 * 2, 14

# HDR (HLG/PQ) to BT.709 SDR: the picture is first scaled to the size it will have in the
# frame (10-bit, so no banding), turned into 16-bit RGB, and mapped through a 3D LUT of the
# float chain zscale linearise → BT.709 → mobius tone-map (made once: see lut.py). Mobius keeps
# everything up to about diffuse white linear and rolls off only the highlights, so faces and
# sky keep the brightness and saturation they had on the phone; Hable darkened an iPhone-style
# HLG picture (reference white at 75 % signal, BT.2408) by ~30 % in our test.
# https://ffmpeg.org/ffmpeg-filters.html#lut3d-1


def _tonemap(v, lut: str, mode: str, w: int, h: int):
    fit = "increase" if mode in ("crop", "follow") else "decrease"
    return (v.filter("scale", w, h, force_original_aspect_ratio=fit, in_color_matrix="bt2020",
                     in_range="tv")
             .filter("format", "gbrp16le")
             .filter("lut3d", file=lut, interp="tetrahedral")
             .filter("setparams", color_primaries="bt709", color_trc="bt709", colorspace="gbr",
                     range="pc"))


def _to_709(v, w: str | int = "iw", h: str | int = "ih", **kw):
    """Scale, converting to BT.709 limited range whatever the input's matrix."""
    return v.filter("scale", w, h, out_color_matrix="bt709", out_range="tv", **kw)


def _reframe(v, mode: str, w: int, h: int, fill: str, fps: int,
             follow: tuple[tuple[float, float], ...] = ()):
    if mode == "crop":
        return _to_709(v, w, h, force_original_aspect_ratio="increase").filter("crop", w, h)
    if mode == "follow":  # the crop's x moves along the speaker's path, per frame
        return (_to_709(v, w, h, force_original_aspect_ratio="increase")
                .filter("crop", w, h, x=crop_x(follow), y="(ih-oh)/2"))
    if mode == "fit":
        return (_to_709(v, w, h, force_original_aspect_ratio="decrease", force_divisible_by=2)
                .filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2", color=fill))
    # blur: the whole picture fitted over a blurred, darkened copy that fills the frame.
    # The copy is made from the already fitted picture and blurred at 1/8 size: the same
    # look for a fraction of the work, and the split carries small frames, not camera ones.
    # A new fill is let through only when it differs visibly from the last one (mpdecimate)
    # and the last is repeated in between, so x264 codes a still background as unchanged
    # blocks, while on a pan or a moving subject the fill moves every frame (a fixed refresh
    # rate jumped on pans: CHANGELOG.md; tests/test_render_modes.py).
    # FILL_HOLD bounds how long a fill is held: while it is, the overlay queues the fitted
    # pictures waiting for the next one.
    fitted = _to_709(v, w, h, force_original_aspect_ratio="decrease", force_divisible_by=2)
    parts = fitted.split()
    fg, bg = parts[0], parts[1]
    bw, bh = max(2, w // 16 * 2), max(2, h // 16 * 2)
    bg = (bg.filter("scale", bw, bh, force_original_aspect_ratio="increase")
          .filter("crop", bw, bh).filter("boxblur", luma_radius=4, luma_power=2)
          .filter("eq", brightness=-0.12)
          .filter("mpdecimate", hi=FILL_HI, lo=FILL_LO, frac=0.33, max=FILL_HOLD)
          .filter("scale", w, h).filter("fps", fps))
    return ffmpeg.overlay(bg, fg, x="(W-w)/2", y="(H-h)/2")


def _overlay_input(o: Overlay, at: str):
    # A single still: overlay repeats its last frame, so no looping input is needed.
    return _to_709(ffmpeg.input(path_arg(_in(at, o.asset))).video).filter("format", "yuva420p")


def overlay_position(o: Overlay) -> tuple[str, str]:
    """ffmpeg overlay's x and y expressions for a placement from a corner."""
    vertical, horizontal = o.corner.split("-")
    return (str(o.dx) if horizontal == "left" else f"main_w-overlay_w-{o.dx}",
            str(o.dy) if vertical == "top" else f"main_h-overlay_h-{o.dy}")


def _apply_overlay(v, o: Overlay, at: str):
    x, y = overlay_position(o)
    kw = {"x": x, "y": y}
    if o.start is not None:
        kw["enable"] = f"between(t,{o.start:.3f},{o.end:.3f})"
    return ffmpeg.overlay(v, _overlay_input(o, at), **kw)


def _in(folder: str, name: str) -> str:
    """An asset's path relative to the work folder (the argv's current directory)."""
    return name if folder in ("", ".") else f"{folder}/{name}"


def _exact_frames(v, frames: int):
    # Pad by cloning the last frame, then cut at exactly `frames`: every segment has the
    # length the plan says, so the joins leave no gap and no duplicate frame.
    return (v.filter("tpad", stop_mode="clone", stop=2)
             .filter("trim", end_frame=frames).filter("setpts", "PTS-STARTPTS"))


class _Shared:
    """Streams that several consumers read (one decoded clip for every target, one audio mix
    for every output): made once and split, because ffmpeg reads a stream only once.

    The graph is built twice: first with `counts=None` to count the consumers of each key,
    then for real, splitting each shared stream into exactly that many."""

    def __init__(self, counts: Counter | None = None):
        self.counting = counts is None
        self.counts: Counter = Counter() if counts is None else counts
        self.made: dict = {}

    def take(self, key: tuple, make: Callable, audio: bool = False):
        if self.counting:
            self.counts[key] += 1
            if key not in self.made:
                self.made[key] = make()
            return self.made[key]
        if key not in self.made:
            s, n = make(), self.counts[key]
            if n == 1:
                self.made[key] = iter([s])
            else:
                parts = s.filter_multi_output("asplit", n) if audio else s.split()
                self.made[key] = iter([parts.stream(i) for i in range(n)])
        return next(self.made[key])


def _twice(build: Callable[[_Shared], object]):
    """Build a graph once to count who reads what, then for real with exact splits."""
    counting = _Shared()
    build(counting)
    return build(_Shared(counting.counts))


def _input(seg: Segment, at: str, fps: int, shared: _Shared, audio: bool):
    """A segment's source, opened once per (file, trim) whatever reads it."""
    if seg.kind == "card":
        key, path, opts = ("in", _in(at, seg.source), 0.0, seg.frames), _in(at, seg.source), {}
    else:
        # A few frames of slack past the end; _exact_frames cuts to the exact length.
        key, path = ("in", seg.source, seg.start, seg.frames), seg.source
        # the same part vid.stab's first pass read (render/stabilize.py): per source frame
        opts = {"ss": f"{seg.start:.3f}", "t": f"{input_seconds(seg.frames, fps):.3f}"}

    def make():
        inp = ffmpeg.input(path_arg(path), **opts)
        return inp.audio if audio else inp.video
    return shared.take(key + (audio,), make, audio)


def _picture(seg: Segment, plan: EditPlan, at: str, shared: _Shared):
    """A clip decoded, frame-rate converted, tone-mapped and reframed: the same for every
    target of this size, so made once (decoding a 1080p clip is 14 % of a render)."""
    w, h = plan.width, plan.height

    def make():
        v = _input(seg, "", plan.fps, shared, audio=False).filter("setpts", "PTS-STARTPTS")
        # Faces are blurred before the picture is reframed, so every target has it: on the
        # source's frames where vid.stab needs those (or the frames are 10-bit), else on the
        # constant-rate frames, one mask frame each.
        on_source = seg.blur is not None and (seg.stabilize is not None or seg.hdr is not None)
        if on_source:
            v = _blur_overlay(v, seg.blur, at)
        if seg.stabilize:  # on the source's own frames, which the first pass measured
            v = v.filter("vidstabtransform", input=_in(at, seg.stabilize), **STABILIZE)
        v = v.filter("fps", plan.fps)
        if seg.blur is not None and not on_source:
            v = _blur_merge(v, seg.blur, at, plan.fps)
        if seg.hdr:
            v = _tonemap(v, _in(at, f"{seg.hdr}.cube"), seg.reframe, w, h)
        v = _reframe(v, seg.reframe, w, h, plan.fill_color, plan.fps, seg.follow)
        return v.filter("setsar", 1).filter("format", "yuv420p")
    key = ("picture", seg.source, seg.start, seg.frames, seg.hdr, seg.reframe, w, h, plan.fps,
           plan.fill_color, seg.stabilize, seg.blur, seg.follow)
    return shared.take(key, make)


# Faces: the picture at 1/BLUR_SCALE size, box-blurred BLUR_RADIUS, scaled back, shown only
# where the mask is white; strong enough that no detector finds the face (benchmarks/README.md).
BLUR_SCALE, BLUR_RADIUS = 48, 3


def _blurred(v, b: FaceBlur):
    sw, sh = max(2, b.width // BLUR_SCALE // 2 * 2), max(2, b.height // BLUR_SCALE // 2 * 2)
    # boxblur refuses a radius over half the plane (a small clip's 1/48 is a few pixels)
    luma = min(BLUR_RADIUS, (min(sw, sh) - 1) // 2)
    chroma = min(BLUR_RADIUS, max(0, (min(sw, sh) // 2 - 1) // 2))
    return (v.filter("scale", sw, sh, flags="area")
             .filter("boxblur", luma_radius=luma, luma_power=2, chroma_radius=chroma,
                     chroma_power=2)
             .filter("scale", b.width, b.height, flags="bilinear"))


def _mask(b: FaceBlur, at: str):
    return (ffmpeg.input(path_arg(_in(at, b.mask))).video
            .filter("scale", b.width, b.height, flags="bilinear").filter("format", "gray"))


def _blur_overlay(v, b: FaceBlur, at: str):
    """The blurred picture overlaid where the mask is white: any pixel format, any frame
    timing (overlay takes each mask frame until the next)."""
    parts = v.split()
    layer = ffmpeg.filter([_blurred(parts[1], b), _mask(b, at)], "alphamerge")
    return ffmpeg.overlay(parts[0], layer, x=0, y=0, eof_action="pass", format="auto")


def _blur_merge(v, b: FaceBlur, at: str, fps: int):
    """The same on constant-rate 8-bit frames numbered like the mask's: maskedmerge, which
    costs 0.24 CPU seconds a second of 1080p against the overlay's 0.42."""
    parts = v.filter("format", "yuv420p").split()
    m = _mask(b, at).filter("settb", f"1/{fps}").filter("setpts", "N").split()
    chroma = m[1].filter("scale", max(1, b.width // 2), max(1, b.height // 2)).split()
    mask = ffmpeg.filter([m[0], chroma[0], chroma[1]], "mergeplanes", "0x001020", "yuv420p")
    return ffmpeg.filter([parts[0], _blurred(parts[1], b), mask], "maskedmerge")


# Smoothing over 15 frames each side; zoomed in just enough that no moving border shows.
STABILIZE = {"smoothing": 15, "optzoom": 1, "zoomspeed": 0.25, "interpol": "bicubic"}


def _segment_video(seg: Segment, plan: EditPlan, at: str, shared: _Shared):
    seconds = seg.frames / plan.fps
    if seg.kind == "card":
        # One decoded still, repeated inside the graph as frames are asked for. (A looping
        # image input decodes every frame up front; the outro's then wait in memory for the
        # whole clip: 75 RGB frames of 1080x1920 are 470 MB.)
        src = _input(seg, at, plan.fps, shared, audio=False)
        v = (_to_709(src).filter("format", "yuv420p")
             .filter("loop", loop=seg.frames - 1, size=1, start=0)
             # Number the frames in a 1/fps time base: a still comes in at 1/25 (image2), where
             # N/(30*TB) rounds two frames onto one timestamp and the constant-rate output
             # then repeats frames in the fades.
             .filter("settb", f"1/{plan.fps}").filter("setpts", "N"))
        if seg.fade:
            v = (v.filter("fade", t="in", st=0, d=seg.fade)
                  .filter("fade", t="out", st=round(seconds - seg.fade, 3), d=seg.fade))
    else:
        v = _picture(seg, plan, at, shared)
        for o in seg.overlays:
            v = _apply_overlay(v, o, at)
    return _exact_frames(v, seg.frames)


def _segment_audio(seg: Segment, src, plan: EditPlan):
    samples = round(seg.frames * plan.encoder.sample_rate / plan.fps)
    rate = plan.encoder.sample_rate
    return (src.filter("asetpts", "PTS-STARTPTS")
               .filter("aresample", rate)
               .filter("aformat", sample_fmts="fltp", sample_rates=rate, channel_layouts="stereo")
               .filter("apad").filter("atrim", end_sample=samples)
               .filter("asetpts", "PTS-STARTPTS"))


def _audio_mix(plan: EditPlan, shared: _Shared):
    """Every segment's sound (silence for stills and silent clips) joined, and the music
    under it."""
    voice = _voice(plan, shared)
    return _with_music(voice, plan) if plan.music else voice


# Ducking: the music drops by up to ~20 dB within 20 ms of speech and comes back over 0.4 s.
DUCK = {"threshold": 0.02, "ratio": 12, "attack": 20, "release": 400, "knee": 4}


def _with_music(voice, plan: EditPlan):
    """The music looped or cut to the video, faded in and out, at its volume, ducked under
    the voice (sidechain compression keyed on it), mixed with the voice."""
    m, rate = plan.music, plan.encoder.sample_rate
    samples = round(plan.frames * rate / plan.fps)
    seconds = plan.frames / plan.fps
    fade = min(m.fade, seconds / 4)
    music = (ffmpeg.input(path_arg(m.file), stream_loop=-1).audio
             .filter("aresample", rate)
             .filter("aformat", sample_fmts="fltp", sample_rates=rate, channel_layouts="stereo")
             .filter("atrim", end_sample=samples).filter("asetpts", "PTS-STARTPTS")
             .filter("afade", t="in", st=0, d=round(fade, 3))
             .filter("afade", t="out", st=round(seconds - fade, 3), d=round(fade, 3))
             .filter("volume", f"{m.volume:g}"))
    split = voice.filter_multi_output("asplit", 2)
    main, key = split.stream(0), split.stream(1)
    ducked = ffmpeg.filter([music, key], "sidechaincompress", **DUCK)
    return ffmpeg.filter([main, ducked], "amix", inputs=2, duration="first", normalize=0)


def _voice(plan: EditPlan, shared: _Shared):
    """Every segment's sound (silence for stills and silent clips) joined."""
    rate = plan.encoder.sample_rate
    parts = []
    for seg in plan.segments:
        if seg.has_audio:
            a = _input(seg, "", plan.fps, shared, audio=True)
        else:
            a = shared.take(("silence", rate), lambda: ffmpeg.input(
                f"anullsrc=r={rate}:cl=stereo", f="lavfi").audio, audio=True)
        parts.append(_segment_audio(seg, a, plan))
    return parts[0] if len(parts) == 1 else ffmpeg.concat(*parts, v=0, a=1).node[0]


def _loudnorm(a, plan: EditPlan, measured: LoudnessScan | None):
    ln = plan.loudness
    if measured is None:
        return a.filter("loudnorm", i=ln.i, tp=ln.tp, lra=ln.lra, print_format="json")
    if measured.input_i < -70:
        return a  # silence: nothing to normalise (loudnorm would amplify noise to -14 LUFS)
    gain = linear_gain(measured, ln)
    if gain is not None:
        return a.filter("volume", f"{gain:.2f}dB")
    return a.filter(
        "loudnorm", i=ln.i, tp=ln.tp, lra=ln.lra,
        measured_i=measured.input_i, measured_tp=measured.input_tp,
        measured_lra=measured.input_lra, measured_thresh=measured.input_thresh,
        offset=measured.target_offset, linear="true", print_format="summary",
    ).filter("aresample", plan.encoder.sample_rate)  # loudnorm works at 192 kHz


def linear_gain(measured: LoudnessScan, target: Loudness) -> float | None:
    """The gain in dB that loudnorm's linear mode would apply, or None where it would fall
    back to its dynamic mode (the gain would push the true peak over the target, or the sound
    is more dynamic than the target range). Linear mode is this one static gain, no limiter
    (af_loudnorm.c, init()); `volume` applies it without loudnorm's 192 kHz resampling,
    a third of the sound's processing time."""
    m = measured
    i, tp, lra, thresh = m.input_i, m.input_tp, m.input_lra, m.input_thresh
    gain = target.i - i
    if tp == 99 or thresh == -70 or lra == 0 or i == 0:
        return None
    return gain if tp + gain <= target.tp and lra <= target.lra else None


def files_read(argv: list[str]) -> list[str]:
    """The files an argv made here opens as inputs (what a cache of its result depends on)."""
    return [a.removeprefix("file:") for prev, a in zip(argv, argv[1:])
            if prev == "-i" and a.startswith("file:")]


# Options every ffmpeg command of the pipeline starts with: no banner, no stdin, errors only.
# No container or stream tags beyond what playback needs (privacy by default): nothing of the
# phone's metadata, no encoder or creation time.
_CLEAN = {"map_metadata": -1, "map_chapters": -1, "fflags": "+bitexact"}


def _sound(plan: EditPlan, measured: LoudnessScan | None):
    """The video's sound mixed, then measured (`measured` None) or normalised."""
    return _loudnorm(_twice(lambda shared: _audio_mix(plan, shared)), plan, measured)


def measure_argv(plan: EditPlan) -> list[str]:
    """Pass 1 of loudnorm: the finished audio mix only, measured, nothing written.

    Runs with `-loglevel info` because loudnorm prints its JSON at that level.
    """
    out = ffmpeg.output(_sound(plan, None), "-", f="null")
    return [*QUIET, "-loglevel", "info", *out.get_args()]  # the last -loglevel counts


def audio_argv(plan: EditPlan, measured: LoudnessScan, output: str) -> list[str]:
    """Pass 2 of loudnorm: the normalised sound, AAC-encoded once into `output` (in the work
    folder) and copied into every output of the video.

    Its own process, run while the picture renders: loudnorm in linear mode looks 3 s ahead,
    and inside the video graph the picture waited for it (~0.4 GB of 1080x1920 frames per
    output); beside it, it uses the core time x264 leaves idle."""
    enc = plan.encoder
    out = ffmpeg.output(_sound(plan, measured), path_arg(output), format="mp4", **_CLEAN, **{
        "c:a": "aac", "b:a": enc.audio_bitrate, "ar": enc.sample_rate, "ac": 2})
    return [*QUIET, "-y", *out.get_args()]


@dataclass(frozen=True)
class Scan:
    """Frames of the output to measure for the cover (cover.py reads the numbers and
    chooses). Measured inside the render, where the frames are composed anyway: a second
    decode of the finished file cost 7 % of a render."""

    every: int                              # measure every n-th frame
    region: tuple[int, int, int, int]       # w, h, x, y of the picture to measure
    file: str                               # where `metadata=print` writes, in the work folder


def _scan(v, scan: Scan, at: str):
    # blurdetect: mean edge width (sharpness); signalstats: brightness and its spread.
    # Evenly through the whole output, never a dozen frames far apart: a branch that gets
    # nothing for seconds makes ffmpeg queue frames for it (benchmarks/README.md).
    w, h, x, y = scan.region
    return (v.filter("select", f"not(mod(n,{scan.every}))").filter("crop", w, h, x, y)
             .filter("blurdetect").filter("signalstats")
             .filter("metadata", mode="print", file=_in(at, scan.file)))


@dataclass(frozen=True)
class Output:
    """One mp4 of a render: its plan, where it goes, where its drawn assets are."""

    plan: EditPlan
    path: str                   # the mp4 to write
    assets: str = ""            # folder of the plan's assets, relative to the work folder
    scan: Scan | None = None    # frames to measure for the cover on the way


def render_argv(outputs: list[Output], filter_threads: int | None = None) -> list[str]:
    """The one ffmpeg command that renders the picture of every output of one video: each
    clip is decoded, tone-mapped and reframed once and split between the targets. The sound
    is made beside it (`audio_argv`) and joined with `mux_argv`."""
    streams = _twice(lambda shared: _video_graph(outputs, shared))
    files = []
    for out, (v, scanned) in zip(outputs, streams):
        enc = out.plan.encoder
        files.append(ffmpeg.output(
            v, path_arg(out.path), format="mp4", **_CLEAN,
            **{"c:v": "libx264", "preset": enc.x264_preset, "crf": enc.crf,
               "profile:v": "high", "pix_fmt": "yuv420p", "color_primaries": "bt709",
               "color_trc": "bt709", "colorspace": "bt709", "color_range": "tv",
               "fps_mode": "cfr", "r": out.plan.fps, "write_tmcd": 0}))
        if scanned is not None:
            files.append(ffmpeg.output(scanned, "-", f="null"))
    threads = [] if filter_threads is None else ["-filter_complex_threads", str(filter_threads)]
    # Global options go first: ffmpeg ignores options after the last output file.
    return [*QUIET, "-y", "-progress", "pipe:1", *threads,
            *ffmpeg.merge_outputs(*files).get_args()]


def mux_argv(video: str, audio: str, output: str) -> list[str]:
    """Picture and sound into the published mp4, both copied, the index at the front so
    a browser starts playing before the whole file is loaded."""
    out = ffmpeg.output(ffmpeg.input(path_arg(video)).video, ffmpeg.input(path_arg(audio)).audio,
                        path_arg(output), format="mp4", c="copy", movflags="+faststart",
                        write_tmcd=0, **_CLEAN)
    return [*QUIET, "-y", *out.get_args()]


def _video_graph(outputs: list[Output], shared: _Shared) -> list[tuple]:
    streams = []
    for out in outputs:
        plan, at = out.plan, out.assets
        videos = [_segment_video(seg, plan, at, shared) for seg in plan.segments]
        v = videos[0] if len(videos) == 1 else ffmpeg.concat(*videos, v=1, a=0).node[0]
        if plan.logo:
            v = _apply_overlay(v, plan.logo, at)
        if plan.captions:
            v = v.filter("ass", _in(at, plan.captions), fontsdir=_in(at, "fonts"))
        v = (v.filter("format", "yuv420p")
              .filter("setparams", color_primaries="bt709", color_trc="bt709",
                      colorspace="bt709", range="tv"))
        scanned = None
        if out.scan is not None:
            parts = v.split()
            v, scanned = parts[0], _scan(parts[1], out.scan, at)
        streams.append((v, scanned))
    return streams
