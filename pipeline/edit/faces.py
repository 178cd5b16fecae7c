"""Pure: a clip's detections linked into face tracks, the speaker among them, and the boxes
to blur over a clip's trimmed part."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ..model.faces import Box, Detection, FaceMode, FaceScan, SpeakerHint, Track, lerp

LINK_GAP = 1.0     # seconds a track lives on without a detection: a turned head, a missed frame
HOLD = 0.5         # seconds a blur is held before the first and after the last detection
GROW_W, GROW_H = 1.6, 1.8    # a face box grown to cover hair, ears and chin
LIFT = 0.05        # the grown box is moved up by this part of its height (forehead, hair)
# Another shot's face counts as the speaker's when it is on screen for most of that shot
# and about as large as the speaker's face in the main shot.
SHOT_SHARE, SHOT_SIZE = 0.6, 0.7


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    return inter / (a.area + b.area - inter) if inter else 0.0


def _near(a: Box, b: Box) -> float:
    """How well `b` continues `a`: overlap, or a centre within one face width (fast walking)."""
    size = max(a.w, a.h, b.w, b.h)
    d = ((a.cx - b.cx) ** 2 + (a.cy - b.cy) ** 2) ** 0.5
    return max(_iou(a, b), 1.0 - d / size if d < size else 0.0)


def _shot(t: float, cuts: Sequence[float]) -> int:
    return sum(1 for c in cuts if c <= t)


def link(scan: FaceScan) -> list[list[Detection]]:
    """Detections joined from sample to sample into tracks: greedily, best match first, never
    across a cut and never over a gap longer than LINK_GAP."""
    by_time: dict[float, list[Detection]] = {}
    for d in scan.faces:
        by_time.setdefault(d.t, []).append(d)
    tracks: list[list[Detection]] = []
    live: list[int] = []
    for t in sorted(by_time):
        live = [i for i in live if t - tracks[i][-1].t <= LINK_GAP
                and _shot(tracks[i][-1].t, scan.cuts) == _shot(t, scan.cuts)]
        pairs = sorted(((_near(tracks[i][-1].box, d.box), i, j)
                        for i in live for j, d in enumerate(by_time[t])), reverse=True)
        taken_t, taken_d = set(), set()
        for score, i, j in pairs:
            if score > 0.2 and i not in taken_t and j not in taken_d:
                tracks[i].append(by_time[t][j])
                taken_t.add(i)
                taken_d.add(j)
        for j, d in enumerate(by_time[t]):
            if j not in taken_d:
                tracks.append([d])
                live.append(len(tracks) - 1)
    return tracks


def _weight(points: Sequence[Detection]) -> float:
    return sum(d.box.area for d in points)


def _median_width(points: Sequence[Detection]) -> float:
    return statistics.median(d.box.w for d in points)


def _hinted(points: Sequence[Detection], hint: SpeakerHint) -> float | None:
    """How far the track is from where the job says the speaker is (None: not there then)."""
    near = [d for d in points if abs(d.t - hint.at) <= LINK_GAP]
    if not near:
        return None
    d = min(near, key=lambda d: abs(d.t - hint.at))
    return ((d.box.cx - hint.x) ** 2 + (d.box.cy - hint.y) ** 2) ** 0.5


def tracks(scan: FaceScan, hints: Sequence[SpeakerHint] = ()) -> tuple[Track, ...]:
    """The clip's face tracks; `main` on the speaker's. The speaker is the face the job names
    (nearest to each hint), else the largest, longest-visible face; in another shot, a face on
    screen for most of it and about as large counts as the speaker too."""
    linked = link(scan)
    if not linked:
        return ()
    main: set[int] = set()
    for hint in hints:
        dist = [(_hinted(p, hint), i) for i, p in enumerate(linked)]
        dist = [(d, i) for d, i in dist if d is not None]
        if dist:
            main.add(min(dist)[1])
    if not hints:
        lead = max(range(len(linked)), key=lambda i: _weight(linked[i]))
        main.add(lead)
        main |= _shot_speakers(scan, linked, lead)
    return tuple(Track(tuple(p), i in main) for i, p in enumerate(linked))


def _shot_speakers(scan: FaceScan, linked: list[list[Detection]], lead: int) -> set[int]:
    size = _median_width(linked[lead])
    lead_shot = _shot(linked[lead][0].t, scan.cuts)
    edges = [scan.start, *scan.cuts, scan.end]
    out = set()
    for i, p in enumerate(linked):
        shot = _shot(p[0].t, scan.cuts)
        if shot == lead_shot:
            continue
        samples = max(1, round((edges[shot + 1] - edges[shot]) / scan.step))
        rivals = [q for q in linked if _shot(q[0].t, scan.cuts) == shot]
        if (len(p) >= SHOT_SHARE * samples and _median_width(p) >= SHOT_SIZE * size
                and p is max(rivals, key=_weight)):
            out.add(i)
    return out


def to_blur(all_tracks: Sequence[Track], mode: FaceMode) -> tuple[Track, ...]:
    if mode == "blur":
        return tuple(all_tracks)
    if mode == "blur-bystanders":
        return tuple(t for t in all_tracks if not t.main)
    return ()


def box_at(points: Sequence[Detection], t: float) -> Box | None:
    """A track's box at `t`, interpolated between its detections; None outside it."""
    v = lerp([(d.t, d.box.x, d.box.y, d.box.w, d.box.h) for d in points], t)
    return Box(*v) if v is not None else None


def grown(box: Box, moved: float = 0.0) -> Box:
    """A face box enlarged so no edge of the face shows, plus how far it moved meanwhile."""
    w, h = box.w * GROW_W + 2 * moved, box.h * GROW_H + 2 * moved
    return Box(box.cx - w / 2, box.cy - h / 2 - LIFT * h, w, h)


Key = tuple[float, float, float, float, float]   # (t, x, y, w, h): t in the segment


def blur_keys(track: Track, start: float, end: float) -> tuple[Key, ...]:
    """Keyframes of the grown box of `track` over the clip part [start, end), times from
    `start`; held HOLD seconds before and after; empty when the track is not in the part."""
    pts = track.points
    keys = []
    for k, d in enumerate(pts):
        near = [p for p in (pts[k - 1] if k else None, pts[k + 1] if k + 1 < len(pts) else None)
                if p is not None]
        moved = max((abs(p.box.cx - d.box.cx) + abs(p.box.cy - d.box.cy) for p in near),
                    default=0.0)
        keys.append((d.t, grown(d.box, moved)))
    keys = [(keys[0][0] - HOLD, keys[0][1]), *keys, (keys[-1][0] + HOLD, keys[-1][1])]
    if keys[-1][0] < start or keys[0][0] >= end:
        return ()
    return tuple((round(t - start, 3), round(b.x, 4), round(b.y, 4), round(b.w, 4),
                  round(b.h, 4)) for t, b in keys)
