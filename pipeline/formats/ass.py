"""ASS scripts for libass: how burned-in captions look and when each shows."""

from __future__ import annotations

import math

from ..model.captions import AssStyle, Cue, Word, text_of

__all__ = ["AssStyle", "to_ass", "ass_text", "word_events"]


def _ass_colour(hex_rgb: str, alpha: int = 0) -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _ass_time(t: float, up: bool = False, down: bool = False) -> str:
    """Centiseconds: nearest, or rounded up (a start) or down (an end) so that the gap between
    two cues survives and a frame without captions shows between them."""
    cs = (math.ceil(t * 100 - 1e-6) if up else math.floor(t * 100 + 1e-6) if down
          else round(t * 100))
    cs = max(0, cs)
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
    lines = word_events(cues, style) if style.words else [(c.start, c.end, ass_text(c.text))
                                                            for c in cues]
    # Block cues keep their gap (rounded inwards); a cue's word chunks stay back to back.
    inward = not style.words
    events = "".join(f"Dialogue: 0,{_ass_time(s, up=inward)},{_ass_time(e, down=inward)},"
                     f"Default,,0,0,0,,{t}\n" for s, e, t in lines)
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


WORDS_PER_CHUNK = 3


def _chunks(cue: Cue, max_chars: int) -> list[tuple[Word, ...]]:
    out: list[tuple[Word, ...]] = []
    for w in cue.words:
        last = out[-1] if out else ()
        if last and len(last) < WORDS_PER_CHUNK and len(text_of([*last, w])) <= max_chars:
            out[-1] = (*last, w)
        else:
            out.append((w,))
    return out


def word_events(cues: list[Cue], style: AssStyle, max_chars: int = 30) -> list[tuple[float, float, str]]:
    """(start, end, ASS text) per spoken word: its chunk of 1-3 words with that word in the
    highlight colour. A cue without word timings is shown whole."""
    h = style.highlight
    colour = f"&H{h[5:7]}{h[3:5]}{h[1:3]}&".upper()  # override tags take BGR, no alpha
    out = []
    for c in cues:
        if not c.words:
            out.append((c.start, c.end, ass_text(c.text)))
            continue
        chunks = _chunks(c, max_chars)
        for k, chunk in enumerate(chunks):
            chunk_end = chunks[k + 1][0].start if k + 1 < len(chunks) else c.end
            for j, w in enumerate(chunk):
                start = c.start if (k, j) == (0, 0) else w.start
                end = chunk[j + 1].start if j + 1 < len(chunk) else chunk_end
                text = " ".join(f"{{\\c{colour}}}{ass_text(x.text)}{{\\r}}" if x is w
                                else ass_text(x.text) for x in chunk)
                if end > start:
                    out.append((start, end, text))
    return out
