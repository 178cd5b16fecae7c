"""Test media: made with ffmpeg's lavfi sources at small sizes, and inspected with PyAV."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import av
import numpy as np

from pipeline.render.ffmpeg import exe

PHONE_TAGS = [
    "-metadata", "location=+52.5200+013.4050/",
    "-metadata", "com.apple.quicktime.location.ISO6709=+52.5200+013.4050+035.000/",
    "-metadata", "com.apple.quicktime.make=Apple",
    "-metadata", "com.apple.quicktime.model=iPhone 15 Pro",
    "-metadata", "creation_time=2026-05-04T10:00:00Z",
    "-movflags", "use_metadata_tags",
]


def ffmpeg(*args: str) -> None:
    subprocess.run([exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_clip(path: Path, *, size: str = "320x180", fps: float = 30, seconds: float = 2.0,
              codec: str = "libx264", rotate: int | None = None, hdr: bool = False,
              audio: bool = True, vfr: bool = False, mono: bool = False,
              phone_tags: bool = False, tone: int = 440) -> Path:
    """A clip with a moving test picture and a sine tone, optionally phone-like."""
    w, h = size.split("x")
    args = ["-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r={fps}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i",
                 f"sine=f={tone}:d={seconds}:sample_rate={44100 if mono else 48000}"]
    vf = []
    if vfr:
        # Drop every third frame and keep the timestamps: frame durations now vary.
        vf.append("select='not(eq(mod(n\\,3)\\,0))'")
    if hdr:
        # SDR white lands at ~72 % HLG signal, as BT.2408 grades it and iPhones record it.
        vf.append("zscale=tin=bt709:min=bt709:pin=bt709:t=arib-std-b67:m=bt2020nc:p=bt2020:"
                  "npl=203,format=yuv420p10le")
    if vf:
        args += ["-vf", ",".join(vf)]
    args += ["-c:v", codec]
    if codec == "libx265":
        params = "log-level=error"
        if hdr:
            params += ":colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc"
        args += ["-x265-params", params, "-tag:v", "hvc1"]
    if hdr:
        args += ["-color_primaries", "bt2020", "-color_trc", "arib-std-b67",
                 "-colorspace", "bt2020nc"]
    else:
        args += ["-pix_fmt", "yuv420p"]
    if vfr:
        args += ["-fps_mode", "passthrough"]
    if audio:
        args += ["-c:a", "aac", "-ac", "1" if mono else "2", "-shortest"]
    if phone_tags:
        args += PHONE_TAGS
    if rotate is None:
        ffmpeg(*args, str(path))
        return path
    tmp = path.with_name("unrotated-" + path.name)
    ffmpeg(*args, str(tmp))
    # Phones store portrait video as landscape plus a display matrix; so does this.
    ffmpeg("-display_rotation:v:0", str(rotate), "-i", str(tmp), "-c", "copy",
           *(PHONE_TAGS if phone_tags else []), str(path))
    tmp.unlink()
    return path


def inspect(path: Path) -> dict:
    """What a platform's upload check would look at, read with PyAV."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        pts = sorted(float(p.pts * v.time_base) for p in c.demux(v) if p.pts is not None)
        cc = v.codec_context
        return {
            "width": v.width, "height": v.height, "codec": cc.name, "profile": v.profile,
            "pix_fmt": cc.pix_fmt, "frames": len(pts),
            "frame_deltas": {round(b - a_, 5) for a_, b in zip(pts, pts[1:])},
            "avg_fps": float(v.average_rate),
            "duration": len(pts) / float(v.average_rate),
            "color": (cc.color_primaries, cc.color_trc, cc.colorspace, cc.color_range),
            "audio": (a.codec_context.name, a.codec_context.sample_rate,
                      a.codec_context.channels) if a else None,
            "audio_profile": a.profile if a else None,
            "metadata": {**c.metadata, **v.metadata, **(a.metadata if a else {})},
        }


def loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) with ffmpeg's ebur128 meter."""
    out = subprocess.run([exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
                          "-af", "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = out[out.rfind("Summary:"):]
    i = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    tp = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return i, tp


def grey_frames(video: Path, first: int, count: int) -> list[np.ndarray]:
    """Frames first .. first + count - 1 of `video`, decoded, as 2-D arrays of luma."""
    with av.open(str(video)) as c:
        frames = itertools.islice(c.decode(video=0), first, first + count)
        return [f.to_ndarray(format="gray") for f in frames]


def frame_png(video: Path, seconds: float, png: Path) -> Path:
    ffmpeg("-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", str(png))
    return png


def mean_rgb(png: Path, box: tuple[int, int, int, int] | None = None) -> tuple[float, ...]:
    from PIL import Image, ImageStat

    with Image.open(png) as im:
        im = im.convert("RGB")
        if box:
            im = im.crop(box)
        return tuple(ImageStat.Stat(im).mean)


def difference(png_a: Path, png_b: Path, box: tuple[int, int, int, int]) -> float:
    """Mean absolute per-pixel difference (0-255) of two frames inside `box`."""
    from PIL import Image, ImageChops, ImageStat

    with Image.open(png_a) as a, Image.open(png_b) as b:
        d = ImageChops.difference(a.convert("RGB").crop(box), b.convert("RGB").crop(box))
        return max(ImageStat.Stat(d).mean)


def saturation(png: Path, box: tuple[int, int, int, int]) -> float:
    from PIL import Image, ImageStat

    with Image.open(png) as im:
        return ImageStat.Stat(im.convert("RGB").crop(box).convert("HSV")).mean[1]


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a render may have left: partial outputs and work folders."""
    return [p for p in folder.glob(".*") if ".partial" in p.name or p.name.startswith(".work-")]


def finals(folder: Path, pattern: str = "*.mp4") -> list[Path]:
    """Files under a final name (pathlib's glob also matches hidden temporary files)."""
    return sorted(p for p in folder.glob(pattern) if not p.name.startswith("."))
