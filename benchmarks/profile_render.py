"""Where a project render's time goes: the render's own ffmpeg command, varied one part at a time.

    python benchmarks/profile_render.py WORK [--target tiktok] [--skip-presets]

WORK is a folder a `bench.py --work WORK` run left behind (inputs and caption files). The
plan and the ffmpeg argv come from the project's own code (`make_plan`, `graph.render_argv`),
so each variant is exactly what render runs, less or more of one thing:

- the full render of the picture to mp4, and the same graph written to `-f null` (decode +
  filters, no x264): the difference is the encode; the two sound passes apart;
- the same null graph with `reframe: fit`, without captions and logo, without the cards;
- the HLG clip through the same graph (decode of 10-bit HEVC + tone-mapping);
- plain decodes of both clips; the loudness pass; the cover still;
- other x264 presets than the target's (`veryfast` since issue 16) on the full render, with
  the file size each gives.

Each variant runs as one ffmpeg process, timed with os.wait4 (wall, CPU, peak RSS), after
waiting for a quiet machine and again if other processes took the CPU meanwhile (as bench.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench import QUIET_SHARE, Ctx, busy_seconds, wait_for_quiet
from inputs import BRANDS

from pipeline.analysis.probe import probe
from pipeline.config.job import load_job
from pipeline.config.presets import get_preset
from pipeline.edit.plan import make_plan
from pipeline.engine.units import filter_threads
from pipeline.model.plan import EditPlan
from pipeline.publish.caption_file import caption_path, read_caption_file
from pipeline.render import ffmpeg, graph
from pipeline.render.assets import draw_assets
from pipeline.render.cover import CoverStyle, write_cover

_QUIET = [*graph.QUIET, "-y"]


def timed(argv: list[str], cwd: Path, wait: float, retries: int) -> dict:
    """Wall and CPU seconds and peak RSS of one ffmpeg run (the kernel's numbers), and the
    share of the CPU other processes took meanwhile; re-run while others disturbed it."""
    for attempt in range(1 + retries):
        if wait:
            wait_for_quiet(wait)
        busy = busy_seconds()
        r = _run_once(argv, cwd)
        r["others"] = max(0.0, busy_seconds() - busy - r["cpu"]) / (r["wall"] * os.cpu_count())
        if r["others"] <= QUIET_SHARE or attempt == retries:
            return r
    raise AssertionError("unreachable")


def _run_once(argv: list[str], cwd: Path) -> dict:
    began = time.monotonic()
    proc = subprocess.Popen([ffmpeg.exe(), *argv], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"profile: ffmpeg failed: {proc.stderr.read().decode()[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024}


def to_null(argv: list[str]) -> list[str]:
    """The same inputs and filter graph, nothing encoded: drop everything after the last
    `-map` pair (encoder and muxer options, output path) and write to the null muxer."""
    last_map = max(i for i, a in enumerate(argv) if a == "-map")
    return [*argv[:last_map + 2], "-f", "null", "-"]


def plan_for(job_file: Path, video: str, target: str) -> tuple[EditPlan, object]:
    job = load_job(job_file, BRANDS)
    v = next(x for x in job.videos if x.name == video)
    infos = {str(c.path): probe(c.path) for c in v.clips}
    # The caption file the benchmark's warm-up render wrote (its cut is not checked here).
    cues = read_caption_file(caption_path(job, v), []).cues
    return make_plan(job, v, infos, cues, get_preset(target)), job


def render_argv(plan: EditPlan, work: Path, out: Path) -> tuple[list[str], dict]:
    """Draw the plan's assets into `work` and return render's picture argv (as render runs
    it: filters on one thread on two cores) and its two sound passes."""
    draw_assets(plan.assets, plan.cues, work)
    measure = graph.measure_argv(plan)
    done = ffmpeg.run(measure, cwd=work)
    loud = ffmpeg.parse_loudnorm(done.stderr)
    argv = graph.render_argv([graph.Output(plan, str(out))], filter_threads())
    return argv, {"argv": measure, "sound": graph.audio_argv(plan, loud, "sound.m4a")}


def variants(inputs_dir: Path, target: str, presets: bool) -> list[tuple]:
    """(name, argv, cwd, plan) for every variant; each gets its own work folder of assets."""
    out = []
    base, job = plan_for(inputs_dir / "bench.yaml", "sdr", target)
    hlg, _ = plan_for(inputs_dir / "bench.yaml", "hlg", target)
    fit, _ = plan_for(inputs_dir / "bench-fit.yaml", "sdr", target)
    media_only = replace(base, segments=tuple(s for s in base.segments if s.kind == "media"),
                         logo=None)

    def add(name: str, plan: EditPlan, null: bool, preset: str | None = None) -> None:
        work = Path(tempfile.mkdtemp(prefix="profile-", dir=inputs_dir.parent))
        if preset:
            plan = replace(plan, encoder=replace(plan.encoder, x264_preset=preset))
        argv, measure = render_argv(plan, work, work / "out.mp4")
        out.append((name, to_null(argv) if null else argv, work, plan))
        if name == "full render (mp4)":
            out.append(("loudness pass (measure_argv)", measure["argv"], work, plan))
            out.append(("sound pass (audio_argv)", measure["sound"], work, plan))

    add("full render (mp4)", base, null=False)
    add("same graph, no encode (-f null)", base, null=True)
    add("  … reframe fit instead of blur", fit, null=True)
    add("  … without captions and logo", replace(base, captions=None, logo=None), null=True)
    add("  … clip only (no cards, no logo)", media_only, null=True)
    add("HLG clip, same graph, no encode", hlg, null=True)
    add("HLG clip, full render (mp4)", hlg, null=False)
    for clip in ("sdr", "hlg"):
        src = inputs_dir / "footage" / f"{clip}.mp4"
        out.append((f"decode only, {clip} clip", [*_QUIET, "-i", f"file:{src}", "-map", "0:v",
                                                  "-f", "null", "-"], inputs_dir, None))
    if presets:
        for p in ("medium", "fast", "faster", "veryfast"):
            if p == base.encoder.x264_preset:
                continue  # that is the full render itself
            add(f"full render, x264 preset {p}", base, null=False, preset=p)
    return out


def cover_row(plan: EditPlan, video: Path, work: Path) -> str:
    """The cover still as render makes it after the mp4 is written: the chosen frame taken
    from the mp4, the title drawn (the frames are measured inside the render)."""
    job = load_job(Path(plan.segments[1].source).parent.parent / "bench.yaml", BRANDS)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    write_cover(plan, video, work / "cover.jpg", CoverStyle(job.videos[0].title, job.brand),
                work, None)
    wall = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return f"| cover still (write_cover: frame from the mp4, title) | {wall:.1f} | {cpu:.1f} | – | – | – |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--target", default="tiktok")
    ap.add_argument("--skip-presets", action="store_true")
    ap.add_argument("--wait-quiet", type=float, default=Ctx.wait_quiet, metavar="SECONDS")
    ap.add_argument("--retries", type=int, default=Ctx.retries, metavar="N")
    args = ap.parse_args()
    inputs_dir = args.work.resolve() / "inputs"
    rows = ["| variant | wall s | CPU s | peak RSS MB | output MB | others' CPU |",
            "|---|--:|--:|--:|--:|--:|"]
    todo = variants(inputs_dir, args.target, not args.skip_presets)
    for name, argv, cwd, _ in todo:
        r = timed(argv, cwd, args.wait_quiet, args.retries)
        writes = argv[-1].endswith("out.mp4")
        size = f"{(cwd / 'out.mp4').stat().st_size / 1e6:.1f}" if writes else "–"
        rows.append(f"| {name} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['rss_mb']:.0f} | {size} | "
                    f"{r['others']:.0%} |")
        print(rows[-1], file=sys.stderr)
    _, _, cwd, plan = todo[0]  # the full render: its mp4 is there now
    rows.append(cover_row(plan, cwd / "out.mp4", cwd))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
