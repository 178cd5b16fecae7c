"""What dropping the segments Whisper doubts does to the word errors of decode_sweep runs.

    python benchmarks/doubted_segments.py OUT RUN [RUN ...]

OUT is decode_sweep.py's output folder (RUN is a name in OUT/runs/, e.g. baseline or
gloss_prompt_job). Each run file holds, per clip, the segments Whisper returned with their
average log probability and no-speech probability, and the words with their times and
probabilities. Per run and condition this prints the errors against the reference as the run
recorded them, and the change when the segments a rule names are dropped as well: the
product's rule (`whisper.is_doubted`) and the alternatives it was chosen from. The words of a
segment are the next len(text.split()) words of the clip (a clip where that does not add up
is counted unchanged, and said).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decode_sweep import align  # noqa: E402

from pipeline.analysis import whisper as W  # noqa: E402

Seg = dict
Words = list[dict]


def _mean(words: Words) -> float:
    return sum(w["probability"] for w in words) / max(1, len(words))


def _product(s: Seg, words: Words) -> bool:
    return W.is_doubted(s["avg_logprob"], [(w["start"], w["end"], w["probability"])
                                           for w in words])


RULES: dict[str, Callable[[Seg, Words], bool]] = {
    "product: log-prob < -1 and (mean prob < 0.3 or half squeezed)": _product,
    "log-prob < -1 and mean prob < 0.3": lambda s, w: s["avg_logprob"] < -1 and _mean(w) < 0.3,
    "log-prob < -1 and mean prob < 0.35": lambda s, w: s["avg_logprob"] < -1 and _mean(w) < 0.35,
    "log-prob < -1 and no-speech > 0.3": lambda s, w: s["avg_logprob"] < -1
    and s["no_speech_prob"] > 0.3,
    "log-prob < -1.2": lambda s, w: s["avg_logprob"] < -1.2,
}


def segment_words(clip: dict) -> list[tuple[Seg, Words]] | None:
    words, out, i = clip["words"], [], 0
    for s in clip["segments"]:
        if not s.get("kept", True):
            continue
        n = len(s["text"].split())
        out.append((s, words[i:i + n]))
        i += n
    return out if i == len(words) else None


def errors_without(clips: dict, rule: Callable[[Seg, Words], bool]) -> tuple[int, int, int]:
    """(errors, words dropped, clips that could not be split) over the dev clips."""
    errors = dropped = unsplit = 0
    for clip in clips.values():
        if clip.get("group") != "dev":
            continue
        parts = segment_words(clip)
        if parts is None:
            unsplit += 1
            errors += clip["errors"]
            continue
        kept = [w["text"] for s, ws in parts if not rule(s, ws) for w in ws]
        dropped += sum(len(ws) for s, ws in parts if rule(s, ws))
        errors += align(clip["reference"], kept)[0]
    return errors, dropped, unsplit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    names = list(RULES)
    print("| run | condition | errors / words | " + " | ".join(names) + " |")
    print("|---|---|--:|" + "--:|" * len(names))
    for run in args.runs:
        doc = json.loads((args.out / "runs" / f"{run}.json").read_text(encoding="utf-8"))
        for cond, clips in doc["clips"].items():
            dev = [c for c in clips.values() if c.get("group") == "dev"]
            before = sum(c["errors"] for c in dev)
            cells = []
            for name in names:
                after, dropped, unsplit = errors_without(clips, RULES[name])
                cells.append(f"{after - before:+d} ({dropped} words)"
                             + (f", {unsplit} unsplit" if unsplit else ""))
            print(f"| {run} | {cond} | {before} / {sum(c['ref_words'] for c in dev)} | "
                  + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
