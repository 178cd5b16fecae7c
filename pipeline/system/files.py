"""Cache folders and content hashes shared by every stage."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_root() -> Path:
    """The pipeline's cache folder: models, LUTs (and transcripts unless PIPELINE_CACHE_DIR)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pipeline"


def derived_dir(kind: str) -> Path:
    """Where what was computed from footage (transcripts, loudness) is cached;
    PIPELINE_CACHE_DIR moves it (tests, shared PCs)."""
    if os.environ.get("PIPELINE_CACHE_DIR"):
        return Path(os.environ["PIPELINE_CACHE_DIR"]) / kind
    return cache_root() / kind


def file_stats(files) -> list[tuple[str, int, int]]:
    """(path, size, mtime) of each file: a changed or replaced file changes a cache key."""
    out = []
    for f in files:
        st = os.stat(f)
        out.append((str(f), st.st_size, st.st_mtime_ns))
    return out


def write_cache(path: Path, text: str) -> None:
    """A cache entry, written whole or not at all (several workers may write the same one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
