"""Trims, reframe modes and kit intro videos, checked on the rendered pictures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import make_kit, run_cli, write_job
from media import ffmpeg, frame_png, grey_frames, inspect, loudness, make_clip, mean_rgb

FPS = 30


def _numbered_clip(path: Path, seconds: float = 3.0) -> Path:
    """A grey clip whose brightness encodes the frame number within each second."""
    ffmpeg("-f", "lavfi", "-i", f"color=gray:s=160x90:r={FPS}:d={seconds}",
           "-vf", "geq=lum='16+mod(N\\,30)*7':cb=128:cr=128", "-c:v", "libx264", "-g", "15",
           "-pix_fmt", "yuv420p", "-qp", "0", str(path))
    return path


def _render(tmp_path: Path, body: str, *extra: str, kit_extra: str = "") -> tuple[int, str, Path]:
    make_kit(tmp_path / "brand" / "test", kit_extra)
    job = write_job(tmp_path, "name: t\nbrand: brand/test\nfootage: footage\n"
                              "targets: [reels-small]\n" + body)
    code, out = run_cli(job, "--output", tmp_path / "out", *extra)
    return code, out, tmp_path / "out" / "t"


def test_trim_is_frame_accurate(tmp_path):
    (tmp_path / "footage").mkdir()
    _numbered_clip(tmp_path / "footage" / "n.mov")
    code, out, folder = _render(tmp_path, "videos:\n  - name: n\n    clips:\n"
                                          "      - {file: n.mov, start: 1.5, end: 2.5}\n")
    assert code == 0, out
    info = inspect(folder / "n.reels-small.mp4")
    assert info["frames"] == 30 + 30 + 30  # 1 s intro, exactly 1 s of clip, 1 s outro
    # The first clip frame is source frame 45 (1.5 s): luma 16 + 15 * 7 = 121, the last is
    # frame 74: 16 + 14 * 7 = 114. Neighbouring frames differ by 7 levels.
    # Seeking keeps the first frame at or after the time: ask a quarter frame early.
    first = frame_png(folder / "n.reels-small.mp4", (30 - 0.25) / FPS, tmp_path / "first.png")
    last = frame_png(folder / "n.reels-small.mp4", (59 - 0.25) / FPS, tmp_path / "last.png")
    box = (100, 180, 116, 200)  # centre: the clip itself, not the blurred fill
    assert abs(mean_rgb(first, box)[0] - _full_range(121)) <= 3
    assert abs(mean_rgb(last, box)[0] - _full_range(114)) <= 3


def _full_range(luma: int) -> float:
    return (luma - 16) * 255 / 219


@pytest.mark.parametrize("mode", ["fit", "crop", "blur"])
def test_reframe_modes_for_landscape(tmp_path, mode):
    (tmp_path / "footage").mkdir()
    ffmpeg("-f", "lavfi", "-i", "color=white:s=320x180:r=30:d=1", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", str(tmp_path / "footage" / "w.mov"))
    code, out, folder = _render(tmp_path, f"reframe: {mode}\n")
    assert code == 0, out
    png = frame_png(folder / "w.reels-small.mp4", 1.5, tmp_path / "f.png")
    band_top = mean_rgb(png, (0, 60, 120, 80))  # above the 16:9 picture, left of the logo
    centre = mean_rgb(png, (40, 180, 176, 200))
    assert min(centre) > 235  # the picture itself
    if mode == "fit":  # padded with the kit's primary colour #003366
        assert band_top == pytest.approx((0, 51, 102), abs=6)
    elif mode == "crop":  # centre crop: white everywhere
        assert min(band_top) > 235
    else:  # blurred and darkened copy of a white picture: grey, not white, not blue
        assert 150 < band_top[0] < 235 and abs(band_top[0] - band_top[2]) < 8


def test_blurred_fill_follows_the_clip(tmp_path):
    """The fill is refreshed a few times a second, not frozen on the first frame, and the
    picture in front of it is not slowed down by it."""
    (tmp_path / "footage").mkdir()
    ffmpeg("-f", "lavfi", "-i", "color=red:s=320x180:r=30:d=1", "-f", "lavfi", "-i",
           "color=blue:s=320x180:r=30:d=2", "-filter_complex", "[0][1]concat=n=2:v=1",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(tmp_path / "footage" / "rb.mov"))
    code, out, folder = _render(tmp_path, "videos:\n  - name: rb\n    clips: [{file: rb.mov}]\n")
    assert code == 0, out
    band = (0, 60, 120, 80)  # the fill above the 16:9 picture
    for t, colour in ((1.5, "red"), (3.5, "blue")):  # 1 s intro card first
        fill = mean_rgb(frame_png(folder / "rb.reels-small.mp4", t, tmp_path / "f.png"), band)
        red, blue = (fill[0], fill[2]) if colour == "red" else (fill[2], fill[0])
        assert red > blue + 60, (t, fill)
    # A blue frame in front of a fill still red: the picture itself switches on time.
    centre = (40, 180, 176, 200)
    at_switch = mean_rgb(frame_png(folder / "rb.reels-small.mp4", 2 + 2 / FPS,
                                   tmp_path / "s.png"), centre)
    assert at_switch[2] > at_switch[0] + 100, at_switch


def _band_steps(video: Path, first: int, last: int, band: tuple[int, int]) -> np.ndarray:
    """Mean absolute luma change of rows band[0]:band[1] from each frame to the next, for
    the frames first..last of `video`."""
    rows = [y[band[0]:band[1]].astype(float) for y in grey_frames(video, first, last - first + 1)]
    return np.abs(np.diff(np.stack(rows), axis=0)).mean(axis=(1, 2))


def _runs_of_equal_frames(steps: np.ndarray) -> list[int]:
    """Lengths of the runs of frames identical to the one before (in the band)."""
    runs, run = [], 0
    for step in steps:
        if step < 0.01:
            run += 1
        elif run:
            runs, run = runs + [run], 0
    return runs + [run] if run else runs


def test_blurred_fill_moves_smoothly_on_a_pan_and_holds_still_when_the_shot_does(tmp_path):
    """Camera pans are everyday phone footage: the fill (two thirds of the frame) must move
    with the picture frame by frame, not jump. A fill refreshed twice a second changed by
    nothing for 14 frames, then by everything at once. On a still shot whose picture only
    flickers (by a level, as a phone's exposure does) the fill is held, so x264 codes it as
    unchanged blocks, but never longer than half a second."""
    (tmp_path / "footage").mkdir()
    # A sine pattern panning at 80 px/s for 2 s, then standing still for 2 s with the whole
    # picture one level brighter on every other frame (lossless, so the level survives).
    x = "if(lt(T,2),80*T,160)"
    flicker = "if(gte(T,2),mod(N,2),0)"
    ffmpeg("-f", "lavfi", "-i", "color=gray:s=320x180:r=30:d=4", "-vf",
           f"geq=lum='128+90*sin(2*PI*(X+{x})/320)+{flicker}':cb=128:cr=128",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-qp", "0",
           str(tmp_path / "footage" / "pan.mov"))
    code, out, folder = _render(tmp_path, "videos:\n  - name: pan\n    clips: [{file: pan.mov}]\n")
    assert code == 0, out
    video = folder / "pan.reels-small.mp4"
    top_fill = (20, 100)  # rows above the 16:9 picture (131..253 of 384), below the logo
    pan = _band_steps(video, FPS + 2, FPS + 58, top_fill)  # 1 s intro card first
    assert np.median(pan) > 0.5, pan  # it moves in (nearly) every frame
    assert pan.max() < 3 * np.median(pan), pan  # and never jumps
    still = _band_steps(video, 3 * FPS + 2, 5 * FPS - 2, top_fill)
    runs = _runs_of_equal_frames(still)
    assert sum(runs) >= 0.8 * len(still), (runs, still)  # held, not made again each frame
    assert max(runs) <= 15, runs  # a new one at least every half second
    assert still.max() < 1.5, still  # and the new one steps by no more than the flicker


def test_loudness_is_measured_again_when_a_clip_is_replaced(tmp_path):
    """The loudness measurement is kept between runs; a clip replaced under the same name
    (quiet take swapped for a loud one) must not inherit the old measurement."""
    (tmp_path / "footage").mkdir()
    clip = tmp_path / "footage" / "c.mov"
    body = "videos:\n  - name: c\n    clips: [{file: c.mov}]\n"
    for gain in ("-38dB", "-4dB"):
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=2", "-f", "lavfi", "-i",
               f"sine=f=300:d=2:sample_rate=48000,volume={gain}", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest", str(clip))
        code, out, folder = _render(tmp_path, body)
        assert code == 0, out
        lufs, _ = loudness(folder / "c.reels-small.mp4")
        assert abs(lufs - (-14.0)) <= 1.0, (gain, lufs)


def test_targets_share_an_ffmpeg_two_at_a_time(tmp_path):
    """Targets of a video are rendered together (one decode), at most two per ffmpeg (memory);
    every file is whole whichever ffmpeg made it."""
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "c.mov", size="320x180", seconds=1.0)
    make_kit(tmp_path / "brand" / "test", "layout: per-target\n")  # three different pictures
    job = write_job(tmp_path, "name: t\nbrand: brand/test\nfootage: footage\n"
                              "targets: [tiktok-small, reels-small, reels-fast]\n")
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    folder = tmp_path / "out" / "t"
    entries = json.loads((folder / "manifest.json").read_text())["outputs"]
    groups = {tuple(e["settings"]["rendered_together"]) for e in entries}
    assert sorted(len(g) for g in groups) == [1, 2], groups
    for e in entries:
        info = inspect(folder / e["file"])
        size = (540, 960) if e["target"] == "reels-fast" else (216, 384)
        assert (info["width"], info["height"]) == size
        assert info["frames"] == 30 + 30 + 30 and info["audio"] == ("aac", 48000, 2)


def test_intro_from_kit_video_and_debug_prints_commands(tmp_path):
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "c.mov", seconds=1.0)
    kit = tmp_path / "brand" / "test"
    kit.mkdir(parents=True)
    make_clip(kit / "intro.mp4", size="1080x1920", seconds=1.5, audio=False)
    code, out, folder = _render(tmp_path, "", "--debug",
                                kit_extra="intro: {file: intro.mp4}\n")
    assert code == 0, out
    info = inspect(folder / "c.reels-small.mp4")
    assert abs(info["duration"] - (1.5 + 1.0 + 1.0)) <= 1 / FPS
    assert "-filter_complex" in out and "file:" in out  # --debug shows each ffmpeg command


def test_fast_preview_is_540x960_in_its_own_folder(tmp_path):
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "c.mov", size="640x360", seconds=1.0)
    make_kit(tmp_path / "brand" / "test")
    job = write_job(tmp_path, "name: t\nbrand: brand/test\nfootage: footage\n")
    code, out = run_cli(job, "--output", tmp_path / "out", "--fast")
    assert code == 0, out
    folder = tmp_path / "out" / "t-preview"
    for target in ("tiktok", "reels"):
        info = inspect(folder / f"c.{target}-fast.mp4")
        assert (info["width"], info["height"]) == (540, 960) and info["avg_fps"] == FPS
    assert not (tmp_path / "out" / "t").exists()  # previews never mix with upload files
