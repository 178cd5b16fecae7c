"""Pure caption code: cues, their shifting into the exported timeline, SRT/VTT/ASS text.

No I/O here: callers read and write the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Cue:
    start: float     # seconds
    end: float
    text: str        # lines separated by "\n"


@dataclass(frozen=True)
class AssStyle:
    """Everything libass needs to draw the captions of one output."""

    width: int
    height: int
    font: str            # family name as stored in the font file (libass matches on it)
    bold: bool
    size: int            # pixels in the output frame
    color: str           # "#RRGGBB"
    outline_color: str
    outline: float
    box: bool
    margin_l: int
    margin_r: int
    margin_v: int        # distance of the last line's baseline area from the bottom


# --- SRT -------------------------------------------------------------------------------------

_TS = r"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_TIMING = re.compile(_TS + r"\s*-->\s*" + _TS)


def parse_srt(text: str) -> list[Cue]:
    """Parse SRT text; blocks without a timing line are skipped, tags are stripped."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").lstrip("\ufeff")):
        lines = [ln for ln in block.strip().split("\n")]
        for i, ln in enumerate(lines):
            m = _TIMING.search(ln)
            if m:
                body = "\n".join(re.sub(r"<[^>]+>", "", t).strip() for t in lines[i + 1:])
                g = m.groups()
                start, end = _secs(*g[:4]), _secs(*g[4:])
                if body.strip() and end > start:
                    cues.append(Cue(start, end, body.strip()))
                break
    return sorted(cues, key=lambda c: c.start)


def _secs(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def _stamp(t: float, sep: str) -> str:
    ms = max(0, round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(cues: list[Cue]) -> str:
    return "".join(f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n\n"
                   for i, c in enumerate(cues, 1))


def to_vtt(cues: list[Cue]) -> str:
    body = "".join(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n\n" for c in cues)
    return "WEBVTT\n\n" + body


# --- timeline ----------------------------------------------------------------------------------

def place(cues: list[Cue], start: float, end: float, offset: float) -> list[Cue]:
    """Cues of a source clip trimmed to [start, end), moved to begin at `offset` in the output.

    Cues cut by the trim are clipped to it; cues outside it are dropped.
    """
    out = []
    for c in cues:
        s, e = max(c.start, start), min(c.end, end)
        if e - s > 0.05:
            out.append(replace(c, start=s - start + offset, end=e - start + offset))
    return out


# --- ASS (libass) -------------------------------------------------------------------------------

def _ass_colour(hex_rgb: str, alpha: int = 0) -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _ass_time(t: float) -> str:
    cs = max(0, round(t * 100))
    h, cs = divmod(cs, 360_000)
    m, cs = divmod(cs, 6000)
    s, cs = divmod(cs, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def ass_text(text: str) -> str:
    """Escape what ASS would read as override tags or line breaks."""
    text = text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")
    return text.replace("\n", "\\N")


def to_ass(cues: list[Cue], style: AssStyle) -> str:
    """An ASS script drawing `cues` bottom-centred inside the margins of `style`."""
    # BorderStyle 3 draws an opaque box behind each line; 1 draws an outline and shadow.
    border, back = (3, _ass_colour("#000000", 0x60)) if style.box else (1, _ass_colour("#000000", 0x80))
    fields = [
        "Default", style.font, str(style.size), _ass_colour(style.color), _ass_colour(style.color),
        _ass_colour(style.outline_color), back, "-1" if style.bold else "0", "0", "0", "0",
        "100", "100", "0", "0", str(border), f"{style.outline:g}", "0", "2",
        str(style.margin_l), str(style.margin_r), str(style.margin_v), "1",
    ]
    events = "".join(
        f"Dialogue: 0,{_ass_time(c.start)},{_ass_time(c.end)},Default,,0,0,0,,{ass_text(c.text)}\n"
        for c in cues)
    return (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {style.width}\nPlayResY: {style.height}\n"
        "WrapStyle: 0\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
        "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
        "Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: {','.join(fields)}\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        + events
    )
