"""`manifest.json`: what each file in the output folder is and what made it.

One entry per output: file name (beside the manifest), SHA-256, size, duration, a probe of the
written file, the target and its platform limits, the cover and caption files, hashes of the
job file and the brand kit, the Whisper model and job options, the render settings and tool
versions. The gallery page is made from it alone.

A run that renders only some videos (`--only`, `--target`) or skips up-to-date ones keeps the
earlier manifest's entries whose files are still there unchanged, so the manifest and the page
always describe the whole folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ..analysis.probe import probe
from ..config.brand import BrandKit
from ..config.job import Job
from ..config.presets import all_presets
from ..model.errors import PipelineError
from ..model.outputs import Output
from ..system.files import sha256

FORMAT = 1
NAME = "manifest.json"


def build(job: Job, folder: Path, outputs_now: Sequence[Output],
          failures: Sequence[PipelineError], captions_now: dict[str, dict], tools: dict,
          previous: dict | None) -> dict:
    """The manifest after a run: this run's outputs plus the earlier ones still in place."""
    hashes = {"job_sha256": sha256(job.path), "kit_sha256": kit_hash(job.brand)}
    old = {e.get("file"): e for e in (previous or {}).get("outputs", [])}
    now: dict[str, dict] = {}
    for o in outputs_now:
        earlier = old.get(o.path.name)
        if getattr(o, "skipped", False) and earlier and _unchanged(earlier, folder):
            now[o.path.name] = earlier  # the file is the one that entry describes
        else:
            now[o.path.name] = output_entry(o, job, captions_now.get(o.video, {}), hashes,
                                            tools)
    kept = [_complete(e, folder) for f, e in old.items()
            if f not in now and _unchanged(e, folder)]
    outputs = sorted([*now.values(), *kept], key=lambda e: _order(e, job))
    listed = {e["video"] for e in outputs}
    captions = {v: r for v, r in {**(previous or {}).get("captions", {}),
                                  **captions_now}.items() if v in listed}
    c = job.brand.spec.colors
    return {
        "format": FORMAT, "job": job.name, "job_file": str(job.path), "brand": job.brand.name,
        "brand_colors": {"primary": c.primary, "accent": c.accent, "text": c.text},
        "written": datetime.now().astimezone().isoformat(timespec="seconds"), **hashes,
        "outputs": outputs, "captions": captions,
        "failures": [e.message() for e in failures], "tools": tools,
    }


def output_entry(o: Output, job: Job, report: dict, hashes: dict, tools: dict) -> dict:
    folder, stem = o.path.parent, o.path.stem
    title = next((v.title for v in job.videos if v.name == o.video), o.video)
    settings = dict(o.settings)
    cover = settings.pop("cover", {})
    return {
        "video": o.video, "title": title, "target": o.target, "platform": platform(o.target),
        "file": o.path.name, "sha256": sha256(o.path), "bytes": o.path.stat().st_size,
        "duration": round(o.duration, 3), "probe": probe_summary(o.path),
        "cover": {"file": f"{stem}.jpg", **cover} if (folder / f"{stem}.jpg").is_file() else None,
        "captions": _sidecars(folder, o.video),
        **hashes, "model": report.get("model"), "kernels": report.get("kernels"),
        "caption_source": report.get("source"),
        "options": job_options(job), "settings": settings, "tools": tools,
        "worker": o.worker.to_json() if o.worker else None,
    }


def platform(target: str) -> dict:
    """The target's platform name and upload limits, so the page needs no preset table."""
    p = all_presets().get(target)
    if p is None:
        return {"name": target, "max_seconds": None, "max_bytes": None}
    return {"name": p.label or p.name, "max_seconds": p.max_seconds, "max_bytes": p.max_bytes}


def probe_summary(path: Path) -> dict:
    """The written file as PyAV reads it: what an upload check would look at."""
    i = probe(path)
    return {"width": i.width, "height": i.height, "duration": round(i.duration, 3),
            "fps": round(i.fps, 3), "vfr": i.vfr, "video_codec": i.video_codec,
            "pix_fmt": i.pix_fmt, "audio_rate": i.audio_rate, "audio_channels": i.audio_channels}


def job_options(job: Job) -> dict:
    return {"language": job.language, "reframe": job.reframe, "burn_in": job.burn_in,
            "caption_style": job.caption_style_name, "glossary": list(job.glossary)}


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


def read(folder: Path) -> dict | None:
    """The manifest an earlier run left, or None (none yet, or unreadable: start afresh)."""
    try:
        data = json.loads((folder / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("outputs"), list) else None


def _unchanged(entry: dict, folder: Path) -> bool:
    """The entry's file is still there with the size it had (a cheap check, no re-hash)."""
    try:
        return (folder / entry["file"]).stat().st_size == entry["bytes"]
    except (OSError, KeyError, TypeError):
        return False


def _complete(entry: dict, folder: Path) -> dict:
    """An entry from an older manifest, given what the page needs and it may lack."""
    stem = Path(entry["file"]).stem
    cover = {"file": f"{stem}.jpg"} if (folder / f"{stem}.jpg").is_file() else None
    return {"title": entry.get("video"), "platform": platform(entry.get("target", "")),
            "cover": cover, "captions": _sidecars(folder, entry.get("video", "")), **entry}


def _sidecars(folder: Path, video: str) -> dict | None:
    found = {ext: f"{video}.{ext}" for ext in ("srt", "vtt") if (folder / f"{video}.{ext}").is_file()}
    return found or None


def _order(entry: dict, job: Job) -> tuple:
    """The job's video order, then videos no longer in the job; targets as presets list them."""
    names = [v.name for v in job.videos]
    video = entry.get("video", "")
    targets = list(all_presets())
    target = entry.get("target", "")
    return (names.index(video) if video in names else len(names), video,
            targets.index(target) if target in targets else len(targets), target)
