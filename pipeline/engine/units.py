"""Units of work: typed, picklable records, executed with nothing but the record, the files it
names and the program, so that a local thread and a Dask worker run them alike.

A render unit writes only hidden names in the output folder and returns them; the caller
publishes (final names, state, manifest, page) as each result arrives.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from ..analysis.faces import scan_faces
from ..analysis.kernels import Kernels, this_machine
from ..analysis.probe import probe
from ..analysis.transcribe import Transcript, transcribe, transcripts_dir
from ..analysis.whisper_child import Children, WhisperChild
from ..model.errors import MediaError, Stopped
from ..model.faces import FaceScan
from ..model.manifest import ClipCut, RenderSettings
from ..model.media import MediaInfo
from ..model.outputs import Worker
from ..model.plan import EditPlan, LoudnessScan
from ..render import ffmpeg, graph
from ..render.assets import draw_assets
from ..render.cover import Cover, CoverStyle, scan_for, write_cover
from ..render.loudness import measure_loudness
from ..system.processes import usable_cores

AUDIO_FILE = "audio.m4a"   # the normalised sound, in the work folder
# Outputs one ffmpeg renders at most: each 1080x1920 x264 encoder holds ~0.5 GB, and two of
# them with the shared decode peak at ~1.25 GB (1.4 GB from a 10-bit HLG clip).
MAX_TOGETHER = 2


class Context(Protocol):
    """What the executor lends a running unit: a place for progress and the cancel flag."""

    def progress(self, label: str, seconds: float) -> None: ...
    def debug(self, line: str) -> None: ...
    def stopped(self) -> bool: ...


def this_worker(began: float) -> Worker:
    return Worker(socket.gethostname(), os.getpid(), round(time.monotonic() - began, 3))


# --- transcription ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ClipAudio:
    path: Path
    start: float
    end: float


@dataclass(frozen=True)
class TranscribeUnit:
    """Transcribing one video: the trimmed part of each of its clips that has sound."""
    video: str
    clips: tuple[ClipAudio, ...]
    language: str
    model: str
    glossary: tuple[str, ...]
    kernels: Kernels | None = None  # None: the pinned path of the machine that runs it
    cache_dir: Path | None = None   # None: the cache of the machine that runs it


@dataclass(frozen=True)
class Transcribed:
    video: str
    transcripts: tuple[Transcript, ...]   # one per clip of the unit, in order
    worker: Worker


def transcribe_unit(unit: TranscribeUnit, ctx: Context) -> Transcribed:
    began = time.monotonic()
    children = Children()
    done = threading.Event()
    watch = threading.Thread(target=_stop_when_cancelled, args=(ctx, children, done),
                             daemon=True)
    watch.start()
    try:
        with WhisperChild(children) as whisper:  # started at the first cache miss, if any
            out = tuple(transcribe(c.path, language=unit.language, model=unit.model,
                                   glossary=unit.glossary, start=c.start, end=c.end,
                                   cache_dir=unit.cache_dir or transcripts_dir(),
                                   kernels=unit.kernels or this_machine(),
                                   whisper=whisper) for c in unit.clips)
    finally:
        done.set()
    if ctx.stopped():
        raise Stopped(None, "the job was cancelled")
    return Transcribed(unit.video, out, this_worker(began))


def _stop_when_cancelled(ctx: Context, children: Children, done: threading.Event) -> None:
    """Whisper waits for its answer without a progress report to ask at: watch beside it."""
    while not done.wait(0.2):
        if ctx.stopped():
            children.stop()
            return


# --- faces ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FaceUnit:
    """Looking for faces in the clips of one video, each clip whole (a changed trim then needs
    no new scan)."""
    video: str
    clips: tuple[MediaInfo, ...]
    cache_dir: Path | None = None   # None: the cache of the machine that runs it


@dataclass(frozen=True)
class FacesFound:
    video: str
    scans: tuple[FaceScan, ...]     # one per clip of the unit, in order
    worker: Worker


def face_unit(unit: FaceUnit, ctx: Context) -> FacesFound:
    began = time.monotonic()
    scans = tuple(scan_faces(info, 0.0, info.duration, ctx.stopped, unit.cache_dir)
                  for info in unit.clips)
    return FacesFound(unit.video, scans, this_worker(began))


# --- rendering --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RenderUnit:
    """Rendering one video to the targets that need a fresh encode."""
    video: str
    plans: tuple[EditPlan, ...]
    folder: Path               # the output folder, seen under this path by every worker
    cover: CoverStyle
    debug: bool = False


@dataclass(frozen=True)
class Rendered:
    """One complete output under hidden names in the output folder, ready to publish."""
    target: str
    video_part: Path
    cover_part: Path
    cover: Cover
    settings: RenderSettings   # what made it, as the manifest records it


@dataclass(frozen=True)
class RenderResult:
    video: str
    outputs: tuple[Rendered, ...]
    worker: Worker


def render_unit(unit: RenderUnit, ctx: Context) -> RenderResult:
    """Targets with the same sound (all of them, with the shipped presets) are rendered by one
    ffmpeg, at most two at a time: every clip is decoded, tone-mapped and reframed once."""
    began = time.monotonic()
    groups: dict[tuple, list[EditPlan]] = {}
    for plan in unit.plans:
        groups.setdefault(audio_key(plan), []).append(plan)
    done: list[Rendered] = []
    try:
        for group in groups.values():
            for i in range(0, len(group), MAX_TOGETHER):
                done += _render_together(group[i:i + MAX_TOGETHER], unit, ctx)
    except BaseException:
        _remove(done)  # nothing half-published: a failed unit leaves no parts behind
        raise
    by_target = {r.target: r for r in done}
    return RenderResult(unit.video, tuple(by_target[p.target] for p in unit.plans),
                        this_worker(began))


def audio_key(plan: EditPlan) -> tuple:
    """What the sound of an output is made of: outputs with the same key share it."""
    return (tuple((s.source, s.start, s.frames, s.has_audio) for s in plan.segments),
            plan.fps, plan.loudness, plan.encoder, plan.music)


def _render_together(plans: Sequence[EditPlan], unit: RenderUnit,
                     ctx: Context) -> list[Rendered]:
    """The picture of all `plans` with one ffmpeg, the sound once beside it; then join, check
    each file and make its cover, all under hidden names."""
    lead = plans[0]
    labels = [f"{p.video}.{p.target}" for p in plans]
    debug = ctx.debug if unit.debug else None
    parts: list[tuple[Path, Path]] = []
    with tempfile.TemporaryDirectory(prefix=".work-", dir=unit.folder) as tmp:
        work = Path(tmp)
        places = [f"t{i}" for i in range(len(plans))]  # each target's drawn assets
        for plan, at in zip(plans, places):
            draw_assets(plan.assets, plan.cues, work / at)
            (work / at / "plan.json").write_text(json.dumps(plan.to_json(), indent=1,
                                                            ensure_ascii=False))
        pictures = [f"picture-{i}.mp4" for i in range(len(plans))]
        with ThreadPoolExecutor(max_workers=1) as side:
            # The sound (loudness measured, then normalised and encoded) is made beside the
            # picture, on the core time x264 leaves idle, and joined after.
            sound = side.submit(_make_sound, lead, work, debug)
            if len(plans) > 1:
                # Beside two 1080x1920 encoders the sound's ffmpeg costs memory for little
                # time: make it first.
                sound.result()
            outs = [graph.Output(p, pic, at, scan_for(p))
                    for p, pic, at in zip(plans, pictures, places)]
            done = ffmpeg.run(graph.render_argv(outs, filter_threads()), cwd=work,
                              file=failing_file(lead), debug=debug, stop=ctx.stopped,
                              on_progress=lambda t: [ctx.progress(lb, t) for lb in labels])
            measured = sound.result()
        try:
            covers = []
            for pic, plan, at, label in zip(pictures, plans, places, labels):
                mp4, jpg = _part(unit.folder, label, ".mp4"), _part(unit.folder, label, ".jpg")
                parts.append((mp4, jpg))
                ffmpeg.run(graph.mux_argv(pic, AUDIO_FILE, str(mp4.resolve())), cwd=work,
                           file=failing_file(plan), debug=debug, stop=ctx.stopped)
                check_written(mp4, plan)
                covers.append(write_cover(plan, mp4, jpg, unit.cover, work / at, debug))
        except BaseException:
            for mp4, jpg in parts:
                mp4.unlink(missing_ok=True)
                jpg.unlink(missing_ok=True)
            raise
    names = [f"{label}.mp4" for label in labels]
    return [Rendered(plan.target, mp4, jpg, cover, RenderSettings(
        size=f"{plan.width}x{plan.height}", fps=plan.fps, **asdict(plan.encoder),
        loudness_target=asdict(plan.loudness), loudness_measured_input=asdict(measured),
        captions="burned in" if plan.captions else "none", plan_version=plan.version,
        rendered_together=names, render_seconds=round(done.seconds, 2),
        ffmpeg_peak_rss_mb=round(done.peak_rss_mb), clips=_clip_cuts(plan)))
        for plan, (mp4, jpg), cover in zip(plans, parts, covers)]


def _clip_cuts(plan: EditPlan) -> list[ClipCut]:
    return [ClipCut(file=Path(s.source).name, start=round(s.start, 3),
                    end=round(s.start + s.frames / plan.fps, 3))
            for s in plan.segments if s.role == "clip"]


def _part(folder: Path, label: str, suffix: str) -> Path:
    """A hidden name in the output folder that the next run's clean-up removes if left."""
    fd, name = tempfile.mkstemp(prefix=f".{label[:40]}.", suffix=f".partial{suffix}",
                                dir=folder)
    os.close(fd)
    path = Path(name)
    os.chmod(path, 0o644)  # mkstemp makes it private; outputs are for sharing
    return path


def _make_sound(plan: EditPlan, work: Path, debug) -> LoudnessScan:
    measured = measure_loudness(plan, work, failing_file(plan), debug)
    ffmpeg.run(graph.audio_argv(plan, measured, AUDIO_FILE), cwd=work,
               file=failing_file(plan), debug=debug, background=True)
    return measured


def filter_threads() -> int | None:
    """Threads for ffmpeg's filters. On two cores x264 (three quarters of the work) needs
    both: filters on one thread made the render faster (benchmarks/README.md)."""
    return 1 if usable_cores() <= 2 else None


def check_written(path: Path, plan: EditPlan) -> None:
    """Refuse to publish a file that is not what the plan asked for (e.g. cut short)."""
    info = probe(path)
    if (info.width, info.height) != (plan.width, plan.height) or \
            abs(info.duration - plan.duration) > 2 / plan.fps:
        raise MediaError(failing_file(plan), f"render came out as {info.width}x{info.height}, "
                                             f"{info.duration:.2f} s instead of {plan.width}x"
                                             f"{plan.height}, {plan.duration:.2f} s; not published")


def failing_file(plan: EditPlan) -> str:
    media = [s.source for s in plan.segments if s.kind == "media"]
    return media[0] if len(media) == 1 else f"video '{plan.video}'"


def remove_parts(result: RenderResult) -> None:
    """What of a result was not published (renamed) is deleted."""
    _remove(result.outputs)


def _remove(rendered: Sequence[Rendered]) -> None:
    for r in rendered:
        r.video_part.unlink(missing_ok=True)
        r.cover_part.unlink(missing_ok=True)

