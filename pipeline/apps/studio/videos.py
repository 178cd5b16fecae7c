"""Editing one video of a job from the page: its title, the order of its clips, each clip's
trim and lower third. The job file is rewritten atomically and only once the job loader
(`load_job`, exactly what `render` runs) and the trim check of the render (`clip_range`)
accept the new version; footage is only read."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ...analysis.probe import probe
from ...config.job import (
    Clip,
    ClipSpec,
    JobFile,
    VideoSpec,
    list_clips,
    load_job,
    safe_name,
)
from ...config.presets import get_preset
from ...config.yamlio import load_model, read_yaml
from ...edit.plan import clip_range, frames_for
from ...model.errors import MediaError, PipelineError, one_line
from ...model.faces import FaceMode
from ...model.media import MediaInfo
from ...publish.caption_file import meta_path
from ...publish.folder import atomic_path
from .security import contained

# One change of a job file at a time (the page, a second window, a glossary word): each one
# reads, changes and writes the whole file.
EDIT_LOCK = threading.Lock()


class LowerThirdView(BaseModel):
    name: str
    role: str | None = None
    seconds: float = 4.0


class ClipView(BaseModel):
    file: str
    start: float = 0.0
    end: float | None = None           # None: to the clip's end
    duration: float | None = None      # the source clip's length; None when it cannot be read
    lower_third: LowerThirdView | None = None
    url: str | None = None             # the source clip, read-only, for scrubbing


class FootageView(BaseModel):
    file: str
    url: str | None = None


class VideoEditView(BaseModel):
    name: str
    title: str
    clips: list[ClipView]
    footage: list[FootageView] = []    # the job's clip files, to append one to this video
    captions: bool = False             # the video has a caption file
    captions_stale: bool = False       # … made for other clips or trims than it has now
    faces: FaceMode | None = None      # the video's own `faces:`; None: the job's or kit's
    faces_default: FaceMode | None = None  # the job's or kit's (None: the job does not load)


class SavedVideo(VideoEditView):
    changed: bool = False              # anything differs from before (the approval is undone)


class ClipEdit(BaseModel):
    """A clip as the page sends it. The values go into the job file as they are and the job
    loader judges them, so a bad one is refused with the CLI's own line."""
    model_config = ConfigDict(extra="ignore")   # duration and url are the answer's
    file: str = Field(min_length=1, max_length=1000)
    start: Any = None
    end: Any = None
    lower_third: dict[str, Any] | None = None


class VideoEdit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    title: str | None = Field(None, max_length=500)
    clips: list[ClipEdit] = Field(min_length=1, max_length=200)
    # Sent: the video's own mode, or null for the job's; not sent: left as it is.
    faces: FaceMode | None = None


class NotFound(Exception):
    """No such video in the job."""


class Refused(Exception):
    """The edit cannot be saved: one line saying why."""


def _shown(folder_root: Path, path: Path) -> str:
    """A path as the page shows it: relative to the working folder (`footage/azubi/x.mp4`)."""
    try:
        return str(Path(path).resolve().relative_to(folder_root))
    except ValueError:
        return str(path)


def _spec(job_file: Path) -> tuple[dict, JobFile, Path]:
    data, lines = read_yaml(job_file)
    spec = load_model(job_file, JobFile, data, lines)
    return data, spec, (job_file.resolve().parent / spec.footage).resolve()


def _video_specs(spec: JobFile, footage: Path) -> list[VideoSpec]:
    """The job's videos as written, or the ones `load_job` makes without a `videos:` list:
    each clip one video, named after the file."""
    if spec.videos is not None:
        return list(spec.videos)
    files = list_clips(footage) if footage.is_dir() else []
    return [VideoSpec(name=f.stem, clips=[ClipSpec(file=f.name)]) for f in files]


def _find(specs: list[VideoSpec], video: str) -> int:
    for i, v in enumerate(specs):
        if safe_name(v.name) == video:
            return i
    raise NotFound(video)


def _clip_url(root: Path, job: str, footage: Path, file: str) -> str | None:
    """The read-only URL of a clip under /footage/<job>/, when it lies there."""
    path = (footage / file).resolve()
    if path.parent != (root / "footage" / job).resolve() or \
            contained(root / "footage", job, path.name) != path:
        return None
    return f"/footage/{quote(job)}/{quote(path.name)}"


def _info(path: Path) -> MediaInfo | None:
    try:
        return probe(path)
    except PipelineError:
        return None


def _key(v: VideoSpec) -> list[tuple]:
    """What the video's caption file depends on: its clips, their order and trims."""
    return [(c.file, c.start or 0.0, c.end) for c in v.clips]


def _same(a: VideoSpec, b: VideoSpec) -> bool:
    return (a.title or a.name) == (b.title or b.name) and _key(a) == _key(b) and \
        [c.lower_third for c in a.clips] == [c.lower_third for c in b.clips] and \
        a.faces == b.faces


def _cut(clips: list[Clip], infos: list[MediaInfo | None], fps: int) -> list | None:
    """The video's cut as `run_job` records it in the caption file, or None when a clip
    cannot be read or trimmed."""
    cut = []
    for c, info in zip(clips, infos):
        if info is None:
            return None
        try:
            s, e = clip_range(c, info)
        except MediaError:
            return None
        cut.append([c.path.name, s, round(s + frames_for(e - s, fps) / fps, 3)])
    return cut


def _recorded_cut(srt: Path) -> list | None:
    try:
        meta = json.loads(meta_path(srt).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cut = meta.get("cut") if isinstance(meta, dict) else None
    return cut if isinstance(cut, list) and cut else None


def caption_file(job_file: Path, video: str) -> Path:
    """The video's caption file (as `publish.caption_file.caption_path` names it)."""
    return job_file.parent / f"{job_file.stem}.captions" / f"{video}.srt"


def _job_faces(job_file: Path, spec: JobFile, brands: Path | None) -> FaceMode | None:
    """The faces mode a video without its own gets: the job's, else its kit's."""
    if spec.faces is not None:
        return spec.faces
    try:
        return load_job(job_file, brands).brand.spec.faces
    except PipelineError:
        return None


def get(root: Path, job: str, job_file: Path, video: str,
        brands: Path | None = None) -> VideoEditView:
    """The video as the page edits it; each clip with its length and a preview URL."""
    _, spec, footage = _spec(job_file)
    specs = _video_specs(spec, footage)
    v = specs[_find(specs, video)]
    clips = [Clip((footage / c.file).resolve(), c.start or 0.0, c.end, c.lower_third)
             for c in v.clips]
    infos = [_info(c.path) for c in clips]
    srt = caption_file(job_file, video)
    recorded = _recorded_cut(srt) if srt.is_file() else None
    auto = any(getattr(c, "trim", None) == "auto" and c.start is None and c.end is None
               for c in v.clips)  # `trim: auto`: render keeps the trim the file was made for
    stale = recorded is not None and not auto and \
        recorded != _cut(clips, infos, get_preset(spec.targets[0]).fps)
    return VideoEditView(
        name=video, title=v.title or v.name,
        clips=[ClipView(file=c.file, start=c.start or 0.0, end=c.end,
                        duration=round(i.duration, 3) if i else None,
                        lower_third=LowerThirdView(**c.lower_third.model_dump())
                        if c.lower_third else None,
                        url=_clip_url(root, job, footage, c.file))
               for c, i in zip(v.clips, infos)],
        footage=[FootageView(file=f.name, url=_clip_url(root, job, footage, f.name))
                 for f in (list_clips(footage) if footage.is_dir() else [])],
        captions=srt.is_file(), captions_stale=stale,
        faces=v.faces, faces_default=_job_faces(job_file, spec, brands))


def _clip_data(c: ClipEdit) -> dict:
    out: dict[str, Any] = {"file": c.file}
    if c.start not in (None, "", 0):  # 0: the default, not written
        out["start"] = c.start
    if c.end not in (None, ""):
        out["end"] = c.end
    if c.lower_third is not None:
        out["lower_third"] = {k: v for k, v in c.lower_third.items() if v not in (None, "")}
    return out


_EDITED = ("file", "start", "end", "lower_third")


def _kept(before: list[dict], file: str) -> dict:
    """The keys the page does not edit of the clip's entry as it was (the first one of this
    file not yet used: a file may be in a video twice)."""
    for k, c in enumerate(before):
        if c.get("file") == file:
            del before[k]
            return {key: v for key, v in c.items() if key not in _EDITED}
    return {}


def put(root: Path, job: str, job_file: Path, video: str, body: VideoEdit,
        brands: Path) -> tuple[VideoEditView, bool, bool]:
    """Save the video's title, clips, trims and lower thirds: (the video as saved, whether
    anything changed, whether its caption file no longer fits)."""
    if body.name is not None and body.name != video:
        raise Refused(f"a video keeps its name ('{video}'): its caption file and outputs are "
                      "named after it; change the title instead")
    shown = _shown(root, job_file)
    with EDIT_LOCK:
        data, spec, footage = _spec(job_file)
        specs = _video_specs(spec, footage)
        index = _find(specs, video)
        old = specs[index]
        known = {c.file for c in old.clips} | \
            ({f.name for f in list_clips(footage)} if footage.is_dir() else set())
        for c in body.clips:
            if c.file not in known:
                raise Refused(f"clip '{c.file}' is not in {_shown(root, footage)}; upload it "
                              "first")
        videos = data.get("videos")
        if not isinstance(videos, list):  # no list yet: the one load_job makes, written out
            videos = [{"name": v.name, "clips": [{"file": c.file} for c in v.clips]}
                      for v in specs]
        # Keys the page does not edit (`stabilize`, …) stay with their video and clip.
        entry: dict[str, Any] = {k: v for k, v in videos[index].items()
                                 if k not in ("title", "clips")}
        entry.setdefault("name", old.name)
        title = (body.title or "").strip()
        if title:
            entry["title"] = title
        if "faces" in body.model_fields_set:
            if body.faces is None:
                entry.pop("faces", None)
            else:
                entry["faces"] = body.faces
        before = [c for c in videos[index].get("clips") or [] if isinstance(c, dict)]
        entry["clips"] = [{**_clip_data(c), **_kept(before, c.file)} for c in body.clips]
        new_data = {**data, "videos": [*videos[:index], entry, *videos[index + 1:]]}
        with atomic_path(job_file) as tmp:  # renamed onto the job file only if it loads
            tmp.write_text(dump_job(new_data), encoding="utf-8")
            try:
                loaded = load_job(tmp, brands)
                edited = next(v for v in loaded.videos if v.name == video)
                for clip in edited.clips:  # what render checks before it cuts
                    clip_range(clip, probe(clip.path))
            except PipelineError as exc:
                _reword(exc, shown if exc.file == str(tmp) else None, root)
                raise
        new = JobFile.model_validate(new_data).videos[index]
    srt = caption_file(job_file, video)
    saved = get(root, job, job_file, video, brands)
    stale = srt.is_file() and (_key(old) != _key(new) or saved.captions_stale)
    saved.captions_stale = stale
    return saved, not _same(old, new), stale


def dump_job(data: dict) -> str:
    """A job file as the studio writes it (comments are not kept)."""
    return ("# Made in the studio; `render jobs/<this file>` renders it too.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _reword(exc: PipelineError, file: str | None, root: Path) -> None:
    """Name the file as the page shows it: the job file, not the temporary one being
    checked; a clip relative to the working folder."""
    if file is None and exc.file:
        file = _shown(root, Path(exc.file))
    if file is not None:
        exc.file = one_line(file)


def add_upload(job_file: Path, file: str) -> None:
    """A clip uploaded to a job with a `videos:` list becomes a video of its own, as it would
    without the list (named after the file, made unique)."""
    with EDIT_LOCK:
        try:
            data, lines = read_yaml(job_file)
            videos = data.get("videos") if isinstance(data, dict) else None
            if not isinstance(videos, list):
                return
            taken = {safe_name(str(v.get("name", ""))) for v in videos if isinstance(v, dict)}
            stem, name, n = Path(file).stem, Path(file).stem, 1
            while safe_name(name) in taken:
                n += 1
                name = f"{stem}-{n}"
            new_data = {**data, "videos": [*videos, {"name": name, "clips": [{"file": file}]}]}
            load_model(job_file, JobFile, new_data, lines)
        except PipelineError:  # a job file that does not load: the page shows its error
            return
        with atomic_path(job_file) as tmp:
            tmp.write_text(dump_job(new_data), encoding="utf-8")


def has(job_file: Path, video: str) -> bool:
    """Whether the job file names this video (or, without a `videos:` list, a clip makes it)."""
    try:
        _, spec, footage = _spec(job_file)
        _find(_video_specs(spec, footage), video)
    except (PipelineError, NotFound):
        return False
    return True


def forget_captions(job_file: Path, video: str) -> bool:
    """Delete the video's caption file and its hidden word file, so that the next render
    transcribes it again; whether there was one."""
    srt = caption_file(job_file, video)
    had = srt.is_file()
    with EDIT_LOCK:
        srt.unlink(missing_ok=True)
        meta_path(srt).unlink(missing_ok=True)
    return had
