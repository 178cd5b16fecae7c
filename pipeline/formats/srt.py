"""SRT and WebVTT text: parsed into cues and written from them."""

from __future__ import annotations

import re

from ..model.captions import Cue

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
