"""Face tracks, the speaker among them, blur boxes and the follow crop's path: pure functions
on detections made up here (the detector itself is exercised in test_faces_render.py)."""

from __future__ import annotations

import random

from pipeline.edit.faces import HOLD, LINK_GAP, blur_keys, box_at, link, to_blur, tracks
from pipeline.edit.reframe import DEAD_ZONE, MAX_KEYS, crop_x, follow_path
from pipeline.model.faces import Box, Detection, FaceScan, SpeakerHint, lerp

STEP = 0.25


def scan(faces, seconds: float, cuts=()) -> FaceScan:
    return FaceScan("clip.mp4", 0.0, seconds, STEP, int(seconds / STEP), tuple(faces),
                    tuple(cuts), "test")


def moving(x0: float, y: float, w: float, speed: float, t0: float, t1: float,
           skip=()) -> list[Detection]:
    """A face of width `w` (fraction) moving right at `speed` frame widths a second."""
    out = []
    k = round(t0 / STEP)
    while k * STEP < t1:
        t = round(k * STEP, 3)
        if t not in skip:
            out.append(Detection(t, Box(x0 + speed * (t - t0), y, w, w * 16 / 9), 90))
        k += 1
    return out


def test_two_faces_give_two_tracks_and_the_larger_longer_one_is_the_speaker():
    speaker = moving(0.2, 0.3, 0.15, 0.02, 0, 6)
    bystander = moving(0.8, 0.1, 0.04, 0.0, 1, 4)
    found = tracks(scan(speaker + bystander, 6))
    assert len(found) == 2
    main = [t for t in found if t.main]
    assert len(main) == 1 and main[0].points[0].box.w == 0.15
    assert to_blur(found, "blur-bystanders") == tuple(t for t in found if not t.main)
    assert to_blur(found, "blur") == found and to_blur(found, "off") == ()


def test_a_short_miss_keeps_the_track_a_long_one_starts_another():
    short = moving(0.4, 0.3, 0.1, 0.0, 0, 6, skip={1.0, 1.25, 1.5})  # 0.75 s unseen
    assert len(link(scan(short, 6))) == 1
    long_gap = {round(1 + k * STEP, 3) for k in range(int((LINK_GAP + 0.5) / STEP))}
    assert len(link(scan(moving(0.4, 0.3, 0.1, 0.0, 0, 6, skip=long_gap), 6))) == 2


def test_a_fast_walker_stays_one_track():
    # 500 px/s across a 1920-wide frame: 0.26 widths a second, 0.065 between samples
    walker = moving(0.05, 0.3, 0.08, 500 / 1920, 0, 3)
    assert len(link(scan(walker, 3))) == 1


def test_no_track_crosses_a_cut_and_the_next_shots_speaker_is_kept():
    before = moving(0.3, 0.3, 0.15, 0.0, 0, 3)
    after = moving(0.6, 0.3, 0.14, 0.0, 3, 6)           # the speaker from another angle
    passerby = moving(0.1, 0.1, 0.03, 0.0, 3.5, 5)       # small, in the second shot
    found = tracks(scan(before + after + passerby, 6, cuts=(3.0,)))
    assert len(found) == 3
    blurred = to_blur(found, "blur-bystanders")
    assert [t.points[0].box.w for t in blurred] == [0.03]


def test_the_job_names_the_speaker_by_time_and_position():
    big = moving(0.6, 0.3, 0.2, 0.0, 0, 6)       # e.g. a passer-by close to the camera
    small = moving(0.2, 0.4, 0.08, 0.0, 0, 6)    # the one who speaks
    found = tracks(scan(big + small, 6), hints=(SpeakerHint(2.0, 0.24, 0.47),))
    main = [t for t in found if t.main]
    assert len(main) == 1 and main[0].points[0].box.w == 0.08
    assert [t.points[0].box.w for t in to_blur(found, "blur-bystanders")] == [0.2]


def test_blur_boxes_cover_the_face_are_held_and_are_cut_to_the_part():
    face = moving(0.4, 0.3, 0.1, 0.05, 2, 4)
    (track,) = tracks(scan(face, 6))
    keys = blur_keys(track, 1.0, 5.0)
    assert keys[0][0] == round(2 - HOLD - 1.0, 3) and keys[-1][0] == round(3.75 + HOLD - 1.0, 3)
    for d in face:  # every detection inside the grown box at its time
        x, y, w, h = lerp(keys, round(d.t - 1.0, 3))
        assert x <= d.box.x and y <= d.box.y
        assert x + w >= d.box.x + d.box.w and y + h >= d.box.y + d.box.h
    assert blur_keys(track, 5.0, 6.0) == ()
    assert blur_keys(track, 0.0, 1.0) == ()


def test_box_between_detections_is_interpolated():
    a = Detection(0.0, Box(0.1, 0.1, 0.1, 0.1), 90)
    b = Detection(1.0, Box(0.3, 0.1, 0.1, 0.1), 90)
    assert abs(box_at([a, b], 0.5).x - 0.2) < 1e-9
    assert box_at([a, b], 1.5) is None


def _centre(keys, t: float) -> float:
    return lerp(keys, min(max(t, keys[0][0]), keys[-1][0]))[0]


WINDOW = (9 / 16) / (16 / 9)    # a 9:16 crop of a 16:9 clip: 0.316 of its width


def test_follow_keeps_a_walking_speaker_in_the_middle_half():
    # from the left third to the right one (a face at the very edge cannot be centred)
    walker = moving(0.13, 0.3, 0.06, 500 / 1920, 0, 2.5)
    standing = moving(walker[-1].box.x, 0.3, 0.06, 0.0, 2.5, 8)
    found = tracks(scan(walker + standing, 8))
    keys = follow_path(scan(walker + standing, 8), found, 0.0, 8.0, WINDOW)
    (speaker,) = [t for t in found if t.main]
    inside = 0
    samples = [k / 10 for k in range(78)]
    for t in samples:
        face = box_at(speaker.points, t)
        offset = abs(face.cx - min(max(_centre(keys, t), WINDOW / 2), 1 - WINDOW / 2)) / WINDOW
        inside += offset <= 0.25
    assert inside / len(samples) >= 0.9


def test_follow_does_not_jitter_on_a_still_speaker():
    rng = random.Random(1)
    still = [Detection(round(k * STEP, 3), Box(0.5 + rng.uniform(-0.006, 0.006), 0.3, 0.1,
                                               0.18), 90) for k in range(40)]
    keys = follow_path(scan(still, 10), tracks(scan(still, 10)), 0.0, 10.0, WINDOW)
    values = [v for _, v in keys]
    assert max(values) - min(values) < 0.002


def test_follow_jumps_at_a_cut_and_goes_to_the_centre_without_a_face():
    left = moving(0.15, 0.3, 0.1, 0.0, 0, 3)
    right = moving(0.75, 0.3, 0.1, 0.0, 3, 6)
    s = scan(left + right, 9, cuts=(3.0,))
    keys = follow_path(s, tracks(s), 0.0, 9.0, WINDOW)
    assert abs(_centre(keys, 2.5) - 0.2) < 0.03
    assert abs(_centre(keys, 3.2) - 0.8) < 0.03          # at once, not a pan
    # no face for 3 s: the centre, give or take the dead zone
    assert abs(_centre(keys, 8.5) - 0.5) <= DEAD_ZONE * WINDOW + 0.01


def test_follow_without_faces_is_the_centre_and_keyframes_are_bounded():
    assert {v for _, v in follow_path(scan([], 5), (), 0.0, 5.0, WINDOW)} == {0.5}
    rng = random.Random(2)
    wander = [Detection(round(k * STEP, 3), Box(rng.uniform(0.1, 0.8), 0.3, 0.1, 0.18), 90)
              for k in range(1200)]
    s = scan(wander, 300)
    assert len(follow_path(s, tracks(s), 0.0, 300.0, WINDOW)) <= MAX_KEYS


def test_crop_x_is_one_expression_clamped_to_the_picture():
    expr = crop_x(((0.0, 0.3), (1.0, 0.5), (2.0, 0.5)))
    assert expr.startswith("clip((") and expr.endswith("*iw-ow/2,0,iw-ow)")
    assert expr.count("if(") == 3
