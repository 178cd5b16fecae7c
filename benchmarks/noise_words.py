"""Words Whisper hears in noise without speech, at two VAD thresholds (issue 14).

    python benchmarks/noise_words.py [--seconds 30]

A lower VAD threshold lets quieter speech through, and with it noise: this decodes 30 s of
each of the dev set's noises (street, wind, hallway babble; benchmarks/devset.py) and of pink
noise, at two levels, with the product's decode options and VAD threshold 0.5 (Silero's
default) and 0.35, and prints the words heard. Runs itself again with the pinned kernels.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devset  # noqa: E402

from pipeline.analysis import whisper as W  # noqa: E402
from pipeline.analysis.kernels import this_machine  # noqa: E402
from pipeline.analysis.models import resolve_model  # noqa: E402

LEVELS_DB = (-20, -8)        # gain on each noise graph: about -47 to -23 dBFS
THRESHOLDS = (0.5, 0.35)


def noise(graph: str, gain_db: float, seconds: float) -> np.ndarray:
    g = graph.replace("DUR", str(seconds)) + f",volume={gain_db}dB"
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
                          "-filter_complex", g, "-t", str(seconds), "-ac", "1", "-ar", "16000",
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.float32).copy()


def heard(model, audio: np.ndarray, threshold: float) -> list[str]:
    segments, _ = model.transcribe(
        audio, language="de", beam_size=W.BEAM_SIZE, word_timestamps=True, vad_filter=True,
        vad_parameters={"threshold": threshold}, condition_on_previous_text=False,
        no_speech_threshold=W.NO_SPEECH_THRESHOLD, log_prob_threshold=W.LOG_PROB_THRESHOLD,
        compression_ratio_threshold=W.LOOP_RATIO, temperature=list(W.TEMPERATURES))
    return [w.text for w in W._words(list(segments), 0.0)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    kernels = this_machine()
    if any(os.environ.get(k) != v for k, v in kernels.env().items()):
        return subprocess.call([sys.executable, __file__, *sys.argv[1:]],
                               env={**os.environ, **kernels.env()})
    c = devset.CONDITIONS
    sources = {"street": c["street"].noise, "wind": c["wind"].noise,
               "babble": c["hallway"].noise, "pink": devset._noise("pink", 7)}
    model = W.load_model(resolve_model("base"), kernels)
    print("| noise | level dBFS | " + " | ".join(f"words at VAD {t}" for t in THRESHOLDS) + " |")
    print("|---|--:|" + "---|" * len(THRESHOLDS))
    for name, graph in sources.items():
        for gain in LEVELS_DB:
            audio = noise(graph, gain, args.seconds)
            level = 20 * np.log10(np.sqrt(np.mean(audio ** 2)) + 1e-9)
            words = [" ".join(heard(model, audio, t)) or "none" for t in THRESHOLDS]
            print(f"| {name} | {level:.1f} | " + " | ".join(words) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
