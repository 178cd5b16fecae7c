"""Pure: `reframe: follow`, the path of a narrow crop across a wide clip that keeps the
speaker's face in view: a dead zone (a face moving a little does not move the crop), smoothed
looking both ways (the render is offline, so the crop starts to move before the speaker
does), a jump at a cut, and the centre where no face is seen."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..model.faces import FaceScan, Track
from .faces import box_at

DEAD_ZONE = 0.1    # of the crop's width: how far the face may move before the crop follows
STEP = 0.25        # seconds between the path's points
JITTER = 1         # points each side averaged before the dead zone: the detector's jitter
EASE = 2           # points each side averaged after it: the crop eases into and out of a move
AHEAD = 1          # points the crop moves ahead of the face (the dead zone makes it lag)
HOLD = 1.0         # seconds the crop stays where a face was last seen before going to centre
TOLERANCE = 0.002  # of the frame width: keyframes closer than this to a straight line go
MAX_KEYS = 120     # keyframes at most (the crop's x is one ffmpeg expression)

Key = tuple[float, float]   # (seconds in the segment, crop centre as a fraction of the width)


def _target(t: float, main: Sequence[Track], others: Sequence[Track]) -> float | None:
    """Where the crop should be centred at `t`: the speaker's face, else the largest face."""
    for tr in main:
        b = box_at(tr.points, t)
        if b is not None:
            return b.cx
    seen = [b for b in (box_at(tr.points, t) for tr in others) if b is not None]
    return max(seen, key=lambda b: b.area).cx if seen else None


def _filled(targets: list[float | None], step: float) -> list[float]:
    """Gaps held at the last face for HOLD seconds, then the centre."""
    out, last, since = [], None, 0.0
    for v in targets:
        if v is not None:
            last, since = v, 0.0
        else:
            since += step
            if since > HOLD:
                last = None
        out.append(last if last is not None else 0.5)
    return out


def _dead_zone(values: list[float], zone: float) -> list[float]:
    cam = values[0]
    out = []
    for v in values:
        if v - cam > zone:
            cam = v - zone
        elif cam - v > zone:
            cam = v + zone
        out.append(cam)
    return out


def _smoothed(values: list[float], k: int) -> list[float]:
    """A centred moving average over `k` samples each side; past the ends the values are
    mirrored about the end value, so a steady movement is followed to the end without lag."""
    n = len(values)
    head = [2 * values[0] - values[min(j, n - 1)] for j in range(k, 0, -1)]
    tail = [2 * values[-1] - values[max(0, n - 1 - j)] for j in range(1, k + 1)]
    padded = head + values + tail
    return [sum(padded[i:i + 2 * k + 1]) / (2 * k + 1) for i in range(n)]


def _shot_path(values: list[float], window: float) -> list[float]:
    """Within one shot: jitter smoothed out, the dead zone (the crop rests while the face stays
    near it), eased, and moved AHEAD samples earlier (the render is offline: it can look
    ahead); kept inside the picture."""
    half = window / 2
    path = _smoothed(_dead_zone(_smoothed(values, JITTER), DEAD_ZONE * window), EASE)
    path = path[AHEAD:] + path[-1:] * min(AHEAD, len(path))
    return [min(1 - half, max(half, v)) for v in path[:len(values)]]


def follow_path(scan: FaceScan, all_tracks: Sequence[Track], start: float, end: float,
                window: float) -> tuple[Key, ...]:
    """The crop centre over the clip part [start, end) for a crop `window` (fraction of the
    source's width) wide: keyframes, times from `start`, linear in between."""
    main = [t for t in all_tracks if t.main]
    others = [t for t in all_tracks if not t.main]
    # The path is worked out on its own grid, finer than the detector's samples (boxes are
    # interpolated between those), so that easing and looking ahead are the same at any rate.
    times = [round(start + k * STEP, 3) for k in range(max(1, math.ceil((end - start) / STEP)
                                                           + 1))]
    keys: list[Key] = []
    for shot_t in _shots(times, scan.cuts):
        raw = _filled([_target(t, main, others) for t in shot_t], STEP)
        path = _shot_path(raw, window)
        if keys:  # a cut: jump halfway between the last point before it and the first after
            jump = (keys[-1][0] + shot_t[0] - start) / 2
            keys.append((round(jump - 0.001, 3), keys[-1][1]))
            keys.append((round(jump, 3), path[0]))
        keys += [(round(t - start, 3), v) for t, v in zip(shot_t, path)]
    return tuple((t, round(v, 4)) for t, v in simplified(keys))


def _shots(times: list[float], cuts: Sequence[float]) -> list[list[float]]:
    """`times` split at each cut: the points of one shot each."""
    shots: list[list[float]] = [[]]
    edges = sorted(cuts)
    for t in times:
        while edges and t >= edges[0]:
            edges.pop(0)
            if shots[-1]:
                shots.append([])
        shots[-1].append(t)
    return [s for s in shots if s]


def simplified(keys: list[Key]) -> list[Key]:
    """Keyframes that a straight line through their neighbours already gives dropped
    (Ramer-Douglas-Peucker), the tolerance doubled until at most MAX_KEYS are left."""
    tol = TOLERANCE
    out = _rdp(keys, tol)
    while len(out) > MAX_KEYS:
        tol *= 2
        out = _rdp(keys, tol)
    return out


def _rdp(keys: list[Key], tol: float) -> list[Key]:
    if len(keys) < 3:
        return list(keys)
    (t0, v0), (t1, v1) = keys[0], keys[-1]
    worst, at = -1.0, 0
    for i in range(1, len(keys) - 1):
        t, v = keys[i]
        line = v0 + (v1 - v0) * ((t - t0) / (t1 - t0) if t1 > t0 else 0.0)
        if abs(v - line) > worst:
            worst, at = abs(v - line), i
    if worst <= tol:
        return [keys[0], keys[-1]]
    return _rdp(keys[:at + 1], tol)[:-1] + _rdp(keys[at:], tol)


def crop_x(keys: Sequence[Key]) -> str:
    """ffmpeg's crop `x` for a scaled picture: the keyframed centre, linear in between, the
    crop kept inside the picture."""
    expr = f"{keys[-1][1]:.4f}"
    for (t0, v0), (t1, v1) in reversed(list(zip(keys, keys[1:]))):
        slope = (v1 - v0) / (t1 - t0) if t1 > t0 else 0.0
        expr = f"if(lt(t,{t1:.3f}),{v0:.4f}+{slope:.5f}*(t-{t0:.3f}),{expr})"
    if len(keys) > 1:
        expr = f"if(lt(t,{keys[0][0]:.3f}),{keys[0][1]:.4f},{expr})"
    return f"clip(({expr})*iw-ow/2,0,iw-ow)"
