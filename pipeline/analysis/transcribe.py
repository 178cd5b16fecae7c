"""Offline speech-to-text of a clip's trimmed part, cached by its audio, model and options.

A cache miss runs Whisper in a child process with the kernels pinned (whisper_child); nothing
here downloads. `wer` is how tests and benchmarks score a transcript.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..analysis.kernels import Kernels, this_machine
from ..model.captions import Word
from ..model.errors import TranscribeError
from ..system.files import derived_dir, write_cache
from .audio import decode_audio
from .models import model_identity, resolve_model
from .whisper import (
    BEAM_SIZE,
    LOG_PROB_THRESHOLD,
    LOOP_RATIO,
    NO_SPEECH_THRESHOLD,
    TEMPERATURES,
    VAD_THRESHOLD,
    Heard,
)
from .whisper_child import WhisperChild

FILTER_VERSION = 4         # bump when decoding or filtering changes: old cache entries go stale


@dataclass(frozen=True)
class Transcript:
    words: tuple[Word, ...]
    language: str
    language_probability: float
    model: str                                              # as asked: "base" or a folder path
    options: dict = field(default_factory=dict, hash=False)  # JSON-serialisable

    def to_json(self) -> dict:
        return {"version": 1, "language": self.language, "model": self.model,
                "language_probability": self.language_probability, "options": self.options,
                "words": [asdict(w) for w in self.words]}

    @classmethod
    def from_json(cls, d: dict) -> Transcript:
        if d.get("version") != 1:
            raise ValueError(f"unknown transcript version {d.get('version')!r}")
        words = tuple(Word(float(w["start"]), float(w["end"]), str(w["text"]),
                           float(w["probability"])) for w in d["words"])
        return cls(words, str(d["language"]), float(d["language_probability"]),
                   str(d["model"]), dict(d["options"]))


# --- models ---------------------------------------------------------------------------------


def transcripts_dir() -> Path:
    return derived_dir("transcripts")


# --- audio ----------------------------------------------------------------------------------


# --- transcription --------------------------------------------------------------------------


def transcribe(media: Path, *, language: str = "de", model: str = "base",
               glossary: Sequence[str] = (), start: float = 0.0, end: float | None = None,
               cache_dir: Path, beam_size: int = BEAM_SIZE, kernels: Kernels | None = None,
               whisper: Callable[..., Heard] | None = None) -> Transcript:
    """Words spoken in [start, end) of `media`, timed in the clip's own timeline; cached.
    `whisper` runs the model on a cache miss (a caller's `WhisperChild`, kept for several
    clips); without one, a Whisper process is started for this call. `kernels` defaults to
    this machine's pinned path."""
    media = Path(media)
    if not media.is_file():
        raise TranscribeError(media, "file not found")
    kernels = kernels or this_machine()
    folder = resolve_model(model)
    options = {"language": language, "beam_size": beam_size, "word_timestamps": True,
               "vad": True, "vad_threshold": VAD_THRESHOLD, "glossary": list(glossary), "condition_on_previous_text": False,
               "no_speech_threshold": NO_SPEECH_THRESHOLD, "compression_ratio": LOOP_RATIO,
               "log_prob_threshold": LOG_PROB_THRESHOLD, "compute_type": kernels.compute_type,
               "kernels": kernels.label(),
               "start": start, "end": end, "filter": FILTER_VERSION, "glossary_as": "initial_prompt",
               "temperatures": list(TEMPERATURES),
               "engine": f"faster-whisper {metadata.version('faster-whisper')}"}
    audio = decode_audio(media, start, end)
    key = hashlib.sha256(audio)  # the array's own bytes: no copy of them
    key.update(b"\0" + model_identity(model, folder).encode())
    key.update(b"\0" + json.dumps(options, sort_keys=True).encode())
    path = Path(cache_dir) / f"{key.hexdigest()}.json"
    try:
        return Transcript.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry, or a damaged one: transcribe and overwrite it
    if audio.size == 0:  # an empty range: nothing to hear, no model to load
        result = Transcript((), "und" if language == "auto" else language, 0.0, model, options)
    else:
        try:
            heard, probability, words = _run_whisper(whisper, folder, audio, language,
                                                     tuple(glossary), beam_size, start, kernels)
        except TranscribeError as exc:
            if exc.file is not None:
                raise
            raise TranscribeError(media, exc.reason) from None  # Whisper's process: name the clip
        result = Transcript(words, heard, probability, model, options)
    write_cache(path, json.dumps(result.to_json(), ensure_ascii=False))
    return result


def _run_whisper(whisper: Callable[..., Heard] | None, *args: Any) -> Heard:
    if whisper is not None:
        return whisper(*args)
    with WhisperChild() as child:
        return child(*args)


# --- quality --------------------------------------------------------------------------------

def words_of(text: str) -> list[str]:
    """Lowercase, punctuation gone: 'Straße.' and 'straße' are the same word."""
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance over the reference's length (how the tests
    and the benchmark measure transcripts)."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h))
    return row[-1] / len(ref)
