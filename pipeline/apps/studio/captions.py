"""Reading and saving the editable caption file (`publish/caption_file.py`) from the browser:
versioned by the SHA-256 of the .srt bytes, so two people's saves never overwrite each other
unnoticed. Words keep or lose their `uncertain` marks as `attach_words` decides."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from ...edit.cues import attach_words
from ...formats.srt import parse_srt, to_srt
from ...model.captions import Cue
from ...model.errors import MediaError
from ...publish.caption_file import meta_path, meta_words, read_meta
from ...publish.folder import write_text

_LOCK = threading.Lock()  # one save at a time: the version check and the write are one step


class WordBody(BaseModel):
    start: float
    end: float
    text: str
    probability: float = 1.0
    uncertain: str | None = None


class CueBody(BaseModel):
    start: float = Field(ge=0)
    end: float
    text: str = Field(min_length=1, max_length=500)
    words: list[WordBody] = []

    @model_validator(mode="after")
    def _sane(self) -> "CueBody":
        if self.end <= self.start:
            raise ValueError(f"a cue must end after it starts ({self.start} → {self.end})")
        if not self.text.strip():
            raise ValueError("a cue needs text; merge or delete an empty one")
        if any(ord(c) < 32 and c != "\n" for c in self.text):
            raise ValueError("cue text may hold line breaks but no other control characters")
        return self


class CaptionsBody(BaseModel):
    version: str
    cues: list[CueBody]


class Conflict(Exception):
    """The file changed since the version the edit was based on."""


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(srt: Path, data: bytes) -> list[Cue]:
    try:
        return parse_srt(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise MediaError(srt, "caption file is not UTF-8 text; save it as UTF-8") from None


def read(srt: Path) -> CaptionsBody:
    """The caption file's cues with their timed words, and its version."""
    data = srt.read_bytes()
    cues = attach_words(_decode(srt, data), meta_words(read_meta(srt)))
    return CaptionsBody(version=version_of(data), cues=[_cue_body(c) for c in cues])


def _cue_body(c: Cue) -> CueBody:
    return CueBody(start=round(c.start, 3), end=round(c.end, 3), text=c.text,
                   words=[WordBody(**asdict(w)) for w in c.words])


def uncertain_count(srt: Path) -> int:
    """Displayed words still marked for checking (0 when there is no caption file)."""
    try:
        body = read(srt)
    except (OSError, MediaError):
        return 0
    return sum(1 for c in body.cues if len(c.text.split()) == len(c.words)
               for w in c.words if w.uncertain)


def write(srt: Path, body: CaptionsBody) -> CaptionsBody:
    """Save the cues if the file is still at `body.version`; else raise Conflict."""
    cues = sorted((Cue(round(c.start, 3), round(c.end, 3), _tidy(c.text)) for c in body.cues),
                  key=lambda c: c.start)
    with _LOCK:
        if version_of(srt.read_bytes()) != body.version:
            raise Conflict()
        meta = read_meta(srt)
        if meta:  # a file without word timings was written by a person: keep it that way
            timed = attach_words(cues, meta_words(meta))
            meta["words"] = [asdict(w) for c in timed for w in c.words]
            write_text(meta_path(srt), json.dumps(meta, ensure_ascii=False, indent=1))
        write_text(srt, to_srt(cues))
    return read(srt)


def _tidy(text: str) -> str:
    """Lines stripped, empty lines dropped: an empty line would end the SRT block."""
    return "\n".join(ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip())


def clear_marks(srt: Path, word: str) -> int:
    """Unmark every occurrence of `word` (a glossary entry now): how many were unmarked."""
    bare = _bare(word)
    with _LOCK:
        meta = read_meta(srt)
        words = meta.get("words") if isinstance(meta.get("words"), list) else []
        hits = [w for w in words if isinstance(w, dict) and w.get("uncertain")
                and _bare(str(w.get("text", ""))) == bare]
        for w in hits:
            w["uncertain"] = None
        if hits:
            write_text(meta_path(srt), json.dumps(meta, ensure_ascii=False, indent=1))
    return len(hits)


def _bare(text: str) -> str:
    return text.strip().strip(".,;:!?…\"»«“”'()–—").casefold()
