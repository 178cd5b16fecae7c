"""`manifest.json`: what each file in the output folder is and what made it.

One entry per output: file name (beside the manifest), SHA-256, size, duration, a probe of the
written file, the target and its platform limits, the cover and caption files, hashes of the
job file and the brand kit, the Whisper model and job options, the render settings and tool
versions. The gallery page is made from it alone.

The schema is `model/manifest.py`. A run that renders only some videos (`--only`,
`--target`) or skips up-to-date ones keeps the earlier manifest's entries whose files are still
there unchanged, so the manifest and the page always describe the whole folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from ..analysis.probe import probe
from ..config.brand import BrandKit
from ..config.job import Job
from ..config.presets import all_presets
from ..model.errors import PipelineError
from ..model.manifest import (
    BrandColors,
    CaptionReport,
    CoverEntry,
    FaceReport,
    JobOptions,
    Manifest,
    OutputEntry,
    Platform,
    Probe,
    Sidecars,
    WorkerEntry,
)
from ..model.outputs import Output
from ..system.files import sha256

NAME = "manifest.json"


def build(job: Job, folder: Path, outputs_now: Sequence[Output],
          failures: Sequence[PipelineError], captions_now: dict[str, CaptionReport],
          tools: dict[str, str], previous: Manifest | None,
          faces_now: dict[str, FaceReport] | None = None) -> Manifest:
    """The manifest after a run: this run's outputs plus the earlier ones still in place."""
    job_hash, kit_hash_ = sha256(job.path), kit_hash(job.brand)
    old = {e.file: e for e in (previous.outputs if previous else [])}
    now: dict[str, OutputEntry] = {}
    for o in outputs_now:
        earlier = old.get(o.path.name)
        if o.skipped and earlier and _unchanged(earlier, folder):
            now[o.path.name] = earlier  # the file is the one that entry describes
        else:
            report = captions_now.get(o.video, CaptionReport())
            now[o.path.name] = output_entry(o, job, report, job_hash, kit_hash_, tools)
    kept = [_complete(e, folder) for f, e in old.items()
            if f not in now and _unchanged(e, folder)]
    outputs = sorted([*now.values(), *kept], key=lambda e: _order(e, job))
    listed = {e.video for e in outputs}
    captions = {v: r for v, r in {**(previous.captions if previous else {}),
                                  **captions_now}.items() if v in listed}
    faces = {v: r for v, r in {**(previous.faces if previous else {}),
                               **(faces_now or {})}.items() if v in listed}
    c = job.brand.spec.colors
    return Manifest(
        job=job.name, job_file=str(job.path), brand=job.brand.name,
        brand_colors=BrandColors(primary=c.primary, accent=c.accent, text=c.text),
        written=datetime.now().astimezone().isoformat(timespec="seconds"),
        job_sha256=job_hash, kit_sha256=kit_hash_, outputs=outputs, captions=captions,
        faces=faces, failures=[e.message() for e in failures], tools=tools)


def output_entry(o: Output, job: Job, report: CaptionReport, job_hash: str, kit_hash_: str,
                 tools: dict[str, str]) -> OutputEntry:
    folder, stem = o.path.parent, o.path.stem
    title = next((v.title for v in job.videos if v.name == o.video), o.video)
    pick = o.cover.model_dump() if o.cover else {}
    cover = CoverEntry(file=f"{stem}.jpg", **pick) if (folder / f"{stem}.jpg").is_file() else None
    return OutputEntry(
        video=o.video, title=title, target=o.target, platform=platform(o.target),
        platforms=platforms(o.target),
        file=o.path.name, sha256=sha256(o.path), bytes=o.path.stat().st_size,
        duration=round(o.duration, 3), probe=probe_summary(o.path), cover=cover,
        captions=_sidecars(folder, o.video), job_sha256=job_hash, kit_sha256=kit_hash_,
        model=report.model, kernels=report.kernels, caption_source=report.source,
        options=job_options(job), settings=o.settings, tools=tools,
        worker=WorkerEntry(host=o.worker.host, pid=o.worker.pid, seconds=o.worker.seconds)
        if o.worker else None, same_as=o.same_as)


def platform(target: str) -> Platform:
    """The target's platform name and upload limits, so the page needs no preset table."""
    p = all_presets().get(target)
    if p is None:
        return Platform(name=target)
    return Platform(name=p.label or p.name, max_seconds=p.max_seconds, max_bytes=p.max_bytes)


def platforms(target: str) -> list[Platform]:
    """Every platform a target's file is for (a landscape file: website, YouTube, Mastodon,
    X), each with its upload limits."""
    p = all_presets().get(target)
    if p is None:
        return [Platform(name=target)]
    return [Platform(name=lim.name, max_seconds=lim.max_seconds, max_bytes=lim.max_bytes)
            for lim in p.limits()]


def probe_summary(path: Path) -> Probe:
    """The written file as PyAV reads it: what an upload check would look at."""
    i = probe(path)
    return Probe(width=i.width, height=i.height, duration=round(i.duration, 3),
                 fps=round(i.fps, 3), vfr=i.vfr, video_codec=i.video_codec, pix_fmt=i.pix_fmt,
                 audio_rate=i.audio_rate, audio_channels=i.audio_channels)


def job_options(job: Job) -> JobOptions:
    burn_in = job.burn_in if isinstance(job.burn_in, bool) else list(job.burn_in)
    return JobOptions(language=job.language, reframe=job.reframe, burn_in=burn_in,
                      caption_style=job.caption_style_name, glossary=list(job.glossary))


def kit_hash(kit: BrandKit) -> str:
    """One hash over the kit's file and every file it uses (fonts, logo, intro, outro)."""
    parts = {"brand.yaml": kit.root / "brand.yaml", "caption_font": kit.caption_font,
             "title_font": kit.title_font, "logo": kit.logo, "intro": kit.intro_file,
             "outro": kit.outro_file}
    h = hashlib.sha256()
    for role, path in parts.items():
        if path is not None and Path(path).is_file():
            h.update(f"{role} {sha256(Path(path))}\n".encode())
    return h.hexdigest()


def read(folder: Path) -> Manifest | None:
    """The manifest an earlier run left, or None (none yet, or unreadable: start afresh).
    Entries an older program wrote are upgraded one by one, so no file drops off the page."""
    try:
        raw = json.loads((folder / NAME).read_text(encoding="utf-8"))
        outputs, captions = raw.pop("outputs"), raw.pop("captions", {})
        manifest = Manifest.model_validate(raw)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
        return None
    upgraded = [e for e in map(_upgrade, outputs if isinstance(outputs, list) else [])
                if e is not None]
    reports = {v: r for v, r in ((v, _report(r)) for v, r in
                                 (captions.items() if isinstance(captions, dict) else []))
               if r is not None}
    return manifest.model_copy(update={"outputs": upgraded, "captions": reports})


def _report(report: object) -> CaptionReport | None:
    """A video's caption report as written, or None if this program cannot read it (the
    next render of the video writes it again)."""
    try:
        return CaptionReport.model_validate(report)
    except ValidationError:
        return None


def _upgrade(entry: object) -> OutputEntry | None:
    """An entry as this program writes it: the platform filled in from the target, render
    settings it cannot read dropped (they only describe); None if not even the file is known."""
    if not isinstance(entry, dict):
        return None
    target = str(entry.get("target", ""))
    entry = {"platform": platform(target).model_dump(),
             "platforms": [p.model_dump() for p in platforms(target)], **entry}
    try:
        return OutputEntry.model_validate(entry)
    except ValidationError:
        pass
    try:
        return OutputEntry.model_validate({**entry, "settings": None})
    except ValidationError:
        return None


def _unchanged(entry: OutputEntry, folder: Path) -> bool:
    """The entry's file is still there with the size it had (a cheap check, no re-hash)."""
    try:
        return (folder / entry.file).stat().st_size == entry.bytes
    except OSError:
        return False


def _complete(entry: OutputEntry, folder: Path) -> OutputEntry:
    """An entry from an earlier run, with its cover and sidecars as the folder has them now."""
    jpg = folder / f"{Path(entry.file).stem}.jpg"
    cover = (entry.cover or CoverEntry(file=jpg.name)) if jpg.is_file() else None
    return entry.model_copy(update={"title": entry.title or entry.video, "cover": cover,
                                    "captions": _sidecars(folder, entry.video)})


def _sidecars(folder: Path, video: str) -> Sidecars | None:
    found = {ext: f"{video}.{ext}" for ext in ("srt", "vtt") if (folder / f"{video}.{ext}").is_file()}
    return Sidecars(**found) if found else None


def _order(entry: OutputEntry, job: Job) -> tuple:
    """The job's video order, then videos no longer in the job; targets as presets list them."""
    names = [v.name for v in job.videos]
    targets = list(all_presets())
    return (names.index(entry.video) if entry.video in names else len(names), entry.video,
            targets.index(entry.target) if entry.target in targets else len(targets),
            entry.target)
