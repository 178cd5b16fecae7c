"""`run_job`: spec → probe → captions → plan → render → publish. The only module that calls
more than one stage: it makes the units of work, hands them to an executor and publishes each
result as it arrives.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from .. import __version__
from ..analysis.models import resolve_model
from ..analysis.probe import probe
from ..analysis.transcribe import Transcript
from ..config import presets
from ..config.job import Job, Video, load_job
from ..config.presets import all_presets, get_preset
from ..edit.cues import CueRules, build_cues, readability, remove_overlaps
from ..edit.faces import tracks as face_tracks
from ..edit.lexicon import Lexicon, load_lexicon
from ..edit.numbers import normalise_numbers
from ..edit.plan import clip_range, frames_for, make_plan, speech_range
from ..edit.uncertain import mark_uncertain, uncertain_words
from ..formats.srt import to_srt, to_vtt
from ..model.captions import Cue, Word
from ..model.errors import JobError, MediaError, PipelineError, TranscribeError
from ..model.faces import FaceScan
from ..model.manifest import CaptionOrigin, CaptionReport, FaceReport, Manifest
from ..model.media import MediaInfo
from ..model.outputs import Output
from ..model.plan import EditPlan
from ..publish.caption_file import (
    CaptionFile,
    caption_path,
    read_caption_file,
    recorded_cut,
    write_caption_file,
)
from ..publish.folder import (
    clean_leftovers,
    job_lock,
    link_or_copy,
    read_state,
    record_state,
    write_manifest,
    write_text,
)
from ..publish.manifest import build as build_manifest
from ..publish.manifest import read as read_manifest
from ..render import ffmpeg
from ..render.cover import CoverStyle
from ..system.processes import usable_cores
from .executors import Executor, executor_for
from .keys import output_key
from .units import (
    ClipAudio,
    FacesFound,
    FaceUnit,
    RenderResult,
    RenderUnit,
    Transcribed,
    TranscribeUnit,
    face_unit,
    remove_parts,
    render_unit,
    transcribe_unit,
)


@dataclass(frozen=True)
class Options:
    output: Path = Path("output")
    brands: Path | None = None
    only: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    debug: bool = False
    fast: bool = False       # preview: 540x960, x264 veryfast, into <job>-preview/
    workers: int = 1         # units of work at once on this computer
    cluster: str | None = None   # a Dask scheduler's address: run the units there


@dataclass
class Result:
    job: Job
    folder: Path
    outputs: list[Output] = field(default_factory=list)
    failures: list[PipelineError] = field(default_factory=list)
    captions: dict[str, CaptionReport] = field(default_factory=dict)  # video → its report
    faces: dict[str, FaceReport] = field(default_factory=dict)


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


class _Progress:
    """Progress events from running units, passed to the reporter's bar of each output."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.bars: dict[str, Callable[[float], None]] = {}

    def start(self, label: str, seconds: float) -> None:
        self.bars[label] = self.reporter.start(label, seconds)

    def progress(self, label: str, seconds: float) -> None:
        bar = self.bars.get(label)
        if bar is not None:
            bar(seconds)

    def debug(self, line: str) -> None:
        self.reporter.debug(line)


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
    events = _Progress(reporter)
    try:
        # The cluster first: one that cannot be reached leaves no trace in the output folder.
        with executor_for(options.cluster, options.workers, overlap_transcription(),
                          events) as executor, \
                job_lock(folder, lambda: reporter.warn(
                    f"waiting: another render of '{job.name}' is writing to {folder}")):
            clean_leftovers(folder)
            try:
                _Run(job, targets, folder, options, reporter, events, executor, result).go(
                    videos, kit_infos)
            except BaseException:
                # While the lock is held: stop the units, wait for them, and remove what
                # finished ones left unpublished (a result that arrived with the Ctrl-C).
                executor.cancel()
                executor.close()
                clean_leftovers(folder)
                raise
            write_manifest(folder, _manifest(job, result))
    except OSError as exc:
        raise PipelineError(exc.filename or folder, _os_reason(exc)) from None
    return result


def overlap_transcription() -> bool:
    """Whether the next video is transcribed while this one encodes: only with cores to
    spare. On two cores x264 keeps both busy, and the overlap was slower and put Whisper
    (~0.3 GB) beside two 1080x1920 encoders (benchmarks/README.md)."""
    return usable_cores() > 2


@dataclass
class _Video:
    """One video on its way through the run."""
    video: Video
    infos: dict[str, MediaInfo]
    cut: list
    faces: dict[str, FaceScan] = field(default_factory=dict)   # str(clip path) → its faces
    plans: list[EditPlan] = field(default_factory=list)
    done: dict[str, Output] = field(default_factory=dict)      # target → published output
    twins: list[tuple[EditPlan, EditPlan]] = field(default_factory=list)


class _Run:
    """The run's bookkeeping: which unit belongs to which video, and publishing."""

    def __init__(self, job: Job, targets: tuple[str, ...], folder: Path, options: Options,
                 reporter: Reporter, events: _Progress, executor: Executor,
                 result: Result) -> None:
        self.job, self.targets, self.folder, self.options = job, targets, folder, options
        self.reporter, self.events, self.executor, self.result = reporter, events, executor, result
        self.fps = get_preset(targets[0]).fps
        self.pending: dict[Any, tuple[str, _Video]] = {}

    def _read_captions(self, path: Path, cut: list) -> CaptionFile:
        """The caption file; one written before words were marked gets its marks now."""
        return read_caption_file(
            path, cut, mark=lambda words: mark_uncertain(
                words, self.lexicon, dictionary=self.job.language in ("de", "auto")))

    @functools.cached_property
    def lexicon(self) -> Lexicon:
        """The German word list and the glossary, loaded when a first transcript arrives."""
        return load_lexicon(self.job.glossary)

    def go(self, videos: tuple[Video, ...], kit_infos: dict[str, MediaInfo]) -> None:
        for video in videos:
            self._guarded(self._start, video, kit_infos)
        while self.pending:
            future = self.executor.first_done(list(self.pending))
            kind, v = self.pending.pop(future)
            step = {"faces": self._faced, "transcribe": self._transcribed,
                    "render": self._rendered}[kind]
            self._guarded(step, v, future)

    def _guarded(self, step: Callable[..., None], *args: Any) -> None:
        """One video's step: its failure is the video's, the other videos go on."""
        try:
            step(*args)
        except PipelineError as exc:
            self.result.failures.append(exc)
        except OSError as exc:  # disk full, share gone: this video fails, not the run
            self.result.failures.append(PipelineError(exc.filename or self.folder,
                                                      _os_reason(exc)))

    def _start(self, video: Video, kit_infos: dict[str, MediaInfo]) -> None:
        infos = dict(kit_infos)
        for clip in video.clips:
            infos.setdefault(str(clip.path), probe(clip.path))
        path = caption_path(self.job, video)
        if path.is_file():  # an auto-trimmed clip keeps the trim its captions were made for
            video = _trimmed(video, recorded_cut(path), self.fps)
        _, _, cut = self._cut(video, infos)
        v = _Video(video, infos, cut)
        scan = tuple({str(c.path): infos[str(c.path)] for c in video.clips
                      if c.faces != "off" or self.job.reframe == "follow"}.values())
        if scan:
            unit = FaceUnit(video.name, scan)
            self.pending[self.executor.submit(face_unit, unit, kind="faces")] = ("faces", v)
            return
        self._captions(v)

    def _faced(self, v: _Video, future: Any) -> None:
        found: FacesFound = self.executor.result(future)
        v.faces = {s.source: s for s in found.scans}
        self._captions(v)

    def _captions(self, v: _Video) -> None:
        """The captions from the caption file, or a transcription unit to make them."""
        video, infos = v.video, v.infos
        path = caption_path(self.job, video)
        ranges, lengths, cut = self._cut(video, infos)
        if path.is_file():
            found = self._read_captions(path, cut)
            if found.stale:
                self.reporter.warn(f"warning: {path}: made for other clips or trims than the "
                                   "job has now; check it, or delete it to transcribe again")
            return self._render(v, found.cues, found.origin, path)
        unit = TranscribeUnit(video.name, tuple(
            ClipAudio(c.path, s, s + n) for c, (s, _), n in zip(video.clips, ranges, lengths)
            if infos[str(c.path)].has_audio), self.job.language, self.job.model,
            tuple(self.job.glossary))
        self.pending[self.executor.submit(transcribe_unit, unit, kind="transcribe")] = \
            ("transcribe", v)

    def _cut(self, video: Video, infos: dict[str, MediaInfo]) -> tuple[list, list, list]:
        """Each clip's [start, end), its length in whole output frames, and the cut as the
        caption file records it."""
        ranges = [clip_range(c, infos[str(c.path)]) for c in video.clips]
        lengths = [frames_for(e - s, self.fps) / self.fps for s, e in ranges]
        cut = [[c.path.name, s, round(s + n, 3)]
               for c, (s, _), n in zip(video.clips, ranges, lengths)]
        return ranges, lengths, cut

    def _auto_trim(self, v: _Video, transcripts: Sequence[Transcript]) -> None:
        """`trim: auto` clips cut to their speech, now that the words are known."""
        heard = iter(transcripts)
        clips = []
        for clip, (_, start, end) in zip(v.video.clips, v.cut):
            words = list(next(heard).words) if v.infos[str(clip.path)].has_audio else []
            if clip.auto:
                s, e = speech_range(words, start, end)
                clip = replace(clip, start=s, end=e, auto=False)
            clips.append(clip)
        v.video = replace(v.video, clips=tuple(clips))
        _, _, v.cut = self._cut(v.video, v.infos)

    def _transcribed(self, v: _Video, future: Any) -> None:
        heard: Transcribed = self.executor.result(future)
        if any(c.auto for c in v.video.clips):
            self._auto_trim(v, heard.transcripts)
        cues: list[Cue] = []
        transcripts = iter(heard.transcripts)
        offset = 0.0
        german = _german(self.job, heard.transcripts)
        for clip, (_, start, end) in zip(v.video.clips, v.cut):
            if v.infos[str(clip.path)].has_audio:
                t = next(transcripts)
                shift = offset - start
                words = [replace(w, start=w.start + shift, end=w.end + shift) for w in t.words]
                cues += build_cues(caption_words(words, self.job, self.lexicon, german),
                                   cue_rules(self.job))  # per clip: no cue spans a join
            offset += end - start
        cues = remove_overlaps(cues, cue_rules(self.job))  # a clip's last cue kept up for reading
        origin = _origin(self.job, list(heard.transcripts))
        path = caption_path(self.job, v.video)
        try:
            write_caption_file(path, cues, origin, v.cut)
        except OSError as exc:  # e.g. the job file sits on a read-only share: render anyway
            self.reporter.warn(f"warning: {path}: cannot save the caption file for correction "
                               f"({exc.strerror}); the captions are burned in as transcribed")
            return self._render(v, cues, origin, None)
        # From now on the file is the captions: read it back, so this render and every later
        # one use exactly the same (millisecond-rounded) cues and an unchanged job stays
        # up to date.
        self._render(v, self._read_captions(path, v.cut).cues, origin, path)

    def _render(self, v: _Video, cues: list[Cue], origin: CaptionOrigin,
                caption_file: Path | None) -> None:
        v.plans = [make_plan(self.job, v.video, v.infos, cues, get_preset(t), v.faces)
                   for t in self.targets]
        if v.faces:
            self.result.faces[v.video.name] = _face_report(v, self.job)
        shown = list(v.plans[0].cues)  # as the exported video shows them, intro included
        rules = cue_rules(self.job)
        self.result.captions[v.video.name] = CaptionReport(
            **origin.model_dump(), **readability(shown, rules).to_json(),
            caption_file=str(caption_file) if caption_file else None,
            norm=self.job.caption_style.norm, max_chars=rules.max_chars, max_cps=rules.max_cps,
            uncertain=uncertain_words(shown))
        fresh: list[EditPlan] = []
        for plan in v.plans:
            skipped = self._up_to_date(plan)
            twin = next((f for f in fresh if _same_picture(plan, f)), None)
            if skipped is not None:
                v.done[plan.target] = skipped
            elif twin is not None:
                v.twins.append((plan, twin))
            else:
                fresh.append(plan)
        if not fresh:
            return self._publish(v)
        for plan in fresh:
            self.events.start(f"{plan.video}.{plan.target}", plan.duration)
        unit = RenderUnit(v.video.name, tuple(fresh), self.folder,
                          CoverStyle(v.video.title, self.job.brand), self.options.debug)
        self.pending[self.executor.submit(render_unit, unit, kind="render")] = ("render", v)

    def _rendered(self, v: _Video, future: Any) -> None:
        rendered: RenderResult = self.executor.result(future)
        try:
            plans = {p.target: p for p in v.plans}
            for r in rendered.outputs:
                plan = plans[r.target]
                final = self.folder / f"{plan.video}.{plan.target}.mp4"
                os.replace(r.cover_part, final.with_suffix(".jpg"))  # a final mp4 has its cover
                os.replace(r.video_part, final)
                record_state(self.folder, final.name, output_key(plan))
                self.reporter.finish(f"{plan.video}.{plan.target}")
                v.done[plan.target] = Output(plan.video, plan.target, final, plan.duration,
                                             final.stat().st_size, r.settings,
                                             cover=r.cover.pick(), worker=rendered.worker)
        finally:
            remove_parts(rendered)  # what was not published (an error above) is not kept
        self._publish(v)

    def _publish(self, v: _Video) -> None:
        for plan, twin in v.twins:
            v.done[plan.target] = _copy_output(v.done[twin.target], plan, self.folder,
                                               self.reporter)
        self.result.outputs += [v.done[p.target] for p in v.plans]
        cues = list(v.plans[0].cues)
        if cues:  # platforms reject an empty caption file
            write_text(self.folder / f"{v.video.name}.srt", to_srt(cues))
            write_text(self.folder / f"{v.video.name}.vtt", to_vtt(cues))

    def _up_to_date(self, plan: EditPlan) -> Output | None:
        final = self.folder / f"{plan.video}.{plan.target}.mp4"
        if final.is_file() and final.with_suffix(".jpg").is_file() and \
                read_state(self.folder).get(final.name) == output_key(plan):
            self.reporter.warn(f"skipped {final.name}: up to date (same clips, job, kit and "
                               "program)")
            return Output(plan.video, plan.target, final, plan.duration, final.stat().st_size,
                          skipped=True)
        return None


def _face_report(v: _Video, job: Job) -> FaceReport:
    """How many faces the clips' exported parts show and how many of them were blurred."""
    plan = v.plans[0]
    parts = [s for s in plan.segments if s.role == "clip"]
    found = 0
    for clip, seg in zip(v.video.clips, parts):
        scan = v.faces.get(str(clip.path))
        end = seg.start + seg.frames / plan.fps
        found += sum(1 for t in (face_tracks(scan, clip.speaker) if scan else ())
                     if t.start <= end and t.end >= seg.start)
    modes = sorted({c.faces for c in v.video.clips})
    return FaceReport(mode=", ".join(modes), tracks=found,
                      blurred=sum(s.blur.tracks for s in parts if s.blur),
                      follow=any(s.reframe == "follow" for s in parts),
                      detector=next(iter(v.faces.values())).detector)


def _os_reason(exc: OSError) -> str:
    return (f"cannot write ({exc.strerror or exc}); check the drive has space and that you "
            "may write there, or choose another folder with --output")


def _targets(job: Job, options: Options) -> tuple[str, ...]:
    for t in options.targets:
        if t not in all_presets():
            raise JobError(None, f"unknown target '{t}' given with --target; known targets: "
                                 f"{', '.join(all_presets())}")
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
        resolve_model(job.model)
    except TranscribeError as exc:
        raise JobError(job.path, f"transcription.model: {exc.reason}") from None


def _same_picture(plan: EditPlan, other: EditPlan) -> bool:
    """Two plans that differ only in their name: such targets are encoded once."""
    return replace(plan, target="") == replace(other, target="")


def _copy_output(twin: Output, plan: EditPlan, folder: Path, reporter: Reporter) -> Output:
    """A target whose file would be the same as another's: that file under its own name."""
    label = f"{plan.video}.{plan.target}"
    for suffix in (".mp4", ".jpg"):
        link_or_copy(twin.path.with_suffix(suffix), folder / f"{label}{suffix}")
    record_state(folder, f"{label}.mp4", output_key(plan))
    return replace(twin, target=plan.target, path=folder / f"{label}.mp4",
                   same_as=twin.same_as or twin.path.name)


def caption_words(words: list[Word], job: Job, lexicon: Lexicon, german: bool) -> list[Word]:
    """A clip's transcribed words as the captions show them: numbers and times written the
    ARD way when the kit's norm is `ard`, and every doubtful word marked (by the German
    dictionary too when the speech is German)."""
    if job.caption_style.norm == "ard" and german:
        words = normalise_numbers(words)
    return mark_uncertain(words, lexicon, dictionary=german)


def _trimmed(video: Video, cut: list, fps: int) -> Video:
    """Auto-trimmed clips with the trim a caption file recorded for them (the same clip file
    at the same place in the video)."""
    clips = []
    for i, c in enumerate(video.clips):
        got = cut[i] if i < len(cut) and isinstance(cut[i], list) and len(cut[i]) == 3 else None
        if c.auto and got and got[0] == c.path.name:
            start = float(got[1])
            # The recorded end is rounded to milliseconds: take its whole frames again.
            frames = round((float(got[2]) - start) * fps)
            c = replace(c, start=start, end=start + frames / fps + 1e-4, auto=False)
        clips.append(c)
    return replace(video, clips=tuple(clips))


def _german(job: Job, transcripts: Sequence[Transcript]) -> bool:
    """German speech: the job says so, or Whisper heard German where the job lets it choose."""
    if job.language != "auto":
        return job.language == "de"
    heard = [t.language for t in transcripts if t.words]
    return bool(heard) and all(lang == "de" for lang in heard)


def cue_rules(job: Job) -> CueRules:
    st = job.caption_style
    return CueRules(max_chars=int(st.limit("max_chars")), max_lines=int(st.limit("max_lines")),
                    max_cps=st.limit("max_cps"), target_cps=min(st.limit("target_cps"),
                                                                 st.limit("max_cps")),
                    min_seconds=st.limit("min_seconds"), max_seconds=st.limit("max_seconds"),
                    keep_together=tuple(g for g in job.glossary if " " in g))


def _origin(job: Job, transcripts: list[Transcript]) -> CaptionOrigin:
    words = [w for t in transcripts for w in t.words]
    heard = [t for t in transcripts if t.words]  # language detection means nothing on silence
    return CaptionOrigin(
        source="whisper", model=job.model, glossary=list(job.glossary),
        kernels=transcripts[0].options.get("kernels") if transcripts else None,
        language=heard[0].language if heard else None,
        language_probability=min((t.language_probability for t in heard), default=None),
        confidence=round(sum(w.probability for w in words) / len(words), 3) if words else None)


def _manifest(job: Job, result: Result) -> Manifest:
    """This run's outputs merged with the earlier manifest's (see publish/manifest.py)."""
    return build_manifest(job, result.folder, result.outputs, result.failures, result.captions,
                          _versions(), read_manifest(result.folder), result.faces)


def _versions() -> dict:
    out = {"pipeline": __version__, "python": sys.version.split()[0], "ffmpeg": ffmpeg.version()}
    for pkg in ("av", "imageio-ffmpeg", "pillow", "pydantic", "faster-whisper", "ctranslate2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out
