"""`run_job`: spec → probe → captions → plan → render → publish. The only module that calls
more than one stage.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Protocol

from . import __version__, cards, ffmpeg, graph, lut, presets, transcribe
from .captions import AssStyle, Cue, CueRules, build_cues, readability, to_ass, to_srt, to_vtt
from .correction import caption_path, read_caption_file, write_caption_file
from .cover import CoverStyle, scan_for, write_cover
from .errors import JobError, MediaError, PipelineError, TranscribeError
from .manifest import build as build_manifest, read as read_manifest
from .plan import Asset, EditPlan, clip_range, frames_for, make_plan
from .presets import PRESETS, get_preset
from .probe import MediaInfo, probe
from .publish import (atomic_path, clean_leftovers, job_lock, read_state, record_state,
                      write_manifest, write_text)
from .spec import Job, Video, load_job
from .whisper_child import Children, WhisperChild


@dataclass(frozen=True)
class Options:
    output: Path = Path("output")
    brands: Path | None = None
    only: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    debug: bool = False
    fast: bool = False       # preview: 540x960, x264 veryfast, into <job>-preview/


@dataclass(frozen=True)
class Output:
    video: str
    target: str
    path: Path
    duration: float
    size: int
    settings: dict = field(default_factory=dict)
    skipped: bool = False      # already up to date from an earlier run


@dataclass
class Result:
    job: Job
    folder: Path
    outputs: list[Output] = field(default_factory=list)
    failures: list[PipelineError] = field(default_factory=list)
    captions: dict[str, dict] = field(default_factory=dict)   # video → readability report


class Reporter(Protocol):
    def start(self, label: str, seconds: float) -> Callable[[float], None]: ...
    def finish(self, label: str) -> None: ...
    def debug(self, line: str) -> None: ...
    def warn(self, line: str) -> None: ...


class Quiet:
    """A reporter that shows nothing (tests, scripts)."""

    def start(self, label: str, seconds: float) -> Callable[[float], None]:
        return lambda _s: None

    def finish(self, label: str) -> None:
        pass

    def debug(self, line: str) -> None:
        pass

    def warn(self, line: str) -> None:
        pass


def run_job(path: Path, options: Options = Options(), reporter: Reporter = Quiet()) -> Result:
    """Render every video of the job to every target. A JobError stops everything before
    rendering; a failing clip fails only its own video."""
    job = load_job(Path(path), options.brands)
    targets = _targets(job, options)
    videos = _videos(job, options)
    kit_infos = _probe_kit(job)
    _check_model(job, videos)
    folder = options.output / (f"{job.name}-preview" if options.fast else job.name)
    result = Result(job, folder)
    fps = get_preset(targets[0]).fps
    children = Children()  # this job's Whisper processes
    try:
        ahead = ThreadPoolExecutor(max_workers=1)
        with job_lock(folder, lambda: reporter.warn(
                f"waiting: another render of '{job.name}' is writing to {folder}")), \
                _cancelling(ahead, children):
            clean_leftovers(folder)
            for video, prepared in zip(videos, _prepared(job, videos, kit_infos, fps, reporter,
                                                         ahead, children)):
                try:
                    result.outputs += _render_video(job, video, targets, prepared(),
                                                    folder, options, reporter, result)
                except PipelineError as exc:
                    result.failures.append(exc)
                except OSError as exc:  # disk full, share gone: this video fails, not the run
                    result.failures.append(PipelineError(exc.filename or folder,
                                                         _os_reason(exc)))
            write_manifest(folder, _manifest(job, result))
    except OSError as exc:
        raise PipelineError(exc.filename or folder, _os_reason(exc)) from None
    return result


def overlap_transcription() -> bool:
    """Whether the next video is probed and transcribed while this one encodes.

    Only with cores to spare. On two cores x264 keeps both busy: a job of two 60 s videos to
    two targets took 169.2 s with the overlap and 163.6 s without, and the overlap put Whisper
    (~0.3 GB) beside two 1080x1920 encoders (~1.25 GB): 1472 MB at the peak against 1342."""
    return usable_cores() > 2


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the
    machine has; a CPU quota in a cgroup is not seen here)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _prepared(job: Job, videos: tuple[Video, ...], kit_infos: dict[str, MediaInfo], fps: int,
              reporter: Reporter, ahead: ThreadPoolExecutor,
              children: Children) -> list[Callable[[], Prepared]]:
    """For each video, a call that returns it prepared: started ahead on spare cores, else
    made when it is called (just before the video renders)."""
    if overlap_transcription():
        pending = [ahead.submit(_prepare, job, v, kit_infos, fps, reporter, children)
                   for v in videos]
        return [p.result for p in pending]
    return [functools.partial(_prepare, job, v, kit_infos, fps, reporter, children)
            for v in videos]


@contextmanager
def _cancelling(pool: ThreadPoolExecutor, children: Children):
    """On Ctrl-C do not wait for transcriptions of videos that will not be rendered now."""
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        children.stop()


def _os_reason(exc: OSError) -> str:
    return (f"cannot write ({exc.strerror or exc}); check the drive has space and that you "
            "may write there, or choose another folder with --output")


def _targets(job: Job, options: Options) -> tuple[str, ...]:
    for t in options.targets:
        if t not in PRESETS:
            raise JobError(None, f"unknown target '{t}' given with --target; known targets: "
                                 f"{', '.join(PRESETS)}")
    targets = options.targets or job.targets
    return tuple(dict.fromkeys(presets.fast(t) for t in targets)) if options.fast else targets


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


def _check_model(job: Job, videos: tuple[Video, ...]) -> None:
    """A missing Whisper model is a set-up problem: say so once, before rendering anything."""
    if all(caption_path(job, v).is_file() for v in videos):
        return  # every video has its caption file: Whisper is not needed
    try:
        transcribe.resolve_model(job.model)
    except TranscribeError as exc:
        raise JobError(job.path, f"transcription.model: {exc.reason}") from None


@dataclass(frozen=True)
class Prepared:
    """A video's probed clips and captions: everything before the encode."""

    infos: dict[str, MediaInfo]
    cues: list[Cue]
    origin: dict


def _prepare(job: Job, video: Video, kit_infos: dict[str, MediaInfo], fps: int,
             reporter: Reporter, children: Children) -> Prepared:
    infos = dict(kit_infos)
    for clip in video.clips:
        infos.setdefault(str(clip.path), probe(clip.path))
    cues, origin = _video_cues(job, video, infos, fps, reporter, children)
    return Prepared(infos, cues, origin)


def _render_video(job: Job, video: Video, targets: tuple[str, ...], prepared: Prepared,
                  folder: Path, options: Options, reporter: Reporter,
                  result: Result) -> list[Output]:
    body_cues = prepared.cues
    result.captions[video.name] = {**readability(body_cues, cue_rules(job)).to_json(),
                                   **prepared.origin}
    measured: dict[tuple, dict] = {}
    plans = [make_plan(job, video, prepared.infos, body_cues, get_preset(t)) for t in targets]
    done: dict[str, Output] = {}
    fresh: list[EditPlan] = []
    twins: list[tuple[EditPlan, EditPlan]] = []
    for plan in plans:
        skipped = _up_to_date(plan, folder, reporter)
        twin = next((f for f in fresh if _same_picture(plan, f)), None)
        if skipped is not None:
            done[plan.target] = skipped
        elif twin is not None:
            twins.append((plan, twin))
        else:
            fresh.append(plan)
    # Targets whose sound is the same (all of them, with the shipped presets) are rendered
    # by one ffmpeg: every clip is decoded, tone-mapped and reframed once for all of them.
    groups: dict[tuple, list[EditPlan]] = {}
    for plan in fresh:
        groups.setdefault(_audio_key(plan), []).append(plan)
    style = CoverStyle(video.title, job.brand)
    for group in groups.values():
        for i in range(0, len(group), MAX_TOGETHER):
            chunk = group[i:i + MAX_TOGETHER]
            for out in _render_outputs(chunk, folder, options, reporter, measured, style):
                done[out.target] = out
    for plan, twin in twins:
        done[plan.target] = _copy_output(done[twin.target], plan, folder, reporter)
    outputs = [done[p.target] for p in plans]
    cues = list(plans[0].cues)
    if cues:  # platforms reject an empty caption file
        write_text(folder / f"{video.name}.srt", to_srt(cues))
        write_text(folder / f"{video.name}.vtt", to_vtt(cues))
    return outputs


def _same_picture(plan: EditPlan, other: EditPlan) -> bool:
    """Two plans that differ only in their name: such targets are encoded once."""
    return {**plan.to_json(), "target": None} == {**other.to_json(), "target": None}


def _audio_key(plan: EditPlan) -> tuple:
    """What the sound of an output is made of: outputs with the same key share it."""
    return (tuple((s.source, s.start, s.frames, s.has_audio) for s in plan.segments),
            plan.fps, json.dumps(plan.loudness, sort_keys=True),
            json.dumps(plan.encoder, sort_keys=True))


def _copy_output(twin: Output, plan: EditPlan, folder: Path, reporter: Reporter) -> Output:
    label = f"{plan.video}.{plan.target}"
    for suffix in (".mp4", ".jpg"):
        with atomic_path(folder / f"{label}{suffix}") as part:
            shutil.copyfile(twin.path.with_suffix(suffix), part)
    record_state(folder, f"{label}.mp4", output_key(plan))
    reporter.warn(f"{label}.mp4: same picture and sound as {twin.path.name}, copied")
    return replace(twin, target=plan.target, path=folder / f"{label}.mp4")


def cue_rules(job: Job) -> CueRules:
    st = job.caption_style
    return CueRules(max_chars=st.max_chars, max_lines=st.max_lines, max_cps=st.max_cps,
                    min_seconds=st.min_seconds, max_seconds=st.max_seconds,
                    keep_together=tuple(g for g in job.glossary if " " in g))


def _video_cues(job: Job, video: Video, infos: dict[str, MediaInfo], fps: int,
                reporter: Reporter, children: Children | None = None) -> tuple[list[Cue], dict]:
    """The video's captions from its caption file if there is one, else from Whisper (and
    then written to the caption file for correction). Timed from the first clip frame."""
    ranges = [clip_range(c, infos[str(c.path)]) for c in video.clips]
    lengths = [frames_for(e - s, fps) / fps for s, e in ranges]
    cut = [[c.path.name, s, round(s + n, 3)] for c, (s, _), n in zip(video.clips, ranges, lengths)]
    path = caption_path(job, video)
    if path.is_file():
        found = read_caption_file(path, cut)
        if found.stale:
            reporter.warn(f"warning: {path}: made for other clips or trims than the job has "
                          "now; check it, or delete it to transcribe again")
        return found.cues, {**found.origin, "caption_file": str(path)}
    cues: list[Cue] = []
    transcripts = []
    offset = 0.0
    with WhisperChild(children) as whisper:  # started at the first cache miss, if any
        for clip, (start, _), length in zip(video.clips, ranges, lengths):
            if infos[str(clip.path)].has_audio:
                t = transcribe.transcribe(
                    clip.path, language=job.language, model=job.model, glossary=job.glossary,
                    start=start, end=start + length, cache_dir=transcribe.transcripts_dir(),
                    whisper=whisper)
                transcripts.append(t)
                shift = offset - start
                words = [replace(w, start=w.start + shift, end=w.end + shift) for w in t.words]
                cues += build_cues(words, cue_rules(job))  # per clip: no cue spans a join
            offset += length
    origin = _origin(job, transcripts)
    try:
        write_caption_file(path, cues, origin, cut)
    except OSError as exc:  # e.g. the job file sits on a read-only share: render anyway
        reporter.warn(f"warning: {path}: cannot save the caption file for correction "
                      f"({exc.strerror}); the captions are burned in as transcribed")
        return cues, origin
    # From now on the file is the captions: read it back, so this render and every later one
    # use exactly the same (millisecond-rounded) cues and an unchanged job stays up to date.
    return read_caption_file(path, cut).cues, {**origin, "caption_file": str(path)}


def _origin(job: Job, transcripts: list) -> dict:
    words = [w for t in transcripts for w in t.words]
    heard = [t for t in transcripts if t.words]  # language detection means nothing on silence
    return {
        "source": "whisper", "model": job.model, "glossary": list(job.glossary),
        "kernels": transcripts[0].options.get("kernels") if transcripts else None,
        "language": heard[0].language if heard else None,
        "language_probability": min((t.language_probability for t in heard), default=None),
        "confidence": round(sum(w.probability for w in words) / len(words), 3) if words else None,
    }


def _up_to_date(plan: EditPlan, folder: Path, reporter: Reporter) -> Output | None:
    final = folder / f"{plan.video}.{plan.target}.mp4"
    if final.is_file() and final.with_suffix(".jpg").is_file() and \
            read_state(folder).get(final.name) == output_key(plan):
        reporter.warn(f"skipped {final.name}: up to date (same clips, job, kit and program)")
        return Output(plan.video, plan.target, final, plan.duration, final.stat().st_size,
                      skipped=True)
    return None


def _render_outputs(plans: list[EditPlan], folder: Path, options: Options, reporter: Reporter,
                    measured: dict[tuple, dict], cover_style: CoverStyle) -> list[Output]:
    """Render `plans` (one video, several targets, the same sound): the picture of all of
    them with one ffmpeg, the sound once beside it; then join, check each file and make its
    cover. Each mp4 appears under its final name only whole."""
    lead = plans[0]
    labels = [f"{p.video}.{p.target}" for p in plans]
    finals = [folder / f"{label}.mp4" for label in labels]
    keys = [output_key(p) for p in plans]
    debug = reporter.debug if options.debug else None
    with tempfile.TemporaryDirectory(prefix=".work-", dir=folder) as tmp:
        work = Path(tmp)
        places = [f"t{i}" for i in range(len(plans))]  # each target's drawn assets
        for plan, at in zip(plans, places):
            draw_assets(plan.assets, plan.cues, work / at)
            (work / at / "plan.json").write_text(json.dumps(plan.to_json(), indent=1,
                                                            ensure_ascii=False))
        key = _audio_key(lead)
        updates = [reporter.start(label, p.duration) for label, p in zip(labels, plans)]
        pictures = [f"picture-{i}.mp4" for i in range(len(plans))]
        with ThreadPoolExecutor(max_workers=1) as side, ExitStack() as stack:
            # The sound (loudness measured, then normalised and encoded) is made beside the
            # picture, on the core time x264 leaves idle, and joined after.
            sound = side.submit(_make_sound, lead, work, measured, key, debug)
            if len(plans) > 1:
                # Two 1080x1920 encoders take ~1.2 GB; the sound's ffmpeg beside them would
                # add 90 MB for a 3 % gain in time: make it first.
                sound.result()
            outs = [graph.Output(p, pic, at, scan_for(p, cover_style.kit))
                    for p, pic, at in zip(plans, pictures, places)]
            done = ffmpeg.run(graph.render_argv(outs, filter_threads()), cwd=work,
                              file=_failing_file(lead), debug=debug,
                              on_progress=lambda t: [u(t) for u in updates])
            sound.result()
            parts = [stack.enter_context(atomic_path(f)) for f in finals]
            covers = []
            for part, pic, plan, at, final in zip(parts, pictures, plans, places, finals):
                ffmpeg.run(graph.mux_argv(pic, AUDIO_FILE, str(part.resolve())), cwd=work,
                           file=_failing_file(plan), debug=debug)
                _check_written(part, plan)
                # The cover before the mp4 gets its name: a final mp4 always has its cover.
                with atomic_path(final.with_suffix(".jpg")) as jpg:
                    covers.append(write_cover(plan, part, jpg, cover_style, work / at, debug))
        for final, up_to_date in zip(finals, keys):
            record_state(folder, final.name, up_to_date)
        for label in labels:
            reporter.finish(label)
    outputs = []
    for plan, final, cover in zip(plans, finals, covers):
        settings = {"size": f"{plan.width}x{plan.height}", "fps": plan.fps, **plan.encoder,
                    "loudness_target": plan.loudness, "loudness_measured_input": measured[key],
                    "captions": "burned in" if plan.captions else "none",
                    "plan_version": plan.version,
                    # one ffmpeg made all of these: its time and memory are theirs together
                    "rendered_together": [f.name for f in finals],
                    "render_seconds": round(done.seconds, 2),
                    "ffmpeg_peak_rss_mb": round(done.peak_rss_mb), "cover": cover.to_json()}
        outputs.append(Output(plan.video, plan.target, final, plan.duration,
                              final.stat().st_size, settings))
    return outputs


AUDIO_FILE = "audio.m4a"   # the normalised sound, in the work folder
# Outputs one ffmpeg renders at most: each 1080x1920 x264 encoder holds ~0.5 GB, and two of
# them with the shared decode peak at ~1.25 GB (1.4 GB from a 10-bit HLG clip).
MAX_TOGETHER = 2


def _make_sound(plan: EditPlan, work: Path, measured: dict[tuple, dict], key: tuple,
                debug: Callable[[str], None] | None) -> None:
    if key not in measured:
        measured[key] = measure_loudness(plan, work, debug)
    ffmpeg.run(graph.audio_argv(plan, measured[key], AUDIO_FILE), cwd=work,
               file=_failing_file(plan), debug=debug, background=True)


def filter_threads() -> int | None:
    """Threads for ffmpeg's filters. On two cores x264 (three quarters of the work) needs
    both: filters on one thread made the render 3.6 % faster (benchmarks/README.md)."""
    return 1 if usable_cores() <= 2 else None


def measure_loudness(plan: EditPlan, work: Path,
                     debug: Callable[[str], None] | None = None) -> dict:
    """Pass 1 of loudnorm over the video's audio mix, kept in the cache by what it read (the
    argv, each input's size and time, the ffmpeg build): rendering again after a caption fix,
    or another target, does not decode the sound again."""
    argv = graph.measure_argv(plan)
    stats = _file_stats(a.removeprefix("file:") for a in argv if a.startswith("file:"))
    key = hashlib.sha256(json.dumps([argv, stats, ffmpeg.version()]).encode()).hexdigest()
    cached = transcribe.derived_dir("loudness") / f"{key}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    done = ffmpeg.run(argv, cwd=work, file=_failing_file(plan), debug=debug)
    loud = ffmpeg.parse_loudnorm(done.stderr)
    try:
        write_text(cached, json.dumps(loud))
    except OSError:
        pass  # a cache that cannot be written only costs the next run a second
    return loud


def output_key(plan: EditPlan) -> str:
    """What an output was made from: the plan, the files it reads (by size and time) and the
    program version. Any change means the file is out of date."""
    files = sorted({s.source for s in plan.segments if s.kind == "media"}
                   | {str(v) for a in plan.assets for k, v in a.params.items()
                      if k in ("src", "font", "logo") and v})
    blob = json.dumps([plan.to_json(), _file_stats(files), _code_version()], sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _file_stats(files) -> list[tuple[str, int, int]]:
    """(path, size, mtime) of each file: a changed or replaced file changes a cache key."""
    out = []
    for f in files:
        st = os.stat(f)
        out.append((f, st.st_size, st.st_mtime_ns))
    return out


@functools.cache
def _code_version() -> str:
    """The pipeline's own source and the ffmpeg build: a new version re-renders everything."""
    h = hashlib.sha256(ffmpeg.version().encode())
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()


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
    work.mkdir(parents=True, exist_ok=True)
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
        elif a.kind == "lut":
            shutil.copyfile(lut.lut_file(p["transfer"], transcribe.cache_root() / "luts"), dst)
        elif a.kind == "ass":
            dst.write_text(to_ass(list(cues), AssStyle(**p["style"])), encoding="utf-8")


def _manifest(job: Job, result: Result) -> dict:
    """This run's outputs merged with the earlier manifest's (see manifest.py)."""
    return build_manifest(job, result, _versions(), read_manifest(result.folder))


def _versions() -> dict:
    out = {"pipeline": __version__, "python": sys.version.split()[0], "ffmpeg": ffmpeg.version()}
    for pkg in ("av", "imageio-ffmpeg", "pillow", "pydantic", "faster-whisper", "ctranslate2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out
