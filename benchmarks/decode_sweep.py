"""Word error rate and real-time factor of Whisper decoding variants on the real-voice dev set.

    python benchmarks/devset.py build DEVSET
    python benchmarks/decode_sweep.py run DEVSET OUT [--variants baseline,beam1,...]
                                      [--conditions clean,street,...] [--group dev|extra|all]
                                      [--tag NAME]
    python benchmarks/decode_sweep.py table OUT [--markdown OUT/RESULTS.md]
    python benchmarks/decode_sweep.py variants
    python benchmarks/decode_sweep.py compare OUT/runs/A.json OUT/runs/B.json

Every variant runs in a Whisper process of its own started with the pinned kernels
(`{**os.environ, **kernels.env()}`, as whisper_child starts the product's), loads Whisper with
`pipeline.analysis.whisper.load_model` and turns segments into words with the product's own
`whisper._words` (the same loop and hallucination filter), after the product's loop re-decode.
faster_whisper is imported only there. `baseline` is the product's decode as it stands; each
other variant changes one thing (or one named combination). Speech enhancement runs before
Whisper, as ffmpeg on the 16 kHz audio; its time is reported apart from Whisper's.

OUT/runs/VARIANT[.TAG][.GROUP].json (no GROUP for `dev`) holds, per condition and clip, the
hypothesis, every word (text, probability, start, end, whether the alignment with the reference
found it right), the segments Whisper returned (kept or filtered) and the timings. WER is
pooled: all word errors of a condition over all its reference words
(`pipeline.analysis.transcribe.words_of`: lowercase, no punctuation). RTF = Whisper's wall
seconds (model load excluded, warm) / audio seconds; CPU s per s = the Whisper process's CPU
seconds (both threads) / audio seconds, which other users of the machine disturb less."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import devset  # noqa: E402  (the sibling script)

from pipeline.analysis import whisper as W  # noqa: E402
from pipeline.analysis.kernels import Kernels, this_machine  # noqa: E402
from pipeline.analysis.models import resolve_model  # noqa: E402
from pipeline.analysis.transcribe import wer, words_of  # noqa: E402

LANGUAGE = "de"


@dataclass(frozen=True)
class Variant:
    """One way of decoding. The defaults are the product's (pipeline.analysis.whisper)."""
    name: str
    what: str
    beam: int = W.BEAM_SIZE
    patience: float = 1.0
    temperatures: tuple[float, ...] = W.TEMPERATURES
    condition_on_previous_text: bool = False
    vad_filter: bool = True
    vad_parameters: dict = field(default_factory=dict)   # empty: faster-whisper's defaults
    enhance: str = ""                                    # ffmpeg -af chain before Whisper
    glossary: str = ""                                   # "", "prompt", "hotwords"
    glossary_scope: str = "clip"                         # "clip": its own terms; "job": all
    product: bool = False                                # call whisper.whisper_words itself


FALLBACK = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
VARIANTS: dict[str, Variant] = {v.name: v for v in [
    Variant("baseline", "the product: beam 5, temperature 0, VAD defaults, no previous text"),
    Variant("product", "whisper.whisper_words itself (must equal baseline)", product=True),
    Variant("beam1", "greedy", beam=1),
    Variant("beam3", "beam 3", beam=3),
    Variant("beam8", "beam 8", beam=8),
    Variant("patience1.5", "beam 5, patience 1.5", patience=1.5),
    Variant("patience2", "beam 5, patience 2", patience=2.0),
    Variant("fallback", "temperatures 0, 0.2 ... 1.0 (sampling when a decode fails its "
            "thresholds)", temperatures=FALLBACK),
    Variant("prevtext", "condition_on_previous_text True", condition_on_previous_text=True),
    Variant("vad_thr0.35", "VAD threshold 0.35", vad_parameters={"threshold": 0.35}),
    Variant("vad_thr0.65", "VAD threshold 0.65", vad_parameters={"threshold": 0.65}),
    Variant("vad_sil500", "VAD min_silence_duration_ms 500 (default 2000)",
            vad_parameters={"min_silence_duration_ms": 500}),
    Variant("vad_pad200", "VAD speech_pad_ms 200 (default 400)",
            vad_parameters={"speech_pad_ms": 200}),
    Variant("vad_pad800", "VAD speech_pad_ms 800 (default 400)",
            vad_parameters={"speech_pad_ms": 800}),
    Variant("vad_off", "vad_filter False", vad_filter=False),
    Variant("enh_hp80", "highpass=f=80", enhance="highpass=f=80"),
    Variant("enh_afftdn", "afftdn=nf=-25", enhance="afftdn=nf=-25"),
    Variant("enh_afftdn_tn", "afftdn=nf=-25:tn=1 (noise floor tracked)",
            enhance="afftdn=nf=-25:tn=1"),
    Variant("enh_loudnorm", "loudnorm=I=-20:TP=-2:LRA=11", enhance="loudnorm=I=-20:TP=-2:LRA=11"),
    Variant("enh_dynaudnorm", "dynaudnorm (defaults)", enhance="dynaudnorm"),
    Variant("vad0.35_dyn", "VAD threshold 0.35 (the product since 311bab7) and dynaudnorm",
            vad_parameters={"threshold": 0.35}, enhance="dynaudnorm"),
    Variant("enh_hp_dn_dyn", "highpass=f=80, afftdn=nf=-25:tn=1, dynaudnorm",
            enhance="highpass=f=80,afftdn=nf=-25:tn=1,dynaudnorm"),
    Variant("gloss_prompt", "the clip's glossary as initial_prompt 'Glossar: A, B.' (the product's "
            "glossary_prompt)", glossary="prompt"),
    Variant("gloss_hotwords", "the clip's glossary as hotwords 'A, B'", glossary="hotwords"),
    Variant("gloss_prompt_job", "every clip's terms as one job glossary, as initial_prompt",
            glossary="prompt", glossary_scope="job"),
    Variant("gloss_hotwords_job", "every clip's terms as one job glossary, as hotwords",
            glossary="hotwords", glossary_scope="job"),
    Variant("vad0.35_gloss_job", "the product with a job glossary: VAD threshold 0.35, every "
            "clip's terms as one initial_prompt", vad_parameters={"threshold": 0.35},
            glossary="prompt", glossary_scope="job"),
]}


# --- scoring --------------------------------------------------------------------------------


def align(reference: str, words: Sequence[str]) -> tuple[int, int, list[bool], list[str]]:
    """Errors, reference length, for each hypothesis word whether all its tokens were matched,
    and the edit operations (ok/sub/del/ins) over normalised tokens."""
    ref = words_of(reference)
    hyp: list[tuple[str, int]] = [(t, i) for i, w in enumerate(words) for t in words_of(w)]
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1][0]))
    ops: list[str] = []
    right = [True] * len(words)
    i, j = n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1][0]):
            same = ref[i - 1] == hyp[j - 1][0]
            ops.append("ok" if same else f"sub {ref[i - 1]}>{hyp[j - 1][0]}")
            right[hyp[j - 1][1]] &= same
            i, j = i - 1, j - 1
        elif j and d[i][j] == d[i][j - 1] + 1:
            ops.append(f"ins {hyp[j - 1][0]}")
            right[hyp[j - 1][1]] = False
            j -= 1
        else:
            ops.append(f"del {ref[i - 1]}")
            i -= 1
    ops.reverse()
    for w in range(len(words)):
        if not words_of(words[w]):
            right[w] = True  # punctuation only: not scored
    return d[n][m], n, right, ops


# --- the Whisper process --------------------------------------------------------------------


def _decode(model, audio: np.ndarray, v: Variant, glossary: Sequence[str]):
    """whisper._decode with the variant's options, and whisper_words' loop re-decode."""
    prompt = W.glossary_prompt(glossary) if v.glossary == "prompt" else None
    hotwords = ", ".join(glossary) if v.glossary == "hotwords" and glossary else None

    def run(prompt, hotwords, no_repeat):
        segments, info = model.transcribe(
            audio, language=LANGUAGE, beam_size=v.beam, patience=v.patience,
            word_timestamps=True, vad_filter=v.vad_filter,
            vad_parameters=dict(v.vad_parameters) or None,
            condition_on_previous_text=v.condition_on_previous_text,
            no_speech_threshold=W.NO_SPEECH_THRESHOLD, log_prob_threshold=W.LOG_PROB_THRESHOLD,
            compression_ratio_threshold=W.LOOP_RATIO, initial_prompt=prompt, hotwords=hotwords,
            temperature=list(v.temperatures), no_repeat_ngram_size=no_repeat)
        return [info, *segments]

    result = run(prompt, hotwords, 0)
    retries = 0
    hinted = prompt is not None or hotwords is not None
    for retry_hint in ([(prompt, hotwords), (None, None)] if hinted else [(None, None)]):
        if not W._loops(result):
            break
        retries += 1
        retry = run(*retry_hint, W.LOOP_NO_REPEAT)
        if not W._loops(retry):
            result = retry
    info, *segments = result
    return info, segments, retries


def child(request: Path, out: Path) -> None:
    job = pickle.loads(request.read_bytes())
    kernels: Kernels = job["kernels"]
    v: Variant = job["variant"]
    folder = Path(job["folder"])
    began = time.perf_counter()
    model = W.load_model(folder, kernels)
    loaded = time.perf_counter() - began
    items = job["items"]
    if items:  # warm the kernels and the VAD on a first piece, untimed
        _decode(model, items[0]["audio"][: 5 * devset.RATE], v, ())
    results = []
    for it in items:
        t0, c0 = time.perf_counter(), time.process_time()
        if v.product:
            language, probability, words = W.whisper_words(
                folder, it["audio"], LANGUAGE, tuple(it["glossary"]), v.beam, 0.0, kernels)
            segments, retries = [], None
        else:
            info, segments, retries = _decode(model, it["audio"], v, it["glossary"])
            words = W._words(segments, 0.0)
            probability = round(float(info.language_probability), 4)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        kept = {id(s) for s in segments if W._words([s], 0.0)}
        results.append({
            "condition": it["condition"], "clip": it["clip"], "decode_s": round(seconds, 4),
            "cpu_s": round(cpu, 4), "retries": retries, "language_probability": probability,
            "words": [{"text": w.text, "probability": w.probability, "start": w.start,
                       "end": w.end} for w in words],
            "segments": [{"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text,
                          "avg_logprob": round(s.avg_logprob, 4),
                          "no_speech_prob": round(s.no_speech_prob, 4),
                          "compression_ratio": round(s.compression_ratio, 4),
                          "temperature": s.temperature, "kept": id(s) in kept}
                         for s in segments]})
    out.write_text(json.dumps({"load_s": round(loaded, 3), "results": results},
                              ensure_ascii=False), encoding="utf-8")


# --- the parent -----------------------------------------------------------------------------


def _busy_ticks() -> int:
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return user + nice + system + irq + softirq + steal


def _children_cpu() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def enhance(path: Path, chain: str) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    raw = devset.ffmpeg("-i", f"file:{path}", "-af", chain, "-ac", "1", "-ar",
                        str(devset.RATE), "-f", "f32le", "-")
    return np.frombuffer(raw, np.float32).copy(), time.perf_counter() - t0


def run_variant(index: dict, root: Path, v: Variant, conditions: Sequence[str], group: str,
                out: Path, tag: str, kernels: Kernels) -> dict:
    clips = [c for c in index["clips"] if group == "all" or c["group"] == group]
    job_terms = sorted({t for c in index["clips"] for t in c["glossary"]})
    items, enhance_s, glossaries, reused = [], {}, {}, {}
    # A clip without glossary terms decodes exactly as in baseline (one pinned path, same
    # options): its baseline record is taken instead of decoding it again.
    base_file = out / "runs" / "baseline.json"
    base = (json.loads(base_file.read_text(encoding="utf-8"))["clips"]
            if v.glossary and v.glossary_scope == "clip" and base_file.is_file() else {})
    for cond in conditions:
        for c in clips:
            terms = (job_terms if v.glossary_scope == "job" else c["glossary"]) if v.glossary \
                else []
            if not terms and c["clip"] in base.get(cond, {}):
                reused[(cond, c["clip"])] = {**base[cond][c["clip"]], "reused": "baseline"}
                continue
            path = root / index["files"][cond][c["clip"]]["path"]
            if v.enhance:
                audio, dt = enhance(path, v.enhance)
                enhance_s[(cond, c["clip"])] = dt
            else:
                audio = devset.read_audio(path).copy()
            items.append({"condition": cond, "clip": c["clip"], "audio": audio,
                          "glossary": list(terms)})
            glossaries[(cond, c["clip"])] = list(terms)
    name = v.name + (f".{tag}" if tag else "") + (f".{group}" if group != "dev" else "")
    work = out / "runs"
    work.mkdir(parents=True, exist_ok=True)
    request, reply = work / f".{name}.request.pkl", work / f".{name}.reply.json"
    request.write_bytes(pickle.dumps({"kernels": kernels, "variant": v,
                                      "folder": str(resolve_model("base")), "items": items}))
    began, cpu0, ticks0 = time.perf_counter(), _children_cpu(), _busy_ticks()
    log = work / f"{name}.log"
    with open(log, "wb") as err:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "child",
                               str(request), str(reply)], stderr=err, stdout=err,
                              env={**os.environ, **kernels.env()})
    wall = time.perf_counter() - began
    # What the whole machine did meanwhile beyond this run (other users' work slows it down).
    others = max(0.0, (_busy_ticks() - ticks0) / os.sysconf("SC_CLK_TCK")
                 - (_children_cpu() - cpu0)) / wall
    request.unlink()
    if proc.returncode:
        raise SystemExit(f"{name}: Whisper's process failed (exit {proc.returncode}); see {log}")
    got = json.loads(reply.read_text(encoding="utf-8"))
    reply.unlink()
    refs = {c["clip"]: c for c in index["clips"]}
    per: dict[str, dict] = {}
    for r in got["results"]:
        c = refs[r["clip"]]
        seconds = index["files"][r["condition"]][r["clip"]]["seconds"]
        record = per.setdefault(r["condition"], {})[r["clip"]] = {
            "group": c["group"], "glossary": glossaries[(r["condition"], r["clip"])],
            "hypothesis": " ".join(w["text"] for w in r["words"]), "audio_s": seconds,
            "decode_s": r["decode_s"], "cpu_s": r["cpu_s"],
            "enhance_s": round(enhance_s.get((r["condition"], r["clip"]), 0.0), 4),
            "retries": r["retries"], "language_probability": r["language_probability"],
            "words": r["words"], "segments": r["segments"]}
        score(record, c["reference"])
    for (cond, clip), record in reused.items():
        per.setdefault(cond, {})[clip] = record
    per = {cond: dict(sorted(rows.items())) for cond, rows in per.items()}
    summary = summarise(per)
    doc = {"variant": asdict(v), "tag": tag, "group": group, "kernels": kernels.label(),
           "engine": f"faster-whisper {metadata.version('faster-whisper')}, ctranslate2 "
                     f"{metadata.version('ctranslate2')}",
           "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "load_s": got["load_s"], "wall_s": round(wall, 2),
           "other_cpus_busy": round(others, 2), "summary": summary,
           "clips": per}
    (work / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False),
                                       encoding="utf-8")
    return doc


def score(record: dict, reference: str) -> None:
    """Errors, alignment and per-word right/wrong of one clip's record, in place."""
    texts = [w["text"] for w in record["words"]]
    errors, n, right, ops = align(reference, texts)
    assert abs(errors / n - wer(reference, " ".join(texts))) < 1e-9, (reference, errors, n)
    for w, ok in zip(record["words"], right):
        w["right"] = ok
    record.update(reference=reference, errors=errors, ref_words=n, ops=ops)


def rescore(out: Path, index: dict) -> list[str]:
    """Every run scored again against the index's references (after a reference is fixed)."""
    refs = {c["clip"]: c["reference"] for c in index["clips"]}
    changed = []
    for path in sorted((out / "runs").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        before = {c: s["errors"] for c, s in doc["summary"].items()}
        for rows in doc["clips"].values():
            for clip, record in rows.items():
                score(record, refs[clip])
        doc["summary"] = summarise(doc["clips"])
        after = {c: s["errors"] for c, s in doc["summary"].items()}
        if after != before:
            changed.append(f"{path.name}: {before} -> {after}")
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return changed


def summarise(per: dict) -> dict:
    summary = {}
    for cond, rows in per.items():
        errors = sum(x["errors"] for x in rows.values())
        n = sum(x["ref_words"] for x in rows.values())
        audio = sum(x["audio_s"] for x in rows.values())
        summary[cond] = {"wer": round(errors / n, 4), "errors": errors, "ref_words": n,
                         "audio_s": round(audio, 2),
                         "decode_s": round(sum(x["decode_s"] for x in rows.values()), 3),
                         "cpu_s": round(sum(x["cpu_s"] for x in rows.values()), 3),
                         "rtf": round(sum(x["decode_s"] for x in rows.values()) / audio, 4),
                         "enhance_rtf": round(sum(x["enhance_s"] for x in rows.values()) / audio,
                                              4)}
    return summary


def _sum(s: dict, conds: Sequence[str], key: str) -> float:
    return sum(s[c][key] for c in conds if c in s)


def table(out: Path) -> str:
    """Per variant: WER % per condition, its word errors against baseline's on the same
    conditions, and Whisper's time per audio second (wall and CPU), CPU also as a ratio to
    baseline's on the same conditions (wall time depends on what else the machine ran)."""
    docs = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((out / "runs").glob("*.json"))]
    order = list(VARIANTS)
    docs.sort(key=lambda d: (order.index(d["variant"]["name"]) if d["variant"]["name"] in order
                             else len(order), d["tag"]))
    conds = [c for c in devset.CONDITIONS if any(c in d["summary"] for d in docs)]
    lines = []
    for group in ("dev", "extra", "all"):
        sel = [d for d in docs if d["group"] == group]
        if not sel:
            continue
        base = next((d["summary"] for d in sel if d["variant"]["name"] == "baseline"
                     and not d["tag"]), {})
        n = {c: next((d["summary"][c]["ref_words"] for d in sel if c in d["summary"]), 0)
             for c in conds}
        lines += [f"Group `{group}`: WER % pooled over the clips (reference words: "
                  + ", ".join(f"{c} {n[c]}" for c in conds) + ").", "",
                  "| variant | " + " | ".join(conds) + " | errors vs baseline | RTF | "
                  "CPU s per s | CPU / baseline | ffmpeg RTF | others' CPUs |",
                  "|---|" + "---:|" * (len(conds) + 6)]
        for d in sel:
            s = d["summary"]
            ran = [c for c in conds if c in s]
            name = d["variant"]["name"] + (f" ({d['tag']})" if d["tag"] else "")
            audio = _sum(s, ran, "audio_s")
            rtf = _sum(s, ran, "decode_s") / audio
            cells = [f"{100 * s[c]['wer']:.1f}" if c in s else "" for c in conds]
            if base and all(c in base for c in ran):
                delta = int(_sum(s, ran, "errors") - _sum(base, ran, "errors"))
                cpu_ratio = _sum(s, ran, "cpu_s") / _sum(base, ran, "cpu_s")
                cells += [f"{delta:+d} (of {int(_sum(base, ran, 'ref_words'))})",
                          f"{rtf:.3f}", f"{_sum(s, ran, 'cpu_s') / audio:.3f}", f"{cpu_ratio:.2f}"]
            else:
                cells += ["", f"{rtf:.3f}", f"{_sum(s, ran, 'cpu_s') / audio:.3f}", ""]
            enh = _sum(s, ran, "enhance_rtf") / len(ran)
            cells += [f"{enh:.3f}" if enh else "", f"{d.get('other_cpus_busy', 0):.2f}"]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def compare(a: Path, b: Path) -> str:
    """Where two runs (two processes) heard different words: reproducibility."""
    da, db = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    lines = []
    for cond in [c for c in da["clips"] if c in db["clips"]]:
        diff = [clip for clip, x in da["clips"][cond].items()
                if clip in db["clips"][cond] and x["hypothesis"] != db["clips"][cond][clip][
                    "hypothesis"]]
        errs = (sum(x["errors"] for x in da["clips"][cond].values()),
                sum(x["errors"] for x in db["clips"][cond].values()))
        lines.append(f"{cond}: {len(diff)} of {len(da['clips'][cond])} clips differ, errors "
                     f"{errs[0]} vs {errs[1]}" + (f" ({', '.join(diff)})" if diff else ""))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("devset", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--variants", default="baseline")
    r.add_argument("--conditions", default=",".join(devset.CONDITIONS))
    r.add_argument("--group", default="dev", choices=["dev", "extra", "all"])
    r.add_argument("--tag", default="", help="a second run of the same variant: its file suffix")
    t = sub.add_parser("table")
    t.add_argument("out", type=Path)
    t.add_argument("--markdown", type=Path)
    sub.add_parser("variants")
    rs = sub.add_parser("rescore", help="score every run in OUT again with DEVSET's references")
    rs.add_argument("devset", type=Path)
    rs.add_argument("out", type=Path)
    cmp = sub.add_parser("compare", help="clips whose words differ between two run files")
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    c = sub.add_parser("child")
    c.add_argument("request", type=Path)
    c.add_argument("reply", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "child":
        child(args.request, args.reply)
        return 0
    if args.cmd == "variants":
        for v in VARIANTS.values():
            print(f"{v.name:20} {v.what}")
        return 0
    if args.cmd == "rescore":
        index = json.loads((args.devset / "index.json").read_text(encoding="utf-8"))
        print("\n".join(rescore(args.out, index)) or "no run changed")
        return 0
    if args.cmd == "compare":
        print(compare(args.a, args.b))
        return 0
    if args.cmd == "table":
        md = table(args.out)
        print(md)
        if args.markdown:
            args.markdown.write_text(md, encoding="utf-8")
        return 0
    index = json.loads((args.devset / "index.json").read_text(encoding="utf-8"))
    kernels = this_machine()
    conditions = [c for c in args.conditions.split(",") if c]
    for name in [n for n in args.variants.split(",") if n]:
        if name not in VARIANTS:
            print(f"decode_sweep: unknown variant {name}", file=sys.stderr)
            return 2
        doc = run_variant(index, args.devset, VARIANTS[name], conditions, args.group,
                          args.out, args.tag, kernels)
        assert "faster_whisper" not in sys.modules and "ctranslate2" not in sys.modules
        print(f"{name}{'.' + args.tag if args.tag else ''}: " + ", ".join(
            f"{c} {100 * s['wer']:.1f}% rtf {s['rtf']:.3f}" for c, s in doc["summary"].items())
              + f" (wall {doc['wall_s']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
