"""vid.stab's first pass (the camera motion of a clip's trimmed part), cached by what it read."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..system.files import file_stats
from . import ffmpeg, graph

# shakiness 6 of 10: phone footage held in the hand; accuracy 9 of 15 (the default).
DETECT = "vidstabdetect=shakiness=6:accuracy=9:result=transforms.trf"


def detect_argv(source: str, start: float, seconds: float) -> list[str]:
    """The first pass over exactly the part the render decodes (same seek, same length)."""
    return [*graph.QUIET, "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}",
            "-i", graph.path_arg(source), "-an", "-vf", DETECT, "-f", "null", "-"]


def transforms_file(source: str, start: float, seconds: float, cache: Path) -> Path:
    """The motion file for `source` from `start`, made on first use; a render after a caption
    fix, or for another target, does not analyse the clip again."""
    argv = detect_argv(source, start, seconds)
    key = hashlib.sha256(json.dumps([argv, file_stats([source]),
                                     ffmpeg.version()]).encode()).hexdigest()
    path = cache / f"{key[:32]}.trf"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            ffmpeg.run(argv, cwd=Path(tmp), file=source)
            os.replace(Path(tmp) / "transforms.trf", path)  # atomic: all of it or none
    return path
