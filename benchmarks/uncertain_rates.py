"""How well the `uncertain` marks find Whisper's wrong words on the real-speech dev set.

    python benchmarks/uncertain_rates.py RUN.json [--thresholds 0.3,0.5,...] [--group dev]
                                         [--second OTHER_RUN.json]

RUN.json is a decode_sweep.py run: per condition and clip every hypothesis word with its
probability and whether the alignment with the reference found it right. Each word is marked
as the product marks it (`pipeline.edit.uncertain.reasons`, with the clip's glossary), and per
condition and threshold this prints the share of wrong words marked (recall; the goal is at
least 90 %) and the share of right words marked (false marks; the goal is at most 10 %).

With --second, a word is also marked when another decoding of the same clip (another run, e.g.
beam 1) has no word aligned with it: what a second Whisper pass would add.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path

from pipeline.edit.cues import build_cues
from pipeline.edit.lexicon import load_lexicon
from pipeline.edit.uncertain import PROBABILITY_THRESHOLD, reasons
from pipeline.model.captions import Word


def _token(text: str) -> str:
    return re.sub(r"[^\w]", "", text.lower())


def disagreed(words: list[dict], other: list[dict]) -> list[bool]:
    """Per word of `words`: True when the alignment with `other` matches no word to it."""
    a, b = [_token(w["text"]) for w in words], [_token(w["text"]) for w in other]
    out = [True] * len(a)
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            out[i] = False
    return out


def rates(clips: dict, threshold: float, group: str | None,
          second: dict | None = None) -> dict[str, float]:
    """Marked wrong / all wrong, marked right / all right, over the clips of one condition;
    and the share of wrong words shown in a cue with at least one mark (where a person
    checking the marks reads them anyway)."""
    wrong = right = wrong_marked = right_marked = by_dictionary = in_marked_cue = 0
    for name, clip in clips.items():
        if group and clip.get("group") != group:
            continue
        lexicon = load_lexicon(clip.get("glossary") or ())
        words = [Word(w["start"], w["end"], w["text"], w["probability"]) for w in clip["words"]]
        marked = [replace(w, uncertain=reasons(w, lexicon, threshold)) for w in words]
        if second is not None and name in second:
            marked = [w if w.uncertain or not off else replace(w, uncertain="disagreement")
                      for w, off in zip(marked, disagreed(clip["words"], second[name]["words"]))]
        cue_of = {id(w): any(x.uncertain for x in c.words)
                  for c in build_cues(marked) for w in c.words}
        for w, raw in zip(marked, clip["words"]):
            if raw["right"]:
                right += 1
                right_marked += w.uncertain is not None
            else:
                wrong += 1
                wrong_marked += w.uncertain is not None
                by_dictionary += w.uncertain is not None and "dictionary" in w.uncertain
                in_marked_cue += cue_of.get(id(w), False)
    return {"wrong": wrong, "right": right,
            "recall": wrong_marked / wrong if wrong else 0.0,
            "false_marks": right_marked / right if right else 0.0,
            "dictionary_share": by_dictionary / wrong if wrong else 0.0,
            "cue_recall": in_marked_cue / wrong if wrong else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7,0.8,0.9",
                    help=f"comma-separated (the product uses {PROBABILITY_THRESHOLD})")
    ap.add_argument("--group", default=None, help="only clips of this group (e.g. dev)")
    ap.add_argument("--second", type=Path, default=None,
                    help="another run: words it does not align with are marked too")
    args = ap.parse_args()
    doc = json.loads(args.run.read_text(encoding="utf-8"))
    other = json.loads(args.second.read_text(encoding="utf-8"))["clips"] if args.second else {}
    print("| condition | threshold | wrong words | marked | in a marked cue | right words "
          "| falsely marked |")
    print("|---|---|---|---|---|---|---|")
    for cond, clips in doc["clips"].items():
        if args.second and cond not in other:
            continue
        for t in (float(x) for x in args.thresholds.split(",")):
            r = rates(clips, t, args.group, other.get(cond) if args.second else None)
            print(f"| {cond} | {t:g} | {r['wrong']} | {r['recall']:.1%} "
                  f"(dictionary {r['dictionary_share']:.1%}) | {r['cue_recall']:.1%} | "
                  f"{r['right']} | {r['false_marks']:.1%} |")


if __name__ == "__main__":
    main()
