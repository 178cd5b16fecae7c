"""One Whisper run: faster-whisper with word timestamps and the decode policy.

What runs inside the Whisper child process (whisper_child), with the kernels pinned."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..model.captions import Word
from ..model.errors import TranscribeError
from .kernels import Kernels

# Beam 5: beam 1 scores lower log-probs, and Whisper's no-speech rule then drops whole clips.
BEAM_SIZE = 5
NO_SPEECH_THRESHOLD = 0.6  # faster-whisper's defaults, explicit because they are in the cache key
LOG_PROB_THRESHOLD = -1.0
LOOP_RATIO = 2.4           # gzip compression ratio above which a segment is a repetition loop
# Temperature 0 only: the fallback to sampling gave other words in every process (CTranslate2's
# generator cannot be seeded again once its thread runs); loops are re-decoded instead.
TEMPERATURES = (0.0,)
LOOP_NO_REPEAT = 3         # n-gram size a re-decode after a loop may not repeat
# Silero VAD's speech threshold (its default 0.5): 0.35 let through quiet and distant words,
# 57 fewer word errors over the real-voice dev set's 8 conditions, none worse, no words from
# 30 s of noise (benchmarks/README.md, "Captions on real voices").
VAD_THRESHOLD = 0.35
# What one Whisper run hands back: language, its probability and the words heard.
Heard = tuple[str, float, tuple[Word, ...]]
_MODELS: dict[str, Any] = {}


def load_model(folder: Path, kernels: Kernels) -> Any:
    """The only place Whisper is loaded: one instance per folder and process, in a process
    started with `kernels` pinned (whisper_child), since the libraries read them only at start."""
    unpinned = sorted(k for k, v in kernels.env().items() if os.environ.get(k) != v)
    if unpinned:
        raise RuntimeError(f"Whisper runs only in a process started with {kernels.name} "
                           f"pinned (whisper_child); not set here: {', '.join(unpinned)}")
    if str(folder) not in _MODELS:
        from faster_whisper import WhisperModel
        try:
            _MODELS[str(folder)] = WhisperModel(
                str(folder), device="cpu", compute_type=kernels.compute_type,
                cpu_threads=kernels.threads, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as e:
            raise TranscribeError(folder, f"cannot load Whisper model: {str(e).splitlines()[0]}")
    return _MODELS[str(folder)]


# What Whisper, trained on subtitled TV, writes over silence, music or noise.
_HALLUCINATIONS = re.compile(
    r"untertitel|amara\.org|im auftrag des|(vielen )?dank(e)? (fürs|für's|für das|für ihr) "
    r"zuschauen|bis zum nächsten mal|abonnier|copyright|thanks? (you )?for watching"
    r"|^(tschüss|danke|vielen dank)$")


def is_unbacked_hallucination(text: str, no_speech_prob: float, avg_logprob: float,
                              word_probs: Sequence[float]) -> bool:
    """A known phrase that the model itself doubts is speech. Spoken, such a phrase stays."""
    if not _HALLUCINATIONS.search(" ".join(re.sub(r"[^\w\s.']", " ", text.lower()).split())
                                  .strip(" .")):
        return False
    mean_prob = sum(word_probs) / len(word_probs) if word_probs else 0.0
    return (no_speech_prob > NO_SPEECH_THRESHOLD or avg_logprob < LOG_PROB_THRESHOLD
            or mean_prob < 0.5)


# A segment the model itself doubts: under faster-whisper's failed-decode line (average log
# probability -1) with words it mostly does not believe (mean under 0.3) or half of them
# squeezed into no time. That is what a glossary prompt makes base invent after a short clip
# ("Wir sehen uns im nächsten Video."): benchmarks/README.md, "Doubted segments".
DOUBTED_MEAN_PROB = 0.3
ZERO_LENGTH = 0.005        # seconds: a word "spoken" in less is squeezed


def is_doubted(avg_logprob: float, words: Sequence[tuple[float, float, float]]) -> bool:
    """Whether a segment of (start, end, probability) words is one the model doubts."""
    if avg_logprob >= LOG_PROB_THRESHOLD or not words:
        return False
    mean_prob = sum(p for _, _, p in words) / len(words)
    squeezed = sum(1 for s, e, _ in words if e - s < ZERO_LENGTH)
    return mean_prob < DOUBTED_MEAN_PROB or 2 * squeezed >= len(words)


def _decode(model: Any, audio: np.ndarray, language: str, prompt: str | None,
            beam_size: int, no_repeat: int = 0) -> list[Any]:
    segments, info = model.transcribe(
        audio, language=None if language == "auto" else language, beam_size=beam_size,
        word_timestamps=True, vad_filter=True,  # VAD keeps silence away from the decoder
        vad_parameters={"threshold": VAD_THRESHOLD},
        condition_on_previous_text=False,       # one bad segment must not seed the next
        no_speech_threshold=NO_SPEECH_THRESHOLD, log_prob_threshold=LOG_PROB_THRESHOLD,
        compression_ratio_threshold=LOOP_RATIO, initial_prompt=prompt,
        temperature=list(TEMPERATURES), no_repeat_ngram_size=no_repeat)
    return [info, *segments]                    # the generator is lazy: run it here


def glossary_prompt(glossary: Sequence[str]) -> str | None:
    """The glossary as Whisper's initial prompt: the spellings it should prefer (as
    `hotwords`, or as both, it did worse: CHANGELOG.md)."""
    return f"Glossar: {', '.join(glossary)}." if glossary else None


def whisper_words(folder: Path, audio: np.ndarray, language: str, glossary: Sequence[str],
                  beam_size: int, start: float, kernels: Kernels) -> Heard:
    """One Whisper run on `audio` (which begins `start` seconds into its clip): the language
    and the words, filtered and timed in the clip's timeline. Plain data, so that it can come
    back from a child process."""
    model = load_model(folder, kernels)
    prompt = glossary_prompt(glossary)
    # A glossary can tip base into a loop ("Tag des offenen Denkmals, Tag des ..."): only then
    # decode again with no three words repeated (speech may say a phrase twice), and if that
    # loops too, without the glossary.
    result = _decode(model, audio, language, prompt, beam_size)
    for retry_prompt in ([prompt, None] if prompt else [None]):
        if not _loops(result):
            break
        retry = _decode(model, audio, language, retry_prompt, beam_size, LOOP_NO_REPEAT)
        if not _loops(retry):
            result = retry
    info, *segments = result
    return info.language, round(float(info.language_probability), 4), _words(segments, start)


def _loops(result: list[Any]) -> bool:
    return any(s.compression_ratio > LOOP_RATIO for s in result[1:])


def _words(segments: Sequence[Any], start: float) -> tuple[Word, ...]:
    words: list[Word] = []
    for seg in segments:
        probs = [w.probability for w in seg.words or []]
        if seg.compression_ratio > LOOP_RATIO or is_unbacked_hallucination(
                seg.text, seg.no_speech_prob, seg.avg_logprob, probs) or is_doubted(
                seg.avg_logprob, [(w.start, w.end, w.probability) for w in seg.words or []]):
            continue
        words += [Word(round(float(w.start) + start, 3), round(float(w.end) + start, 3),
                       w.word.strip(), round(float(w.probability), 4))
                  for w in seg.words or [] if w.word.strip()]
    return tuple(words)
