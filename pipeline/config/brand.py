"""Brand kit: `brand/<kit>/brand.yaml` plus its files, loaded into a frozen `BrandKit`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import fontpkg
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from ..config.fonts import font_family
from ..config.yamlio import at as _line
from ..config.yamlio import load_model, read_yaml
from ..model.errors import JobError
from ..model.faces import FaceMode

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _colour(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"'{value}' is not a colour; write it as \"#RRGGBB\", e.g. \"#003366\"")
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.upper()


Colour = Annotated[str, AfterValidator(_colour)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Colors(_Strict):
    primary: Colour = "#003366"
    accent: Colour = "#FFCC00"
    text: Colour = "#FFFFFF"


class FontSpec(_Strict):
    family: str
    weight: int = Field(400, ge=100, le=900)


class Fonts(_Strict):
    captions: FontSpec | str = FontSpec(family="Atkinson Hyperlegible", weight=700)
    titles: FontSpec | str = FontSpec(family="Atkinson Hyperlegible", weight=700)


class Logo(_Strict):
    file: str
    position: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-right"
    width: float = Field(0.18, gt=0, le=1, description="fraction of the frame width")
    opacity: float = Field(0.9, ge=0, le=1)


class Card(_Strict):
    title: str
    subtitle: str | None = None
    seconds: float = Field(2.0, gt=0, le=10)


class Bumper(_Strict):
    """An intro or outro: a generated card or a video file in the kit."""

    card: Card | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "Bumper":
        if (self.card is None) == (self.file is None):
            raise ValueError("give either `card:` or `file:`")
        return self


# The two caption norms a kit can choose. `social`: what short-video viewers read; `ard`: the
# ARD/ZDF Untertitel-Standards (37 characters, 13-15 characters a second with 15 the limit,
# at least 1 s on screen, a frame between cues, numbers and times written their way).
NORMS: dict[str, dict[str, float]] = {
    "social": {"max_chars": 42, "max_lines": 2, "max_cps": 20.0, "target_cps": 20.0,
               "min_seconds": 0.7, "max_seconds": 7.0},
    "ard": {"max_chars": 37, "max_lines": 2, "max_cps": 15.0, "target_cps": 13.0,
            "min_seconds": 1.0, "max_seconds": 7.0},
}


class CaptionStyle(_Strict):
    size: int = Field(64, ge=16, le=200, description="font size in pixels at 1080 width")
    color: Colour = "#FFFFFF"
    highlight: Colour = "#FFCC00"
    outline: float = Field(4, ge=0, le=20)
    box: bool = False
    norm: Literal["social", "ard"] = "social"
    # Unset limits come from the norm; a kit may still set any of them itself.
    max_chars: int | None = Field(None, ge=10, le=80)
    max_lines: int | None = Field(None, ge=1, le=3)
    max_cps: float | None = Field(None, gt=0)
    min_seconds: float | None = Field(None, gt=0)
    max_seconds: float | None = Field(None, gt=0)

    def limit(self, name: str) -> float:
        """A reading limit as the kit set it, else as its norm has it."""
        value = getattr(self, name, None)
        return NORMS[self.norm][name] if value is None else value


class MusicSpec(_Strict):
    file: str
    volume: float = Field(0.3, gt=0, le=1, description="the music's level under speech-free parts")


class Transcription(_Strict):
    model: str = "base"


def _off(value: object) -> object:
    return "off" if value is False else value   # YAML reads a bare `off` as false


FaceChoice = Annotated[FaceMode, BeforeValidator(_off)]


class BrandFile(_Strict):
    name: str
    colors: Colors = Colors()
    fonts: Fonts = Fonts()
    logo: Logo | None = None
    intro: Bumper | None = None
    outro: Bumper | None = None
    captions: CaptionStyle = CaptionStyle()
    glossary: list[str] = []
    transcription: Transcription | None = None
    # shared: the 9:16 targets place captions, logo and lower thirds inside all their safe
    # zones at once, so their files are the same and encoded once; per-target: each its own
    layout: Literal["shared", "per-target"] = "shared"
    music: MusicSpec | None = None
    # privacy by default: every face but the speaker's is blurred unless a job says otherwise
    faces: FaceChoice = "blur-bystanders"


@dataclass(frozen=True)
class BrandKit:
    """A loaded kit: the file's settings with every referenced file resolved and checked."""

    root: Path
    spec: BrandFile
    caption_font: Path
    caption_face: tuple[str, bool]   # (family name as libass matches it, bold)
    title_font: Path
    logo: Path | None
    intro_file: Path | None
    outro_file: Path | None
    music_file: Path | None = None

    @property
    def name(self) -> str:
        return self.spec.name


def load_brand(path: Path) -> BrandKit:
    """Load `path` (a kit folder or its brand.yaml); a bad or missing part is a JobError."""
    yml = path / "brand.yaml" if path.is_dir() else path
    if not yml.exists():
        raise JobError(path, "brand kit not found: expected a folder with a brand.yaml in it")
    data, lines = read_yaml(yml)
    spec = load_model(yml, BrandFile, data, lines)
    root = yml.parent
    caption_font = resolve_font(spec.fonts.captions, root, yml, "fonts.captions", lines)
    return BrandKit(
        root=root,
        spec=spec,
        caption_font=caption_font,
        caption_face=_face(caption_font, yml),
        title_font=resolve_font(spec.fonts.titles, root, yml, "fonts.titles", lines),
        logo=_kit_file(spec.logo.file, root, yml, "logo.file", lines) if spec.logo else None,
        intro_file=_bumper_file(spec.intro, root, yml, "intro", lines),
        outro_file=_bumper_file(spec.outro, root, yml, "outro", lines),
        music_file=_kit_file(spec.music.file, root, yml, "music.file", lines)
        if spec.music else None,
    )


def resolve_font(font: FontSpec | str, root: Path, yml: Path, key: str,
                 lines: dict[tuple, int]) -> Path:
    """A font file in the kit, or a family from an installed fontpkg-* package."""
    if isinstance(font, str):
        return _kit_file(font, root, yml, key, lines)
    try:
        return fontpkg.path(font.family, font.weight, nearest=True)
    except fontpkg.FontpkgError:
        slug = fontpkg.slugify(font.family)
        raise JobError(yml, f"{_line(lines, key)}key '{key}': font family '{font.family}' is not "
                            f"installed; run `pip install fontpkg-{slug}` or name a .ttf file "
                            "in the kit") from None


def _face(font: Path, yml: Path) -> tuple[str, bool]:
    try:
        return font_family(font)
    except OSError:
        raise JobError(yml, f"font file {font} cannot be read; is it a .ttf or .otf font?") from None


def _bumper_file(b: Bumper | None, root: Path, yml: Path, key: str,
                 lines: dict[tuple, int]) -> Path | None:
    if b is None or b.file is None:
        return None
    return _kit_file(b.file, root, yml, f"{key}.file", lines)


def _kit_file(name: str, root: Path, yml: Path, key: str, lines: dict[tuple, int]) -> Path:
    p = (root / name).resolve()
    if not p.is_file():
        raise JobError(yml, f"{_line(lines, key)}key '{key}': file '{name}' not found in the kit "
                            f"folder {root}")
    return p
