"""Transcribe one video's clip as render does, with an empty cache; print timings and WER.

    python benchmarks/transcribe_once.py JOB VIDEO CACHE_DIR REPORT.json [--beam N]
                                         [--reference TEXT_FILE] [--brands DIR]

Calls `pipeline.analysis.transcribe.transcribe` with the job's language, model and glossary and word
timestamps (always on in the project), in a Whisper child process with the pinned kernels, as
render does. The model is loaded first (a second of silence) and timed apart: a render loads it
once per video, and the real-time factor is Whisper's work per second of audio (audio decoding
included).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from pipeline.analysis import audio as A
from pipeline.analysis import models as M
from pipeline.analysis import transcribe as T
from pipeline.analysis import whisper as W
from pipeline.analysis.kernels import this_machine
from pipeline.analysis.transcribe import wer
from pipeline.analysis.whisper_child import WhisperChild
from pipeline.config.job import load_job


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("job", type=Path)
    ap.add_argument("video")
    ap.add_argument("cache", type=Path)
    ap.add_argument("report", type=Path)
    ap.add_argument("--beam", type=int, default=W.BEAM_SIZE)
    ap.add_argument("--reference", type=Path)
    ap.add_argument("--brands", type=Path)
    args = ap.parse_args()
    job = load_job(args.job, args.brands)
    clip = next(v for v in job.videos if v.name == args.video).clips[0].path
    kernels = this_machine()
    with WhisperChild() as child:
        began = time.monotonic()
        child(M.resolve_model(job.model), np.zeros(A.SAMPLE_RATE, np.float32), job.language, (),
              args.beam, 0.0, kernels)
        loaded = time.monotonic()
        result = T.transcribe(clip, language=job.language, model=job.model,
                              glossary=job.glossary, cache_dir=args.cache, beam_size=args.beam,
                              kernels=kernels, whisper=child)
        done = time.monotonic()
    audio_seconds = len(A.decode_audio(clip)) / A.SAMPLE_RATE
    text = " ".join(w.text for w in result.words)
    reference = args.reference.read_text(encoding="utf-8") if args.reference else None
    args.report.write_text(json.dumps({
        "beam": args.beam, "model": job.model, "glossary": list(job.glossary),
        "kernels": kernels.label(),
        "audio_seconds": round(audio_seconds, 3), "load_seconds": round(loaded - began, 3),
        "transcribe_seconds": round(done - loaded, 3),
        "rtf": round((done - loaded) / audio_seconds, 4), "words": len(result.words),
        "wer": round(wer(reference, text), 4) if reference else None, "text": text,
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
