"""Pillow drawings: intro/outro cards, lower thirds and the logo sized for a target.

Each function writes one PNG to a path the caller chose (a fixed name in the work folder),
so no filter argument ever has to carry a user's file name.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

from ..model.plan import SafeZone


def logo_png(src: Path, dst: Path, width: int, opacity: float) -> tuple[int, int]:
    """Scale the kit's logo to `width` pixels, apply opacity; return its size."""
    with Image.open(src) as im:
        im = im.convert("RGBA")
        height = max(2, round(im.height * width / im.width))
        im = im.resize((width, height), Image.LANCZOS)
    if opacity < 1:
        alpha = im.getchannel("A").point(lambda a: round(a * opacity))
        im.putalpha(alpha)
    im.save(dst)
    return im.size


def _fit_font(path: Path, text: str, size: int, max_width: int) -> ImageFont.FreeTypeFont:
    """The largest font up to `size` at which `text` fits in `max_width`."""
    while size > 8:
        font = ImageFont.truetype(str(path), size)
        if font.getlength(text) <= max_width:
            return font
        size = int(size * 0.9)
    return ImageFont.truetype(str(path), size)


def _wrap(text: str, font_path: Path, size: int, max_width: int, max_lines: int = 3) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """Break `text` into at most `max_lines` lines, shrinking the font until they fit."""
    while True:
        font = ImageFont.truetype(str(font_path), size)
        lines, current = [], ""
        for word in text.split():
            trial = f"{current} {word}".strip()
            if font.getlength(trial) <= max_width or not current:
                current = trial
            else:
                lines.append(current)
                current = word
        lines.append(current)
        if (len(lines) <= max_lines and all(font.getlength(ln) <= max_width for ln in lines)) or size < 10:
            return lines, font
        size = int(size * 0.9)


def card_png(dst: Path, size: tuple[int, int], *, background: str, text_color: str,
             accent: str, title: str, subtitle: str | None, font: Path,
             logo: Path | None, safe: SafeZone) -> None:
    """A full-frame card: logo, title and subtitle centred inside the safe zone."""
    w, h = size
    top, bottom, left, right = safe.top, safe.bottom, safe.left, safe.right
    im = Image.new("RGB", size, ImageColor.getrgb(background))
    draw = ImageDraw.Draw(im)
    inner_w = w - left - right
    centre_x = left + inner_w // 2
    y = top + (h - top - bottom) // 5
    if logo is not None:
        with Image.open(logo) as lg:
            lg = lg.convert("RGBA")
            lw = round(min(inner_w, h) * 0.7)  # a landscape card's logo as on portrait
            lg = lg.resize((lw, max(1, round(lg.height * lw / lg.width))), Image.LANCZOS)
        im.paste(lg, (centre_x - lw // 2, y), lg)
        y += lg.height + round(h * 0.04)
    lines, tfont = _wrap(title, font, round(min(w, h) * 0.085), inner_w)
    for ln in lines:
        draw.text((centre_x, y), ln, font=tfont, fill=text_color, anchor="mt")
        y += round(tfont.size * 1.2)
    bar_w = round(inner_w * 0.25)
    y += round(h * 0.015)
    draw.rectangle((centre_x - bar_w // 2, y, centre_x + bar_w // 2, y + max(2, round(h * 0.005))),
                   fill=accent)
    y += round(h * 0.03)
    if subtitle:
        sfont = _fit_font(font, subtitle, round(min(w, h) * 0.05), inner_w)
        draw.text((centre_x, y), subtitle, font=sfont, fill=text_color, anchor="mt")
    im.save(dst)


def lower_third_png(dst: Path, width: int, *, name: str, role: str | None, font: Path,
                    background: str, accent: str, text_color: str) -> tuple[int, int]:
    """A name/role plate `width` pixels wide with an accent bar; return its size."""
    pad = round(width * 0.04)
    name_font = _fit_font(font, name, round(width * 0.075), width - 3 * pad)
    role_font = _fit_font(font, role, round(width * 0.05), width - 3 * pad) if role else None
    height = pad * 2 + round(name_font.size * 1.15) + (round(role_font.size * 1.25) if role_font else 0)
    im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    r, g, b = ImageColor.getrgb(background)[:3]
    draw.rectangle((0, 0, width - 1, height - 1), fill=(r, g, b, 225))
    draw.rectangle((0, 0, max(4, round(pad * 0.4)), height - 1), fill=accent)
    x = pad + max(4, round(pad * 0.4))
    draw.text((x, pad), name, font=name_font, fill=text_color)
    if role_font:
        draw.text((x, pad + round(name_font.size * 1.15)), role, font=role_font, fill=accent)
    im.save(dst)
    return im.size


def cover_image(frame: Path, dst: Path, *, title: str, font: Path, text_color: str,
                plate_color: str, accent: str, safe: SafeZone) -> tuple[int, int]:
    """The chosen frame with the title on a plate at the foot of the safe zone (where the
    burned-in captions sit, so the plate also hides a caption the frame may show); JPEG."""
    with Image.open(frame) as im:
        out = im.convert("RGB")
    w, h = out.size
    top, bottom, left, right = safe.top, safe.bottom, safe.left, safe.right
    pad = round(min(w, h) * 0.04)
    lines, tfont = _wrap(title, font, round(min(w, h) * 0.075), w - left - right - 2 * pad)
    line_h = round(tfont.size * 1.2)
    bar = max(2, round(h * 0.006))
    y0 = max(top, h - bottom - (bar + 2 * pad + line_h * len(lines)))
    draw = ImageDraw.Draw(out)
    # Opaque: a burned-in caption under the plate must not show through.
    draw.rectangle((left, y0, w - right - 1, h - bottom - 1), fill=plate_color)
    draw.rectangle((left, y0, w - right - 1, y0 + bar - 1), fill=accent)
    y = y0 + bar + pad
    for ln in lines:
        draw.text((left + (w - left - right) // 2, y), ln, font=tfont, fill=text_color, anchor="mt")
        y += line_h
    out.save(dst, "JPEG", quality=90, optimize=True)
    return out.size
