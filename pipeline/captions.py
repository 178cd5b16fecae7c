"""Pure caption code: cues, their shifting into the exported timeline, SRT/VTT/ASS text.

No I/O here: callers read and write the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Word:
    start: float        # seconds
    end: float
    text: str           # as spoken, with its punctuation: "Musterstadt."
    probability: float = 1.0


@dataclass(frozen=True)
class Cue:
    start: float     # seconds
    end: float
    text: str        # lines separated by "\n"
    words: tuple[Word, ...] = ()   # timed words, when known (for the `word` style)


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
    highlight: str = "#FFCC00"
    words: bool = False  # `word` style: 1-3 words at a time, the spoken one highlighted


# --- words → cues ------------------------------------------------------------------------------
# A short list of named pure steps, each taking and returning groups of words (stable-ts
# `regroup` style). The defaults follow German subtitle norms (ARD/ZDF, DCMP): at most 2 lines
# of 42 characters, 0.7-7 s on screen, at most 20 characters a second.


@dataclass(frozen=True)
class CueRules:
    max_chars: int = 42
    max_lines: int = 2
    max_cps: float = 20.0
    min_seconds: float = 0.7
    max_seconds: float = 7.0
    pause: float = 0.8          # a silence this long ends a cue
    gap: float = 0.04           # kept between two cues so players show them as separate
    keep_together: tuple[str, ...] = ()   # glossary names: never broken across lines or cues


# Words a line or cue may start with rather than end with (German and English).
CONJUNCTIONS = frozenset("""
    und oder aber denn sondern doch jedoch weil dass daß wenn als ob obwohl damit sodass bis
    während nachdem bevor sowie wie wo deren dessen
    and or but because that when if while so
""".split())

_SENTENCE_END = re.compile(r"[.!?…]+[\"»«“”')]*$")
_ORDINAL = re.compile(r"^\d+\.$")       # "1." in "am 1. Mai" is not a sentence end
_CLAUSE_END = re.compile(r"[,;:–—]$|[.!?…][\"»«“”')]*$")


Group = list[Word]


def _text(words: Group) -> str:
    return " ".join(w.text for w in words)


def split_at_sentences(groups: list[Group], rules: CueRules) -> list[Group]:
    """A new cue after every sentence end."""
    out: list[Group] = []
    for g in groups:
        current: Group = []
        for w in g:
            current.append(w)
            if _SENTENCE_END.search(w.text) and not _ORDINAL.match(w.text):
                out.append(current)
                current = []
        if current:
            out.append(current)
    return out


def split_at_pauses(groups: list[Group], rules: CueRules) -> list[Group]:
    """A new cue where the speaker pauses for `rules.pause` seconds or more."""
    out: list[Group] = []
    for g in groups:
        current: Group = [g[0]]
        for prev, w in zip(g, g[1:]):
            if w.start - prev.end >= rules.pause:
                out.append(current)
                current = []
            current.append(w)
        out.append(current)
    return out


def _fits(words: Group, rules: CueRules) -> bool:
    """Shown at once: within the line and time limits, and no name broken across lines."""
    lines = _layout(words, rules, rules.max_lines)
    breaks = [sum(len(g) for g in lines[:k]) for k in range(1, len(lines))]
    return (all(len(_text(g)) <= rules.max_chars for g in lines)
            and words[-1].end - words[0].start <= rules.max_seconds
            and not any(_inside_name(words, i, rules.keep_together) for i in breaks))


def _bare(text: str) -> str:
    return text.lower().strip(".,;:!?…\"»«“”'()–—")


def _inside_name(words: Group, i: int, names: tuple[str, ...]) -> bool:
    """Whether a break before words[i] would cut one of `names` (multi-word) in two."""
    for name in names:
        parts = [_bare(p) for p in name.split()]
        for k in range(1, len(parts)):
            if i - k >= 0 and i - k + len(parts) <= len(words) and \
                    [_bare(w.text) for w in words[i - k:i - k + len(parts)]] == parts:
                return True
    return False


def _split_cost(words: Group, i: int, rules: CueRules) -> float:
    """How bad a break before words[i] is: unbalanced, mid-clause, inside a name, or
    between a number and its noun; a break before a conjunction is good."""
    left, right = len(_text(words[:i])), len(_text(words[i:]))
    cost = 0.5 * abs(left - right) / (left + right)
    before = words[i - 1].text
    if not _CLAUSE_END.search(before) or _ORDINAL.match(before):
        cost += 0.6
    if _ORDINAL.match(before) or before.isdigit():
        cost += 0.6  # "1. Mai", "25 Gebäude": a number belongs with what follows
    if _bare(words[i].text) in CONJUNCTIONS:
        cost -= 0.4
    if _inside_name(words, i, rules.keep_together):
        cost += 3
    return cost


def split_to_fit(groups: list[Group], rules: CueRules) -> list[Group]:
    """Split each group that is too long to show at once, at its best break, until all fit."""
    out: list[Group] = []
    todo = list(reversed(groups))
    while todo:
        g = todo.pop()
        if len(g) == 1 or _fits(g, rules):
            out.append(g)
            continue
        i = min(range(1, len(g)), key=lambda k: _split_cost(g, k, rules))
        todo += [g[i:], g[:i]]
    return out


def break_lines(words: Group, rules: CueRules) -> list[str]:
    """Lay a cue's words out in lines of at most `max_chars`, breaking only between words,
    preferring a break after punctuation or before a conjunction; the lower line may be the
    longer one (the pyramid shape readers scan fastest)."""
    return [_text(line) for line in _layout(words, rules, rules.max_lines)]


def _layout(words: Group, rules: CueRules, max_lines: int) -> list[Group]:
    if len(_text(words)) <= rules.max_chars or len(words) == 1 or max_lines == 1:
        return [words]
    best, best_cost = 1, float("inf")
    for i in range(1, len(words)):
        top, bottom = _text(words[:i]), _text(words[i:])
        over = max(0, len(top) - rules.max_chars) + max(0, len(bottom) - rules.max_chars)
        cost = 10 * over + _split_cost(words, i, rules) + (0.05 if len(top) > len(bottom) else 0)
        if cost < best_cost:
            best, best_cost = i, cost
    return [words[:best], *_layout(words[best:], rules, max_lines - 1)]


def _reading_time(cue_text: str, rules: CueRules) -> float:
    return max(rules.min_seconds, len(cue_text.replace("\n", "")) / rules.max_cps)


def extend_for_reading(cues: list[Cue], rules: CueRules) -> list[Cue]:
    """Keep each cue up long enough to read (min duration, max characters per second), using
    the silence after it but never running into the next cue or past `max_seconds`."""
    out = []
    for i, c in enumerate(cues):
        limit = cues[i + 1].start - rules.gap if i + 1 < len(cues) else float("inf")
        want = c.start + min(rules.max_seconds, _reading_time(c.text, rules))
        out.append(replace(c, end=max(c.end, min(want, limit))))
    return out


def remove_overlaps(cues: list[Cue], rules: CueRules) -> list[Cue]:
    """Cue times never overlap: an earlier cue ends where the next begins."""
    out = []
    for i, c in enumerate(cues):
        end = min(c.end, cues[i + 1].start) if i + 1 < len(cues) else c.end
        out.append(replace(c, end=max(end, c.start + 0.01)))
    return out


STEPS = (split_at_sentences, split_at_pauses, split_to_fit)


def build_cues(words: list[Word], rules: CueRules = CueRules()) -> list[Cue]:
    """Words (in time order) → block cues following `rules`."""
    words = [w for w in words if w.text.strip()]
    if not words:
        return []
    groups: list[Group] = [words]
    for step in STEPS:
        groups = step(groups, rules)
    cues = [Cue(g[0].start, g[-1].end, "\n".join(break_lines(g, rules)),
                tuple(g)) for g in groups]
    return remove_overlaps(extend_for_reading(cues, rules), rules)


def attach_words(cues: list[Cue], words: list[Word]) -> list[Cue]:
    """Timed words for cues read back from a corrected caption file.

    Each cue takes the transcript's words that fall inside it. Where a person changed a word,
    the token count is unchanged and each token keeps its word's timing, so only that word
    changes on screen; where they added or removed words, the cue's time is shared out by
    token length.
    """
    out = []
    for c in cues:
        tokens = c.text.split()
        inside = [w for w in words if c.start <= (w.start + w.end) / 2 < c.end]
        if len(inside) == len(tokens):
            timed = tuple(replace(w, text=t) for w, t in zip(inside, tokens))
        else:
            timed = _spread(tokens, c.start, c.end)
        out.append(replace(c, words=timed))
    return out


def _spread(tokens: list[str], start: float, end: float) -> tuple[Word, ...]:
    total = sum(len(t) + 1 for t in tokens) or 1
    out, t = [], start
    for tok in tokens:
        d = (end - start) * (len(tok) + 1) / total
        out.append(Word(round(t, 3), round(t + d, 3), tok))
        t += d
    return tuple(out)


@dataclass(frozen=True)
class Readability:
    """How readable a video's captions are, for the summary and the manifest."""

    cues: int
    over_limits: int          # cues breaking a line, length, duration or reading-speed limit
    slowest_cps: float        # the highest characters-per-second of any cue (slowest to read)

    def to_json(self) -> dict:
        return {"cues": self.cues, "over_limits": self.over_limits,
                "slowest_cps": round(self.slowest_cps, 1)}


def _cps(c: Cue) -> float:
    return len(c.text.replace("\n", "")) / max(c.end - c.start, 0.001)


def over_limits(c: Cue, rules: CueRules) -> bool:
    lines = c.text.split("\n")
    duration = c.end - c.start
    return (len(lines) > rules.max_lines or any(len(ln) > rules.max_chars for ln in lines)
            or _cps(c) > rules.max_cps + 0.05 or duration > rules.max_seconds + 0.01
            or duration < rules.min_seconds - 0.01)


def readability(cues: list[Cue], rules: CueRules) -> Readability:
    return Readability(len(cues), sum(over_limits(c, rules) for c in cues),
                       max((_cps(c) for c in cues), default=0.0))


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
            words = tuple(replace(w, start=w.start - start + offset, end=w.end - start + offset)
                          for w in c.words if start <= (w.start + w.end) / 2 < end)
            out.append(replace(c, start=s - start + offset, end=e - start + offset, words=words))
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
    lines = word_events(cues, style) if style.words else [(c.start, c.end, ass_text(c.text))
                                                            for c in cues]
    events = "".join(f"Dialogue: 0,{_ass_time(s)},{_ass_time(e)},Default,,0,0,0,,{t}\n"
                     for s, e, t in lines)
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
        if last and len(last) < WORDS_PER_CHUNK and len(_text([*last, w])) <= max_chars:
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
