"""Cover images: the frame chosen by sharpness and brightness, the title drawn on it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import make_kit, run_cli, write_job
from media import ffmpeg
from PIL import Image

from pipeline.render.cover import (
    FrameStats,
    choose,
    exposure,
    in_window,
    parse_scan,
    score,
)

FPS = 30
SHARP = FrameStats(0, blur=4.7, yavg=123, ylow=41, yhigh=210)   # testsrc2 as measured


def test_sharp_beats_blurred_black_white_and_flat():
    blurred = FrameStats(1, blur=12.2, yavg=123, ylow=47, yhigh=198)   # boxblur=4
    black = FrameStats(2, blur=math.nan, yavg=16, ylow=16, yhigh=16)   # blurdetect: -nan
    dark = FrameStats(3, blur=5.0, yavg=25, ylow=18, yhigh=40)
    white = FrameStats(4, blur=6.0, yavg=232, ylow=228, yhigh=235)
    assert score(SHARP) > score(blurred) > 0
    assert score(black) == score(dark) == score(white) == 0


def test_exposure_is_flat_in_the_middle_and_zero_at_the_ends():
    assert exposure(16) == exposure(30) == exposure(230) == 0
    assert exposure(70) == exposure(128) == exposure(185) == 1
    assert 0 < exposure(50) < 1


def test_text_on_screen_lowers_the_score():
    assert score(FrameStats(0, 4.7, 123, 41, 210, busy=True)) < score(SHARP)


def test_choose_takes_the_best_and_records_every_candidate():
    stats = [FrameStats(30, 12.0, 123, 47, 198), FrameStats(60, 4.7, 123, 41, 210),
             FrameStats(90, 9.0, 123, 47, 198)]
    c = choose(stats, FPS)
    assert (c.frame, c.time) == (60, 2.0)
    assert [t for t, _ in c.candidates] == [1.0, 2.0, 3.0]


def test_choose_falls_back_to_the_middle_when_nothing_scores():
    stats = [FrameStats(n, math.nan, 16, 16, 16) for n in (10, 20, 30, 40)]
    assert choose(stats, FPS).frame == 30 and choose(stats, FPS).score == 0


def test_only_frames_inside_the_clips_are_candidates():
    stats = [FrameStats(n, 4.7, 123, 41, 210) for n in (0, 15, 30, 45, 60, 75, 89, 90, 105)]
    # intro frames 0-29, clips 30-89, outro from 90: the cut frames 30 and 89 do not count
    assert [s.frame for s in in_window(stats, 30, 90)] == [45, 60, 75]


def test_parse_scan_reads_metadata_print_output():
    text = ("frame:0    pts:36352   pts_time:2.366667\nlavfi.blur=3.820470\n"
            "lavfi.signalstats.YMIN=15\nlavfi.signalstats.YLOW=68\n"
            "lavfi.signalstats.YAVG=142.52\nlavfi.signalstats.YHIGH=210\n"
            "frame:1    pts:48640   pts_time:3.166667\nlavfi.blur=-nan\n"
            "lavfi.signalstats.YLOW=16\nlavfi.signalstats.YAVG=16\nlavfi.signalstats.YHIGH=16\n")
    a, b = parse_scan(text, FPS, busy=[(3.0, 4.0)])
    assert (a.frame, a.blur, a.yavg, a.ylow, a.yhigh, a.busy) == (71, 3.82047, 142.52, 68, 210,
                                                                  False)
    assert b.frame == 95 and math.isnan(b.blur) and b.busy


def _half_bad_clip(path: Path, bad: str) -> Path:
    """A portrait test picture (fills 9:16) whose first 1.5 s are `bad`, the rest sharp;
    silent, so no transcription runs."""
    vf = {"blurred": "boxblur=8:enable='lt(t,1.5)'",
          "black": "drawbox=c=black:t=fill:enable='lt(t,1.5)'"}[bad]
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=180x320:r={FPS}:d=3", "-vf", vf,
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path))
    return path


@pytest.mark.parametrize("bad", ["blurred", "black"])
def test_cover_comes_from_the_sharp_part(tmp_path, bad):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    _half_bad_clip(tmp_path / "footage" / "clip.mov", bad)
    job = write_job(tmp_path, """\
        name: t
        brand: brand/test
        footage: footage
        targets: [reels-small]
        videos:
          - {name: clip, title: "Tag der offenen Tür", clips: [{file: clip.mov}]}
        """)
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    folder = tmp_path / "out" / "t"
    with Image.open(folder / "clip.reels-small.jpg") as im:
        assert (im.format, im.size) == ("JPEG", (216, 384))
    entry = json.loads((folder / "manifest.json").read_text())["outputs"][0]
    chosen = entry["cover"]["time"]
    intro = 1.0  # the test kit's intro card; the clip's sharp half starts 1.5 s into the clip
    assert intro + 1.5 <= chosen < intro + 3.0, entry["cover"]  # boxblur ends before t=1.5
    bad_scores = [s for t, s in entry["cover"]["candidates"] if t < intro + 1.45]
    assert bad_scores and max(bad_scores) < entry["cover"]["score"]
