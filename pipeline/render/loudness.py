"""Pass 1 of loudnorm over a video's audio mix, cached by what it read."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from ..model.plan import EditPlan, LoudnessScan
from ..system.files import derived_dir, file_stats, write_cache
from . import ffmpeg, graph


def measure_loudness(plan: EditPlan, work: Path, file: str,
                     debug: Callable[[str], None] | None = None) -> LoudnessScan:
    """Kept in the cache by the argv, each input's size and time and the ffmpeg build:
    rendering again after a caption fix, or another target, does not decode the sound again."""
    argv = graph.measure_argv(plan)
    stats = file_stats(graph.files_read(argv))
    key = hashlib.sha256(json.dumps([argv, stats, ffmpeg.version()]).encode()).hexdigest()
    cached = derived_dir("loudness") / f"{key}.json"
    try:
        return LoudnessScan(**json.loads(cached.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    done = ffmpeg.run(argv, cwd=work, file=file, debug=debug)
    loud = ffmpeg.parse_loudnorm(done.stderr)
    try:
        write_cache(cached, json.dumps(asdict(loud)))
    except OSError:
        pass  # a cache that cannot be written only costs the next run a second
    return loud
