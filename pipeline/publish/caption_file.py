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

VERSION = 1


@dataclass(frozen=True)
class CaptionFile:
    cues: list[Cue]
    origin: CaptionOrigin  # model, language, confidence: how the transcript was made
    stale: bool           # the file was made for other clips or trims than the job has now


def caption_path(job: Job, video: Video) -> Path:
    return job.path.parent / f"{job.path.stem}.captions" / f"{video.name}.srt"


def meta_path(srt: Path) -> Path:
    return srt.with_name(f".{srt.stem}.json")


def read_caption_file(path: Path, cut: list) -> CaptionFile:
    """The cues of an existing caption file (possibly edited), with word timings attached."""
    try:
        cues = parse_srt(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise MediaError(path, "caption file is not UTF-8 text; save it as UTF-8") from None
    meta: dict = {}
    try:
        meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # no word timings: they are spread over each cue instead
    words = [Word(**w) for w in meta.get("words", [])]
    return CaptionFile(attach_words(cues, words), _origin(meta),
                       stale=bool(meta) and meta.get("cut") != cut)


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
