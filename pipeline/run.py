"""`run_job`: spec → probe → captions → plan → render → publish. The only module that calls
more than one stage.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Protocol

from . import __version__, cards, ffmpeg, graph
from .captions import AssStyle, Cue, parse_srt, to_ass, to_srt, to_vtt
from .errors import JobError, MediaError, PipelineError
from .plan import Asset, EditPlan, make_plan
from .presets import PRESETS, get_preset
from .probe import MediaInfo, probe
from .publish import atomic_path, sha256, write_manifest, write_text
from .spec import Job, Video, load_job


@dataclass(frozen=True)
class Options:
    output: Path = Path("output")
    brands: Path | None = None
    only: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    debug: bool = False


@dataclass(frozen=True)
class Output:
    video: str
    target: str
    path: Path
    duration: float
    size: int
    settings: dict = field(default_factory=dict)


@dataclass
class Result:
    job: Job
    folder: Path
    outputs: list[Output] = field(default_factory=list)
    failures: list[PipelineError] = field(default_factory=list)


class Reporter(Protocol):
    def start(self, label: str, seconds: float) -> Callable[[float], None]: ...
    def finish(self, label: str) -> None: ...
    def debug(self, line: str) -> None: ...


class Quiet:
    """A reporter that shows nothing (tests, scripts)."""

    def start(self, label: str, seconds: float) -> Callable[[float], None]:
        return lambda _s: None

    def finish(self, label: str) -> None:
        pass

    def debug(self, line: str) -> None:
        pass


def run_job(path: Path, options: Options = Options(), reporter: Reporter = Quiet()) -> Result:
    """Render every video of the job to every target. A JobError stops everything before
    rendering; a failing clip fails only its own video."""
    job = load_job(Path(path), options.brands)
    targets = _targets(job, options)
    videos = _videos(job, options)
    kit_infos = _probe_kit(job)
    folder = options.output / job.name
    folder.mkdir(parents=True, exist_ok=True)
    result = Result(job, folder)
    for video in videos:
        try:
            result.outputs += _render_video(job, video, targets, kit_infos, folder, options,
                                            reporter)
        except PipelineError as exc:
            result.failures.append(exc)
    write_manifest(folder, _manifest(job, result))
    return result


def _targets(job: Job, options: Options) -> tuple[str, ...]:
    for t in options.targets:
        if t not in PRESETS:
            raise JobError(None, f"unknown target '{t}' given with --target; known targets: "
                                 f"{', '.join(PRESETS)}")
    return options.targets or job.targets


def _videos(job: Job, options: Options) -> tuple[Video, ...]:
    if not options.only:
        return job.videos
    names = [v.name for v in job.videos]
    for o in options.only:
        if o not in names:
            raise JobError(job.path, f"--only {o}: no such video; the job has: {', '.join(names)}")
    return tuple(v for v in job.videos if v.name in options.only)


def _probe_kit(job: Job) -> dict[str, MediaInfo]:
    infos = {}
    for p in (job.brand.intro_file, job.brand.outro_file):
        if p is not None:
            try:
                infos[str(p)] = probe(p)
            except MediaError as exc:
                raise JobError(p, f"brand kit video cannot be used: {exc.reason}") from None
    return infos


def _render_video(job: Job, video: Video, targets: tuple[str, ...],
                  kit_infos: dict[str, MediaInfo], folder: Path, options: Options,
                  reporter: Reporter) -> list[Output]:
    infos = dict(kit_infos)
    for clip in video.clips:
        infos.setdefault(str(clip.path), probe(clip.path))
    clip_cues = [_clip_cues(c.path) for c in video.clips]
    outputs = []
    measured: dict[tuple, dict] = {}
    plans = [make_plan(job, video, infos, clip_cues, get_preset(t)) for t in targets]
    for plan in plans:
        outputs.append(_render_output(plan, folder, options, reporter, measured))
    cues = list(plans[0].cues)
    if cues:  # platforms reject an empty caption file
        write_text(folder / f"{video.name}.srt", to_srt(cues))
        write_text(folder / f"{video.name}.vtt", to_vtt(cues))
    return outputs


def _clip_cues(clip: Path) -> list[Cue]:
    """Captions for a clip from an SRT beside it (IMG_0412.srt next to IMG_0412.MOV)."""
    for suffix in (".srt", ".SRT"):
        srt = clip.with_suffix(suffix)
        if srt.is_file():
            try:
                return parse_srt(srt.read_text(encoding="utf-8-sig"))
            except UnicodeDecodeError:
                raise MediaError(srt, "subtitle file is not UTF-8 text; save it as UTF-8") from None
    return []


def _render_output(plan: EditPlan, folder: Path, options: Options, reporter: Reporter,
                   measured: dict[tuple, dict]) -> Output:
    label = f"{plan.video}.{plan.target}"
    final = folder / f"{label}.mp4"
    debug = reporter.debug if options.debug else None
    source = plan.segments[0].source
    with tempfile.TemporaryDirectory(prefix=".work-", dir=folder) as tmp:
        work = Path(tmp)
        draw_assets(plan.assets, plan.cues, work)
        # The audio mix is the same for every target: measure it once per video.
        key = tuple((s.source, s.start, s.frames, s.has_audio) for s in plan.segments)
        if key not in measured:
            err = ffmpeg.run(graph.measure_argv(plan), cwd=work, file=source, debug=debug)
            measured[key] = ffmpeg.parse_loudnorm(err)
        (work / "plan.json").write_text(json.dumps(plan.to_json(), indent=1, ensure_ascii=False))
        update = reporter.start(label, plan.duration)
        with atomic_path(final) as part:
            ffmpeg.run(graph.render_argv(plan, measured[key], str(part.resolve())), cwd=work,
                       file=_failing_file(plan), on_progress=update, debug=debug)
            _check_written(part, plan)
        with atomic_path(folder / f"{label}.jpg") as cover:
            ffmpeg.run(graph.cover_argv(plan, str(final.resolve()), str(cover.resolve())),
                       cwd=work, file=final, debug=debug)
        reporter.finish(label)
    settings = {"size": f"{plan.width}x{plan.height}", "fps": plan.fps, **plan.encoder,
                "loudness_target": plan.loudness, "loudness_measured_input": measured[key],
                "captions": "burned in" if plan.captions else "none", "plan_version": plan.version}
    return Output(plan.video, plan.target, final, plan.duration, final.stat().st_size, settings)


def _check_written(path: Path, plan: EditPlan) -> None:
    """Refuse to publish a file that is not what the plan asked for (e.g. cut short)."""
    info = probe(path)
    if (info.width, info.height) != (plan.width, plan.height) or \
            abs(info.duration - plan.duration) > 2 / plan.fps:
        raise MediaError(_failing_file(plan), f"render came out as {info.width}x{info.height}, "
                                              f"{info.duration:.2f} s instead of {plan.width}x"
                                              f"{plan.height}, {plan.duration:.2f} s; not published")


def _failing_file(plan: EditPlan) -> str:
    media = [s.source for s in plan.segments if s.kind == "media"]
    return media[0] if len(media) == 1 else f"video '{plan.video}'"


def draw_assets(assets: tuple[Asset, ...], cues: tuple[Cue, ...], work: Path) -> None:
    """Write every generated file the plan refers to into the work folder."""
    for a in assets:
        p = dict(a.params)
        dst = work / a.name
        if a.kind == "card":
            cards.card_png(dst, tuple(p.pop("size")), **{**p, "font": Path(p["font"]),
                           "logo": Path(p["logo"]) if p["logo"] else None, "safe": tuple(p["safe"])})
        elif a.kind == "logo":
            cards.logo_png(Path(p["src"]), dst, p["width"], p["opacity"])
        elif a.kind == "lower_third":
            cards.lower_third_png(dst, **{**p, "font": Path(p["font"])})
        elif a.kind == "font":
            (work / "fonts").mkdir(exist_ok=True)
            shutil.copyfile(p["src"], work / "fonts" / a.name)
        elif a.kind == "ass":
            dst.write_text(to_ass(list(cues), AssStyle(**p["style"])), encoding="utf-8")


def _manifest(job: Job, result: Result) -> dict:
    return {
        "job": job.name,
        "job_file": str(job.path),
        "brand": job.brand.name,
        "outputs": [{
            "video": o.video, "target": o.target, "file": o.path.name,
            "sha256": sha256(o.path), "bytes": o.size, "duration": round(o.duration, 3),
            "settings": o.settings,
        } for o in result.outputs],
        "failures": [e.message() for e in result.failures],
        "tools": _versions(),
    }


def _versions() -> dict:
    out = {"pipeline": __version__, "python": sys.version.split()[0], "ffmpeg": ffmpeg.version()}
    for pkg in ("av", "imageio-ffmpeg", "pillow", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out
