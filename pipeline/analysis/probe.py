"""Probe a clip once with PyAV into a frozen `MediaInfo`; nothing downstream asks again."""

from __future__ import annotations

import statistics
from pathlib import Path

import av

from ..model.errors import MediaError
from ..model.media import MediaInfo

# libavutil's AVColorTransferCharacteristic values for the two HDR transfers phones use.
_TRC_HLG = 18   # arib-std-b67: iPhone "HDR video", Android HLG
_TRC_PQ = 16    # smpte2084: HDR10
_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "bmp_pipe",
                  "tiff_pipe", "heif", "mjpeg"}
_PACKETS_FOR_VFR = 600  # enough packets (≈10-20 s) to see a phone's frame-rate changes


def probe(path: Path) -> MediaInfo:
    """Read the container headers, one decoded frame and packet timestamps of `path`."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(path, "file not found")
    if path.stat().st_size == 0:
        raise MediaError(path, "file is empty (0 bytes); copy it from the phone again")
    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            return _read(path, c)
    except MediaError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise MediaError(path, f"not a readable video file ({_short(exc)}); "
                               "check that it copied completely") from None


def _read(path: Path, c: av.container.InputContainer) -> MediaInfo:
    if not c.streams.video or c.format.name in _IMAGE_FORMATS:
        what = "is a still image" if c.streams.video else "has no picture, only sound"
        raise MediaError(path, f"{what}: not a video clip; remove it from the footage folder")
    v = c.streams.video[0]
    cc = v.codec_context
    rotation, first = _first_frame(path, c, v)
    w, h = (first.height, first.width) if rotation in (90, 270) else (first.width, first.height)
    deltas = _frame_deltas(c, v)
    fps = _fps(v, deltas)
    audio = c.streams.audio[0] if c.streams.audio else None
    return MediaInfo(
        path=path, duration=_duration(c, v), width=w, height=h, rotation=rotation, fps=fps,
        vfr=_is_vfr(deltas), pix_fmt=cc.pix_fmt or "unknown",
        hdr={_TRC_HLG: "hlg", _TRC_PQ: "pq"}.get(int(first.color_trc or cc.color_trc or 0)),
        has_audio=audio is not None,
        audio_rate=audio.codec_context.sample_rate if audio else None,
        audio_channels=audio.codec_context.channels if audio else None,
        video_codec=cc.name,
    )


def _first_frame(path: Path, c: av.container.InputContainer, v: av.VideoStream):
    try:
        for frame in c.decode(v):
            rot = int(round(frame.rotation or 0)) % 360
            # A display matrix rotates counter-clockwise; what matters here is only whether
            # width and height swap, so 90 and 270 are treated alike.
            return rot, frame
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"video cannot be decoded ({_short(exc)}); the file may be "
                               "truncated or damaged") from None
    raise MediaError(path, "video stream holds no decodable frame; the file may be truncated")


def _frame_deltas(c: av.container.InputContainer, v: av.VideoStream) -> list[float]:
    c.seek(0)  # decoding the first frame moved the read position; start over
    pts = []
    for i, pkt in enumerate(c.demux(v)):
        if pkt.pts is not None:
            pts.append(float(pkt.pts * v.time_base))
        if i >= _PACKETS_FOR_VFR:
            break
    pts.sort()
    return [b - a for a, b in zip(pts, pts[1:]) if b > a]


def _is_vfr(deltas: list[float]) -> bool:
    if len(deltas) < 3:
        return False
    med = statistics.median(deltas)
    return any(abs(d - med) > 0.05 * med for d in deltas)


def _fps(v: av.VideoStream, deltas: list[float]) -> float:
    rate = v.average_rate or v.guessed_rate
    if rate:
        return float(rate)
    return 1.0 / statistics.median(deltas) if deltas else 30.0


def _duration(c: av.container.InputContainer, v: av.VideoStream) -> float:
    if v.duration and v.time_base:
        return float(v.duration * v.time_base)
    if c.duration:
        return c.duration / 1_000_000
    return 0.0


def _short(exc: Exception) -> str:
    # av.error.FFmpegError's str() carries an errno and the path; the reason is strerror.
    text = getattr(exc, "strerror", None) or str(exc).split(": '")[0]
    return text[:120].lower()

