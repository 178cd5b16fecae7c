"""The editable caption file: where a person corrects a transcript before it is published.

On the first render of a video its transcript is written, as block cues, to
`<job folder>/<job file name>.captions/<video>.srt` (for `jobs/example.yaml`:
`jobs/example.captions/willkommen.srt`). Times count from the first frame of the video's first
clip, without the intro. From then on render reads that file as it is and never runs Whisper
for the video again, and never writes to it: a person's corrections are never lost. Delete the
file to transcribe again.

Beside it, a hidden `.<video>.json` keeps the word timings and where the transcript came from,
so that a corrected word keeps its place in the `word` style.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..config.job import Job, Video
from ..edit.cues import attach_words
from ..formats.srt import parse_srt, to_srt
from ..model.captions import Cue, Word
from ..model.errors import MediaError
from ..model.manifest import CaptionOrigin
from ..publish.folder import write_text

VERSION = 2   # 2: words carry their `uncertain` marks


@dataclass(frozen=True)
class CaptionFile:
    cues: list[Cue]
    origin: CaptionOrigin  # model, language, confidence: how the transcript was made
    stale: bool           # the file was made for other clips or trims than the job has now


def caption_path(job: Job, video: Video) -> Path:
    return job.path.parent / f"{job.path.stem}.captions" / f"{video.name}.srt"


def meta_path(srt: Path) -> Path:
    return srt.with_name(f".{srt.stem}.json")


def read_caption_file(path: Path, cut: list,
                      mark: Callable[[list[Word]], list[Word]] | None = None) -> CaptionFile:
    """The cues of an existing caption file (possibly edited), with word timings attached.
    `mark` marks the words of a file written before words carried marks (version 1), before
    they are attached: a word a person has changed since loses its mark there too."""
    try:
        cues = parse_srt(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise MediaError(path, "caption file is not UTF-8 text; save it as UTF-8") from None
    meta = read_meta(path)
    words = meta_words(meta)
    if mark is not None and meta.get("version") == 1:
        words = mark(words)
    return CaptionFile(attach_words(cues, words), _origin(meta),
                       stale=bool(meta) and meta.get("cut") != cut)


def recorded_cut(path: Path) -> list:
    """The clips and trims the caption file was made for ([file, start, end] each), or []."""
    cut = read_meta(path).get("cut")
    return cut if isinstance(cut, list) else []


def read_meta(path: Path) -> dict:
    """The hidden word file, or {} when there is none or it cannot be read: the words are
    then spread over each cue (a damaged file must not stop the render)."""
    try:
        meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def meta_words(meta: dict) -> list[Word]:
    try:
        return [Word(float(w["start"]), float(w["end"]), str(w["text"]),
                     float(w.get("probability", 1.0)), w.get("uncertain") or None)
                for w in meta.get("words", [])]
    except (TypeError, KeyError, ValueError, AttributeError):
        return []


def _origin(meta: dict) -> CaptionOrigin:
    """Where the transcript came from, as the hidden file says; a file without one was
    written by a person."""
    try:
        return CaptionOrigin.model_validate(meta.get("origin") or {"source": "caption file"})
    except ValidationError:
        return CaptionOrigin(source="caption file")


def write_caption_file(path: Path, cues: list[Cue], origin: CaptionOrigin, cut: list) -> None:
    """Write a fresh transcript; refuses (silently) to replace an existing file."""
    if path.exists():
        return
    words = [w.__dict__ for c in cues for w in c.words]
    write_text(meta_path(path), json.dumps({"version": VERSION, "cut": cut,
                                             "origin": origin.model_dump(), "words": words},
                                            ensure_ascii=False, indent=1))
    write_text(path, to_srt(cues))
