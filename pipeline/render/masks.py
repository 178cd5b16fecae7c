"""The face mask of a clip: a small grey video, white ellipses over the faces to blur, one
frame per output frame, losslessly coded (FFV1); the render scales it up soft."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path

from ..model.errors import FFmpegError
from ..model.faces import lerp
from ..model.plan import MaskAsset
from ..system.processes import popen
from . import ffmpeg, graph


def mask_frames(a: MaskAsset):
    """Each output frame's mask as grey bytes."""
    from PIL import Image, ImageDraw

    w, h = a.size
    empty = bytes(w * h)
    for i in range(a.frames):
        t = i / a.fps
        boxes = [b for b in (lerp(k, t) for k in a.tracks) if b is not None]
        if not boxes:
            yield empty
            continue
        im = Image.new("L", a.size, 0)
        draw = ImageDraw.Draw(im)
        for x, y, bw, bh in boxes:
            draw.ellipse([x * w, y * h, (x + bw) * w, (y + bh) * h], fill=255)
        yield im.tobytes()


def encode_argv(a: MaskAsset, out: str) -> list[str]:
    w, h = a.size
    return [*graph.QUIET, "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}",
            "-r", str(a.fps), "-i", "pipe:0", "-c:v", "ffv1", "-f", "matroska", out]


def mask_file(a: MaskAsset, cache: Path) -> Path:
    """The mask video for `a`, drawn on first use (every target and every later render of
    the same clip part and faces reads the same file)."""
    key = hashlib.sha256(json.dumps([asdict(a), ffmpeg.version()]).encode()).hexdigest()
    path = cache / f"{key[:32]}.mkv"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        write_mask(a, path)
    return path


def write_mask(a: MaskAsset, path: Path) -> None:
    """The mask video at `path`, written under a temporary name first."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    argv = encode_argv(a, str(tmp))
    with tempfile.TemporaryFile() as err:
        proc = popen([ffmpeg.exe(), *argv], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                     stderr=err)
        try:
            for frame in mask_frames(a):
                proc.stdin.write(frame)
        except BrokenPipeError:
            pass
        finally:
            proc.stdin.close()
            code = proc.wait()
        if code:
            err.seek(0)
            raise FFmpegError(None, argv, err.read().decode(errors="replace"))
    os.replace(tmp, path)
