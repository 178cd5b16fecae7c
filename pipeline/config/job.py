"""The job file (`jobs/*.yaml`): pydantic models, and `load_job` that resolves it.

Defaults are layered once, here: built-in → brand kit → job → clip. Everything downstream
reads the resolved, frozen `Job` and never looks at the YAML again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..config.brand import BrandKit, CaptionStyle, FaceChoice, MusicSpec, load_brand
from ..config.presets import all_presets
from ..config.yamlio import at as _at
from ..config.yamlio import load_model, read_yaml
from ..model.errors import JobError
from ..model.faces import FaceMode, SpeakerHint
from ..model.plan import Music

VIDEO_EXTENSIONS = {".mov", ".mp4", ".m4v", ".mkv", ".avi", ".3gp", ".webm", ".mts", ".m2ts"}


def parse_time(value: object) -> object:
    """Seconds as a number, or "mm:ss.f" / "hh:mm:ss.f" as text."""
    if isinstance(value, str):
        parts = value.strip().split(":")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"'{value}' is not a time; write seconds (12.5) or \"mm:ss.f\"") from None
        if len(nums) > 3 or any(n < 0 for n in nums):
            raise ValueError(f"'{value}' is not a time; write seconds (12.5) or \"mm:ss.f\"")
        total = 0.0
        for n in nums:
            total = total * 60 + n
        return total
    return value


Seconds = Annotated[float, BeforeValidator(parse_time), Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LowerThird(_Strict):
    name: str
    role: str | None = None
    seconds: float = Field(4.0, gt=0, le=30)


class SpeakerSpec(_Strict):
    """The speaker named for `blur-bystanders`: the face at x, y (fractions of the frame from
    the top left) `at` seconds into the clip."""
    at: Seconds
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


class ClipSpec(_Strict):
    file: str
    start: Seconds | None = None
    end: Seconds | None = None
    lower_third: LowerThird | None = None
    stabilize: bool = False    # shaky handheld footage: ffmpeg's vid.stab, two passes
    trim: Literal["auto"] | None = None   # cut the silence and fumbling before and after speech
    faces: FaceChoice | None = None       # the video's, job's or kit's unless given
    speaker: SpeakerSpec | list[SpeakerSpec] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ClipSpec":
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class VideoSpec(_Strict):
    name: str = Field(min_length=1)
    title: str | None = None
    faces: FaceChoice | None = None
    clips: list[ClipSpec] = Field(min_length=1)


class CaptionsSpec(_Strict):
    # true/false for every target, or the targets that get them (`[tiktok, reels]`: the
    # website's `landscape` player shows the SRT/VTT instead, which viewers can restyle)
    burn_in: bool | list[str] = True
    style: Literal["block", "word"] = "block"
    glossary: list[str] = []


class TranscriptionSpec(_Strict):
    model: str | None = None


class JobFile(_Strict):
    name: str | None = None
    brand: str = "example"
    footage: str
    language: str = "de"
    targets: list[str] = Field(["tiktok", "reels"], min_length=1)
    reframe: Literal["blur", "crop", "fit", "follow"] = "blur"
    faces: FaceChoice | None = None        # the kit's unless given
    captions: CaptionsSpec = CaptionsSpec()
    transcription: TranscriptionSpec = TranscriptionSpec()
    music: MusicSpec | Literal[False] | None = None   # the kit's music unless given; false: none
    videos: list[VideoSpec] | None = None

    @field_validator("captions")
    @classmethod
    def _burn_in_targets(cls, captions: CaptionsSpec, info: ValidationInfo) -> CaptionsSpec:
        targets = info.data.get("targets") or []
        for t in captions.burn_in if isinstance(captions.burn_in, list) else []:
            if t not in targets:
                raise ValueError(f"burn_in: '{t}' is not one of this job's targets "
                                 f"({', '.join(targets)})")
        return captions

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, targets: list[str]) -> list[str]:
        for t in targets:
            if t not in all_presets():
                raise ValueError(f"unknown target '{t}'; known targets: {', '.join(all_presets())}")
        return list(dict.fromkeys(targets))


@dataclass(frozen=True)
class Clip:
    path: Path
    start: float
    end: float | None
    lower_third: LowerThird | None
    stabilize: bool = False
    auto: bool = False         # `trim: auto` and no start/end given: the speech decides
    faces: FaceMode = "off"
    speaker: tuple[SpeakerHint, ...] = ()


@dataclass(frozen=True)
class Video:
    name: str
    title: str
    clips: tuple[Clip, ...]


@dataclass(frozen=True)
class Job:
    """A job with every default applied and every path resolved."""

    path: Path
    name: str
    brand: BrandKit
    footage: Path
    language: str
    targets: tuple[str, ...]
    reframe: str
    burn_in: bool | tuple[str, ...]
    caption_style_name: str
    caption_style: CaptionStyle
    glossary: tuple[str, ...]
    model: str
    videos: tuple[Video, ...]
    music: Music | None = None

    def burns_in(self, target: str, base: str | None = None) -> bool:
        """Whether `target` (or the built-in target it was scaled from) gets burned-in
        captions."""
        if isinstance(self.burn_in, bool):
            return self.burn_in
        return target in self.burn_in or (base is not None and base in self.burn_in)


def load_job(path: Path, brands_dir: Path | None = None) -> Job:
    """Read, validate and resolve a job file; any problem is a JobError (exit 2)."""
    path = Path(path)
    data, lines = read_yaml(path)
    spec = load_model(path, JobFile, data, lines)
    base = path.resolve().parent
    brand = load_brand(_brand_dir(spec.brand, base, brands_dir, path, lines))
    footage = (base / spec.footage).resolve()
    if not footage.is_dir():
        raise JobError(path, f"{_at(lines, 'footage')}footage folder '{spec.footage}' not found "
                             f"(looked for {footage})")
    kit = brand.spec
    videos = _videos(spec, footage, path, lines, spec.faces or kit.faces)
    model = spec.transcription.model or (kit.transcription.model if kit.transcription else "base")
    return Job(
        path=path.resolve(), name=safe_name(spec.name or path.stem), brand=brand, footage=footage,
        language=spec.language, targets=tuple(spec.targets), reframe=spec.reframe,
        burn_in=spec.captions.burn_in if isinstance(spec.captions.burn_in, bool)
        else tuple(spec.captions.burn_in), caption_style_name=spec.captions.style,
        caption_style=kit.captions,
        glossary=tuple(dict.fromkeys([*kit.glossary, *spec.captions.glossary])),
        model=model, videos=videos, music=_music(spec, brand, base, path, lines),
    )


MUSIC_FADE = 1.0   # seconds the music fades in at the start and out at the end


def _music(spec: JobFile, kit: BrandKit, base: Path, path: Path,
           lines: dict[tuple, int]) -> Music | None:
    """The job's music (a file relative to the job file), else the kit's; `music: false`
    turns the kit's off."""
    if spec.music is False:
        return None
    if spec.music is not None:
        file = (base / spec.music.file).resolve()
        if not file.is_file():
            raise JobError(path, f"{_at(lines, 'music.file')}music file '{spec.music.file}' "
                                 f"not found (looked for {file})")
        return Music(str(file), spec.music.volume, MUSIC_FADE)
    if kit.music_file is not None and kit.spec.music is not None:
        return Music(str(kit.music_file), kit.spec.music.volume, MUSIC_FADE)
    return None


def _brand_dir(brand: str, base: Path, brands_dir: Path | None, path: Path,
               lines: dict[tuple, int]) -> Path:
    # A path relative to the job file wins; otherwise a kit name under --brands.
    candidates = [base / brand, (brands_dir or Path("brand")) / brand]
    for c in candidates:
        if (c / "brand.yaml").is_file():
            return c.resolve()
    looked = " or ".join(str(c.resolve()) for c in candidates)
    raise JobError(path, f"{_at(lines, 'brand')}brand kit '{brand}' not found (looked in {looked}); "
                         "use --brands DIR or a path relative to the job file")


def _videos(spec: JobFile, footage: Path, path: Path, lines: dict[tuple, int],
            faces: FaceMode) -> tuple[Video, ...]:
    if spec.videos is None:
        files = list_clips(footage)
        if not files:
            raise JobError(path, f"footage folder {footage} holds no video clips "
                                 f"({', '.join(sorted(VIDEO_EXTENSIONS))})")
        return tuple(Video(safe_name(f.stem), f.stem, (Clip(f, 0.0, None, None, faces=faces),))
                     for f in files)
    seen: set[str] = set()
    out = []
    for i, v in enumerate(spec.videos):
        name = safe_name(v.name)
        if name in seen:
            raise JobError(path, f"{_at(lines, f'videos.{i}.name')}two videos are named '{name}'")
        seen.add(name)
        clips = tuple(_clip(c, footage, path, lines, f"videos.{i}.clips.{j}",
                            f"videos[{i}].clips[{j}]", v.faces or faces)
                      for j, c in enumerate(v.clips))
        out.append(Video(name, v.title or v.name, clips))
    return tuple(out)


def _clip(c: ClipSpec, footage: Path, path: Path, lines: dict[tuple, int], key: str,
          shown: str, faces: FaceMode) -> Clip:
    f = footage / c.file
    if not f.is_file():
        raise JobError(path, f"{_at(lines, key + '.file')}key '{shown}.file': clip '{c.file}' not "
                             f"found in {footage}")
    auto = c.trim == "auto" and c.start is None and c.end is None  # start/end given win
    hints = c.speaker if isinstance(c.speaker, list) else [c.speaker] if c.speaker else []
    return Clip(f.resolve(), c.start or 0.0, c.end, c.lower_third, c.stabilize, auto,
                c.faces or faces, tuple(SpeakerHint(h.at, h.x, h.y) for h in hints))


def list_clips(folder: Path) -> list[Path]:
    """Clip files in a footage folder, sorted by name; hidden files and sidecars are ignored."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in VIDEO_EXTENSIONS)


_UNSAFE = re.compile(r"[^\w\-. ]+")


def safe_name(name: str) -> str:
    """A name usable as a file name on every OS: no separators, no leading dot or dash."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned.lstrip("-") or "video"
