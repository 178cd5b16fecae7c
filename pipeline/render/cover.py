"""Cover images: the best frame of a finished video, with the video's title on it.

No frame passes through Python while choosing, and no frame is decoded twice: the render
itself measures a frame every half second with `blurdetect` (edge width: lower is sharper)
and `signalstats` (brightness), printing the numbers with the `metadata` filter into a text
file in the work folder (`scan_for` says which frames and where; graph.py builds the
filters). `choose` is a small pure function over the numbers of the frames inside the clips
(not the intro or outro); the chosen frame is then taken from the finished mp4 and Pillow
draws the title on it (`cards.cover_image`).
https://ffmpeg.org/ffmpeg-filters.html#blurdetect-1"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config.brand import BrandKit
from ..model.manifest import CoverPick
from ..model.plan import EditPlan
from ..render import cards, ffmpeg, graph

EVERY = 0.5                      # seconds between the frames the render measures
SCAN_FILE = "cover-scan.txt"     # fixed safe names in the work folder: nothing to escape
FRAME_FILE = "cover-frame.png"

# Scoring. Limited-range luma runs from 16 (black) to 235 (white).
DARK, BRIGHT = 30.0, 225.0      # at or beyond these a frame is unusable (black, blown out)
RAMP = 40.0                     # full weight from DARK + RAMP to BRIGHT - RAMP
FULL_DETAIL = 64.0              # 10th-to-90th percentile luma spread that counts as detailed
BUSY = 0.7                      # a caption or name plate on screen: usable, but less so


@dataclass(frozen=True)
class FrameStats:
    """What ffmpeg measured on one sampled frame."""

    frame: int            # frame number in the output
    blur: float           # blurdetect: mean edge width in pixels; nan for a frame without edges
    yavg: float           # mean luma
    ylow: float           # 10th percentile luma
    yhigh: float          # 90th percentile luma
    busy: bool = False    # a caption or lower third is on screen at this frame


@dataclass(frozen=True)
class Cover:
    """The frame chosen for the cover, and how every candidate scored (for the manifest)."""

    frame: int
    time: float
    score: float
    candidates: tuple[tuple[float, float], ...]   # (seconds, score) per sampled frame

    def pick(self) -> CoverPick:
        return CoverPick(time=round(self.time, 3), score=self.score,
                         candidates=[(round(t, 3), s) for t, s in self.candidates])


@dataclass(frozen=True)
class CoverStyle:
    """What the cover needs beyond the plan: the title and the kit's font and colours."""

    title: str
    kit: BrandKit


# --- pure: which frames, how they score --------------------------------------------------


def exposure(yavg: float) -> float:
    """1 for any normally exposed frame, falling to 0 for a black or blown-out one."""
    return max(0.0, min(1.0, (yavg - DARK) / RAMP, (BRIGHT - yavg) / RAMP))


def score(s: FrameStats) -> float:
    """Sharp, well exposed, with detail, preferably without text over the picture."""
    if not math.isfinite(s.blur) or s.blur <= 0:
        return 0.0  # no edges at all: a flat frame (black, white, a fade)
    detail = min(1.0, max(0.0, s.yhigh - s.ylow) / FULL_DETAIL)
    return round(exposure(s.yavg) * detail * (BUSY if s.busy else 1.0) / s.blur, 4)


def choose(stats: list[FrameStats], fps: int) -> Cover:
    """The best-scoring frame; if none scores (all black, say), the middle one."""
    scores = [score(s) for s in stats]
    best = max(range(len(stats)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        best = len(stats) // 2
    return Cover(stats[best].frame, stats[best].frame / fps, scores[best],
                 tuple((s.frame / fps, sc) for s, sc in zip(stats, scores)))


def clip_window(plan: EditPlan) -> tuple[int, int]:
    """[first, end) frame numbers of the clips: the output without its intro and outro."""
    starts, n = [], 0
    for s in plan.segments:
        starts.append(n)
        n += s.frames
    clips = [i for i, s in enumerate(plan.segments) if s.role == "clip"]
    if not clips:
        return 0, n
    last = clips[-1]
    return starts[clips[0]], starts[last] + plan.segments[last].frames


def in_window(stats: list[FrameStats], first: int, end: int) -> list[FrameStats]:
    """The measured frames inside the clips, not their first or last frame (a cut)."""
    return [s for s in stats if first < s.frame < end - 1]


def busy_times(plan: EditPlan) -> list[tuple[float, float]]:
    """When captions or lower thirds are on screen, in seconds of the output."""
    spans = [(c.start, c.end) for c in plan.cues]
    t = 0.0
    for s in plan.segments:
        spans += [(t + o.start, t + o.end) for o in s.overlays if o.start is not None]
        t += s.frames / plan.fps
    return spans


def scan_region(plan: EditPlan) -> tuple[int, int, int, int]:
    """(w, h, x, y) of the picture inside the safe zone above the captions: what to measure,
    so the sharp edges of burned-in text do not make a blurred frame look sharp."""
    safe = plan.safe
    bottom = plan.height - safe.bottom - plan.caption_block
    x, y = _even(safe.left), _even(safe.top)
    return _even(plan.width - safe.right - x), _even(max(bottom - y, 16)), x, y


def _even(v: int) -> int:
    return max(0, v // 2 * 2)  # 4:2:0 chroma: crop on even pixels


def scan_for(plan: EditPlan) -> graph.Scan:
    """What the render measures for the cover: a frame every EVERY seconds, in the picture
    above the captions; the numbers land in SCAN_FILE."""
    return graph.Scan(max(1, round(plan.fps * EVERY)), scan_region(plan), SCAN_FILE)


def frame_argv(video: str, frame: int, fps: int) -> list[str]:
    # Seeking keeps the first frame at or after the time: ask a quarter frame early.
    return [*graph.QUIET, "-y", "-ss", f"{(frame - 0.25) / fps:.4f}", "-i", graph.path_arg(video),
            "-frames:v", "1", "-update", "1", graph.path_arg(FRAME_FILE)]


_BLOCK = re.compile(r"^frame:\d+\s+pts:\S+\s+pts_time:(\S+)", re.M)
_VALUE = re.compile(r"^lavfi\.(blur|signalstats\.YAVG|signalstats\.YLOW|signalstats\.YHIGH)="
                    r"(\S+)", re.M)


def parse_scan(text: str, fps: int, busy: list[tuple[float, float]]) -> list[FrameStats]:
    """FrameStats from what `metadata=mode=print` wrote: a `frame:` line, then key=value."""
    out = []
    heads = list(_BLOCK.finditer(text))
    for head, nxt in zip(heads, heads[1:] + [None]):
        body = text[head.end(): nxt.start() if nxt else len(text)]
        v = {k.removeprefix("signalstats."): _num(x) for k, x in _VALUE.findall(body)}
        t = float(head.group(1))
        out.append(FrameStats(round(t * fps), v.get("blur", math.nan), v.get("YAVG", 0.0),
                              v.get("YLOW", 0.0), v.get("YHIGH", 0.0),
                              any(a <= t < b for a, b in busy)))
    return out


def _num(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan  # blurdetect prints "-nan" for a frame without edges


# --- I/O: run ffmpeg, draw the cover -------------------------------------------------------


def pick_frame(plan: EditPlan, work: Path) -> Cover:
    """The best of the clip frames the render measured (see `scan_for`)."""
    scanned = work / SCAN_FILE
    text = scanned.read_text(encoding="utf-8") if scanned.is_file() else ""
    first, end = clip_window(plan)
    stats = in_window(parse_scan(text, plan.fps, busy_times(plan)), first, end)
    if not stats:  # nothing measured inside the clips: fall back to their middle
        mid = (first + end) // 2
        return Cover(mid, mid / plan.fps, 0.0, ())
    return choose(stats, plan.fps)


def write_cover(plan: EditPlan, video: Path, dst: Path, style: CoverStyle, work: Path,
                debug: Callable[[str], None] | None = None) -> Cover:
    """Choose among the frames the render measured, take that frame from the finished video,
    draw the title on it inside the safe zone, save `dst` as JPEG."""
    chosen = pick_frame(plan, work)
    ffmpeg.run(frame_argv(str(video.resolve()), chosen.frame, plan.fps), cwd=work, file=video,
               debug=debug)
    colors = style.kit.spec.colors
    cards.cover_image(work / FRAME_FILE, dst, title=style.title, font=style.kit.title_font,
                      text_color=colors.text, plate_color=colors.primary, accent=colors.accent,
                      safe=plan.safe)
    return chosen
