"""The one full-size run: the shipped example job at 1080x1920, as a new user renders it."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, run_cli
from media import inspect, loudness


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    footage = ROOT / "footage" / "example"
    before = {p.name: p.read_bytes() for p in footage.iterdir()}
    code, log = run_cli(ROOT / "jobs" / "example.yaml", "--output", out,
                        "--brands", ROOT / "brand", "--only", "willkommen", "--target", "tiktok")
    after = {p.name: p.read_bytes() for p in footage.iterdir()}
    yield code, log, out / "example", before == after
    shutil.rmtree(out)


def test_example_renders_upload_ready_1080x1920(example):
    code, log, folder, footage_unchanged = example
    assert code == 0, log
    assert footage_unchanged
    info = inspect(folder / "willkommen.tiktok.mp4")
    assert (info["width"], info["height"]) == (1080, 1920)
    assert (info["codec"], info["profile"], info["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert info["color"] == (1, 1, 1, 1)
    assert info["frame_deltas"] == {round(1 / 30, 5)}
    assert info["audio"] == ("aac", 48000, 2)
    # 2 s intro card + the 7.9 s portrait clip (237 frames) + 2.5 s outro card.
    assert info["frames"] == 60 + 237 + 75
    lufs, peak = loudness(folder / "willkommen.tiktok.mp4")
    assert abs(lufs + 14) <= 1 and peak <= -0.7
    text = json.dumps(info["metadata"]).lower()
    assert not any(k in text for k in ("location", "iso6709", "apple", "iphone", "creation_time"))


def test_example_sidecars_are_offset_by_the_intro(example):
    _, _, folder, _ = example
    srt = (folder / "willkommen.srt").read_text(encoding="utf-8")
    # The clip's first cue starts at 0.4 s; the intro card is 2.0 s long.
    assert srt.startswith("1\n00:00:02,400 --> 00:00:04,069\nWillkommen bei der Stadt Musterstadt.")
    assert (folder / "willkommen.tiktok.jpg").stat().st_size > 10_000
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [o["file"] for o in manifest["outputs"]] == ["willkommen.tiktok.mp4"]
