"""The output folder: atomic writes, checksums, `manifest.json` and `index.html`.

A file appears under its final name only when it is complete: everything is written to a
hidden temporary name in the same folder and renamed (atomic on one file system).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..model.manifest import Manifest
from ..publish import page as gallery


@contextmanager
def atomic_path(final: Path):
    """Yield a temporary path beside `final`; on success rename it to `final`, else delete it."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.stem[:40]}.", suffix=".partial" + final.suffix,
                               dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file private (0600); outputs are for sharing, so use the umask.
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def link_or_copy(src: Path, final: Path) -> None:
    """`final` as the same file as `src`: a hard link where the file system has them (no
    second copy on the disk), else a copy; never half-written under the final name."""
    with atomic_path(final) as part:
        part.unlink()
        try:
            os.link(src, part)
        except OSError:
            shutil.copyfile(src, part)


def write_text(final: Path, text: str) -> None:
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write `manifest.json` and the gallery page made from it: the two always agree."""
    path = folder / "manifest.json"
    write_text(path, manifest.model_dump_json(indent=2) + "\n")  # infinities become null
    texts = gallery.caption_texts(folder, manifest)
    write_text(folder / gallery.PAGE, gallery.page(manifest, texts))
    return path


@contextmanager
def job_lock(folder: Path, on_wait=None):
    """Hold an exclusive lock on the job's output folder for the whole run, so two renders of
    the same job (two windows, two colleagues) take turns instead of writing the same files."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def clean_leftovers(folder: Path) -> list[Path]:
    """Remove what a killed run left behind (only ever hidden temporary names); call with
    the job lock held, so no running render's files are touched."""
    removed = []
    for p in folder.glob(".*"):
        if ".partial" in p.name and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
        elif p.name.startswith(".work-") and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


STATE = ".state.json"


def read_state(folder: Path) -> dict[str, str]:
    """output file name → the key of the inputs it was made from."""
    try:
        data = json.loads((folder / STATE).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def record_state(folder: Path, name: str, key: str) -> None:
    state = read_state(folder)
    state[name] = key
    write_text(folder / STATE, json.dumps(state, indent=1, sort_keys=True))
