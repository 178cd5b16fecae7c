"""Up-to-date keys: what an output was made from, so that an unchanged one is not made again."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from ..model.plan import EditPlan
from ..render import ffmpeg
from ..system.files import file_stats


def output_key(plan: EditPlan) -> str:
    """The plan, the files it reads (by size and time) and the program version. Any change
    means the file is out of date."""
    blob = json.dumps([plan.to_json(), file_stats(plan.reads()), code_version()], sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@functools.cache
def code_version() -> str:
    """Every module of the package and the ffmpeg build: a new version re-renders everything."""
    h = hashlib.sha256(ffmpeg.version().encode())
    package = Path(__file__).resolve().parent.parent
    for f in sorted(package.rglob("*.py")):
        h.update(f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()
