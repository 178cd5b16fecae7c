"""Drawing every generated file a plan names into the work folder, one function per asset type."""

from __future__ import annotations

import shutil
from functools import singledispatch
from pathlib import Path

from ..formats.ass import to_ass
from ..model.captions import Cue
from ..model.plan import (
    AssAsset,
    Asset,
    CardAsset,
    FontAsset,
    LogoAsset,
    LowerThirdAsset,
    LutAsset,
    MaskAsset,
    StabAsset,
)
from ..system.files import cache_root, derived_dir
from . import cards, lut, masks, stabilize


def draw_assets(assets: tuple[Asset, ...], cues: tuple[Cue, ...], work: Path) -> None:
    """Write every generated file the plan refers to into the work folder."""
    work.mkdir(parents=True, exist_ok=True)
    for a in assets:
        draw(a, work, cues)


@singledispatch
def draw(asset: object, work: Path, cues: tuple[Cue, ...]) -> None:
    raise TypeError(f"no drawing for {type(asset).__name__}")


@draw.register
def _card(a: CardAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    cards.card_png(work / a.name, a.size, title=a.title, subtitle=a.subtitle,
                   background=a.background, text_color=a.text_color, accent=a.accent,
                   font=Path(a.font), logo=Path(a.logo) if a.logo else None, safe=a.safe)


@draw.register
def _logo(a: LogoAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    cards.logo_png(Path(a.src), work / a.name, a.width, a.opacity)


@draw.register
def _lower_third(a: LowerThirdAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    cards.lower_third_png(work / a.name, a.width, name=a.person, role=a.role, font=Path(a.font),
                          background=a.background, accent=a.accent, text_color=a.text_color)


@draw.register
def _font(a: FontAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    (work / "fonts").mkdir(exist_ok=True)
    shutil.copyfile(a.src, work / "fonts" / a.name)


@draw.register
def _lut(a: LutAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    shutil.copyfile(lut.lut_file(a.transfer, cache_root() / "luts"), work / a.name)


@draw.register
def _ass(a: AssAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    (work / a.name).write_text(to_ass(list(cues), a.style), encoding="utf-8")


@draw.register
def _stab(a: StabAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    shutil.copyfile(stabilize.transforms_file(a.source, a.start, a.seconds,
                                              derived_dir("stabilize")), work / a.name)


@draw.register
def _mask(a: MaskAsset, work: Path, cues: tuple[Cue, ...]) -> None:
    shutil.copyfile(masks.mask_file(a, derived_dir("masks")), work / a.name)
