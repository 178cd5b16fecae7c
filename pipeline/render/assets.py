"""Drawing every generated file a plan names into the work folder, one function per kind."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..formats.ass import AssStyle, to_ass
from ..model.captions import Cue
from ..model.plan import Asset
from ..system.files import cache_root
from . import cards, lut


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
            shutil.copyfile(lut.lut_file(p["transfer"], cache_root() / "luts"), dst)
        elif a.kind == "ass":
            dst.write_text(to_ass(list(cues), AssStyle(**p["style"])), encoding="utf-8")
