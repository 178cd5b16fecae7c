"""Font files: the family name libass matches on."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageFont


def font_family(path: Path) -> tuple[str, bool]:
    """The family name libass will match for `path`, and whether the face is bold."""
    name, style = ImageFont.truetype(str(path), 12).getname()
    return name, "bold" in (style or "").lower() or "black" in (style or "").lower()
