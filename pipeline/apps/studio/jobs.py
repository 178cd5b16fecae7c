"""The working folder as the studio sees it: `jobs/`, `footage/`, `brand/`, `output/`, laid out
exactly as the `render` CLI uses them, so a job made here renders with `render jobs/<id>.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from ...analysis.probe import probe
from ...config.brand import load_brand
from ...config.job import Job, JobFile, Video, list_clips, load_job
from ...config.presets import all_presets, get_preset
from ...config.yamlio import load_model, read_yaml
from ...edit.plan import frames_for
from ...model.errors import JobError, PipelineError
from ...model.manifest import Manifest
from ...publish.caption_file import caption_path
from ...publish.folder import write_text
from ...publish.manifest import read as read_manifest
from ...publish.page import faces_text
from . import captions
from .security import valid_id
from .videos import EDIT_LOCK, dump_job


@dataclass(frozen=True)
class Folder:
    """The studio's working folder."""
    root: Path

    @property
    def jobs(self) -> Path:
        return self.root / "jobs"

    @property
    def footage(self) -> Path:
        return self.root / "footage"

    @property
    def brands(self) -> Path:
        return self.root / "brand"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def studio(self) -> Path:
        return self.root / ".studio"

    def job_file(self, job: str) -> Path:
        return self.jobs / f"{job}.yaml"


class NewJob(BaseModel):
    name: str = Field(max_length=64)
    brand: str = Field(max_length=64)
    targets: list[str] = Field(min_length=1, max_length=16)


class OutputView(BaseModel):
    target: str
    url: str
    bytes: int
    duration: float
    preview: bool          # a --fast render, in output/<job>-preview/
    cover: str | None = None


class VideoView(BaseModel):
    name: str
    title: str
    approved: bool = False
    progress: float | None = None   # 0..1 while rendering, else None
    outputs: list[OutputView] = []
    uncertain: int = 0
    offset: float = 0.0             # seconds of intro before the caption file's time 0
    captions: bool = False          # the caption file exists and can be edited
    subtitles: dict[str, str] = {}  # "srt"/"vtt" → URL of the final output's sidecar
    faces: str | None = None        # what the last render did about faces, as the page says
    errors: list[str] = []


class JobView(BaseModel):
    id: str
    status: str
    brand: str | None = None
    targets: list[str] = []
    glossary: list[str] = []
    fast: bool = False
    videos: list[VideoView] = []
    errors: list[str] = []
    warnings: list[str] = []


def kits(folder: Folder) -> list[dict[str, str]]:
    if not folder.brands.is_dir():
        return []
    return [{"name": p.name} for p in sorted(folder.brands.iterdir())
            if p.is_dir() and not p.name.startswith(".") and (p / "brand.yaml").is_file()]


def targets() -> list[dict[str, str]]:
    return [{"name": n, "label": p.label} for n, p in all_presets().items()
            if not n.endswith("-fast")]


def job_ids(folder: Folder) -> list[str]:
    if not folder.jobs.is_dir():
        return []
    return sorted(p.stem for p in folder.jobs.glob("*.yaml") if valid_id(p.stem))


def create(folder: Folder, new: NewJob) -> str:
    """Write jobs/<id>.yaml and make footage/<id>/; any problem is a JobError naming it."""
    if not valid_id(new.name):
        raise JobError("name", f"'{new.name}' cannot be a job name: use letters, digits, '-' "
                               "and '_' (up to 64, starting with a letter or digit)")
    path = folder.job_file(new.name)
    if path.exists():
        raise JobError(f"jobs/{new.name}.yaml", "a job of this name exists; choose another name")
    if not valid_id(new.brand) or not (folder.brands / new.brand / "brand.yaml").is_file():
        known = ", ".join(k["name"] for k in kits(folder)) or "none"
        raise JobError("brand", f"no brand kit '{new.brand}' in brand/ (known: {known})")
    load_brand(folder.brands / new.brand)  # a broken kit is said now, not at render time
    data = {"name": new.name, "brand": f"../brand/{new.brand}",
            "footage": f"../footage/{new.name}", "language": "de", "targets": new.targets}
    load_model(path, JobFile, data, {})  # the job file's own rules: unknown targets, …
    (folder.footage / new.name).mkdir(parents=True, exist_ok=True)
    folder.jobs.mkdir(parents=True, exist_ok=True)
    write_text(path, _dump(data))
    return new.name


_dump = dump_job


def add_glossary(folder: Folder, job: str, word: str) -> list[str]:
    """Add `word` to the job's captions.glossary (the job file is rewritten, comments lost)."""
    path = folder.job_file(job)
    with EDIT_LOCK:
        data, lines = read_yaml(path)
        spec = load_model(path, JobFile, data, lines)
        glossary = list(dict.fromkeys([*spec.captions.glossary, word]))
        data.setdefault("captions", {})
        if not isinstance(data["captions"], dict):
            raise JobError(path, "captions: must be a mapping")
        data["captions"]["glossary"] = glossary
        load_model(path, JobFile, data, lines)
        write_text(path, _dump(data))
    return glossary


def _outputs(folder: Folder, job_name: str, preview: bool,
             manifest: Manifest | None) -> dict[str, list[OutputView]]:
    """Per video, the outputs the job's manifest lists and that exist on disk."""
    name = f"{job_name}-preview" if preview else job_name
    out_dir = folder.output / name
    found: dict[str, list[OutputView]] = {}
    for e in manifest.outputs if manifest else []:
        f = out_dir / e.file
        if f.is_file():
            cover = e.cover.file if e.cover and (out_dir / e.cover.file).is_file() else None
            found.setdefault(e.video, []).append(OutputView(
                target=e.target, url=f"/files/{name}/{e.file}", bytes=e.bytes,
                duration=e.duration, preview=preview,
                cover=f"/files/{name}/{cover}" if cover else None))
    return found


def _faces(*manifests: Manifest | None) -> dict[str, str]:
    """Per video, the faces sentence of its last render: the last manifest listing it wins."""
    found: dict[str, str | None] = {}
    for manifest in manifests:
        for video in {e.video for e in manifest.outputs} if manifest else ():
            found[video] = faces_text(manifest.faces.get(video))  # None: not scanned
    return {video: text for video, text in found.items() if text}


def view(folder: Folder, job: str, status: dict, approved: set[str]) -> JobView:
    """Everything the page shows of a job; a job file that does not load lists its error."""
    v = JobView(id=job, status=status.get("status", "idle"), fast=status.get("fast", False),
                errors=list(status.get("errors", [])), warnings=list(status.get("warnings", [])))
    path = folder.job_file(job)
    try:
        data, lines = read_yaml(path)
        spec = load_model(path, JobFile, data, lines)
        v.brand, v.targets = Path(spec.brand).name, list(spec.targets)
        v.glossary = list(spec.captions.glossary)
        if not _has_clips(path, spec):
            return v
        loaded = load_job(path, folder.brands)
    except PipelineError as exc:
        v.errors.append(f"error: {exc.message()}")
        return v
    final_manifest = read_manifest(folder.output / loaded.name)
    preview_manifest = read_manifest(folder.output / f"{loaded.name}-preview")
    finals = _outputs(folder, loaded.name, False, final_manifest)
    previews = _outputs(folder, loaded.name, True, preview_manifest)
    progress = status.get("progress", {})
    faces = _faces(preview_manifest, final_manifest)  # the final render's wins
    for video in loaded.videos:
        v.videos.append(_video_view(folder, loaded, video, finals, previews, progress,
                                    approved, v.errors, faces.get(video.name)))
    return v


def _has_clips(path: Path, spec: JobFile) -> bool:
    """A new job has no clips yet: that is not an error to show."""
    footage = (path.resolve().parent / spec.footage).resolve()
    return spec.videos is not None or (footage.is_dir() and bool(list_clips(footage)))


def _video_view(folder: Folder, job: Job, video: Video, finals: dict, previews: dict,
                progress: dict[str, float], approved: set[str], errors: list[str],
                faces: str | None) -> VideoView:
    srt = caption_path(job, video)
    mine = [f for label, f in progress.items() if label.rsplit(".", 1)[0] == video.name]
    clips = {str(c.path) for c in video.clips}
    out_dir = folder.output / job.name
    subs = {k: f"/files/{job.name}/{video.name}.{k}" for k in ("srt", "vtt")
            if (out_dir / f"{video.name}.{k}").is_file()}
    return VideoView(
        name=video.name, title=video.title, approved=video.name in approved,
        progress=round(sum(mine) / len(mine), 3) if mine and min(mine) < 1 else None,
        outputs=[*previews.get(video.name, []), *finals.get(video.name, [])],
        uncertain=captions.uncertain_count(srt), captions=srt.is_file(), subtitles=subs,
        offset=intro_seconds(job), faces=faces,
        errors=[e for e in errors if any(c in e for c in clips)])


def intro_seconds(job: Job) -> float:
    """How long the intro runs in every output: where the caption file's time 0 is shown."""
    intro = job.brand.spec.intro
    if intro is None:
        return 0.0
    fps = get_preset(job.targets[0]).fps
    try:
        seconds = probe(job.brand.intro_file).duration if intro.file is not None \
            else intro.card.seconds
    except PipelineError:
        return 0.0
    return frames_for(seconds, fps) / fps


def video_of(folder: Folder, job: str, name: str) -> tuple[Path, Video] | None:
    """The caption file path of one video of a job, or None when there is no such video."""
    try:
        loaded = load_job(folder.job_file(job), folder.brands)
    except PipelineError:
        return None
    for video in loaded.videos:
        if video.name == name:
            return caption_path(loaded, video), video
    return None
