"""Every platform from one job: the 9:16, 4:5, 1:1 and 16:9 targets, their limits, and
captions burned in per target."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_kit, run_cli, write_job
from media import inspect, make_clip

from pipeline.config.presets import get_preset

SIZES = {"shorts-small": (216, 384), "feed-small": (216, 270), "square-small": (216, 216),
         "landscape-small": (384, 216)}
SRT = "1\n00:00:00,200 --> 00:00:01,400\nWillkommen im Bürgerbüro.\n"


def test_each_layout_renders_its_size_and_landscape_keeps_captions_out(tmp_path: Path):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "c.mov", size="640x360", seconds=1.5)
    job = write_job(tmp_path, f"""\
        name: t
        brand: brand/test
        footage: footage
        targets: [{', '.join(SIZES)}]
        captions: {{burn_in: [shorts-small, feed-small, square-small]}}
        """)
    (tmp_path / "job.captions").mkdir()
    (tmp_path / "job.captions" / "c.srt").write_text(SRT, encoding="utf-8")  # no Whisper
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    folder = tmp_path / "out" / "t"
    entries = {e["target"]: e for e in json.loads((folder / "manifest.json").read_text())["outputs"]}
    assert set(entries) == set(SIZES)
    for target, size in SIZES.items():
        info = inspect(folder / f"c.{target}.mp4")
        assert (info["width"], info["height"]) == size, target
        assert info["frames"] == 30 + 45 + 30 and info["avg_fps"] == 30  # intro, clip, outro
        burned = entries[target]["settings"]["captions"]
        assert burned == ("none" if target == "landscape-small" else "burned in"), target
    # The website's player shows the sidecars instead, which viewers can restyle.
    assert "Willkommen im Bürgerbüro." in (folder / "c.vtt").read_text(encoding="utf-8")
    names = [p["name"] for p in entries["landscape-small"]["platforms"]]
    assert names[0].startswith("Website") and names[1:] == ["YouTube", "Mastodon", "X"]
    x = entries["landscape-small"]["platforms"][3]
    assert (x["max_seconds"], x["max_bytes"]) == (140.0, 512_000_000)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<th scope="row">X</th><td>2:20 min</td><td>512,0 MB</td>' in page
    assert '<th scope="row">LinkedIn</th><td>10:00 min</td>' in page


def test_a_landscape_frame_sizes_captions_and_logo_as_portrait_does():
    portrait, landscape = get_preset("tiktok"), get_preset("landscape")
    assert portrait.scale == landscape.scale == 1.0  # the shorter side is the design's 1080
    assert get_preset("landscape-fast").scale == 0.5
    for name in ("shorts", "feed", "square", "landscape"):
        p = get_preset(name)
        s = p.safe
        assert s.left + s.right < p.width and s.top + s.bottom < p.height, name
        assert p.limits()[0].name == p.label


def test_full_size_targets_encode_veryfast_crf_16_and_previews_crf_20():
    # The settings measured against VMAF (benchmarks/README.md, "Encoder settings").
    for name in ("tiktok", "reels", "shorts", "feed", "square", "landscape"):
        full, preview = get_preset(name), get_preset(f"{name}-fast")
        assert (full.x264_preset, full.crf) == ("veryfast", 16), name
        assert (preview.x264_preset, preview.crf) == ("veryfast", 20), name
    assert (get_preset("tiktok-small").x264_preset, get_preset("tiktok-small").crf) == \
        ("veryfast", 20)  # scaled from a YAML file, like the -fast previews


def test_shared_layout_encodes_the_9_16_targets_once_and_the_page_shows_them_once(tmp_path):
    make_kit(tmp_path / "brand" / "test")  # the default layout: shared
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "c.mov", size="320x180", seconds=1.0)
    job = write_job(tmp_path, "name: t\nbrand: brand/test\nfootage: footage\n"
                              "targets: [tiktok-small, reels-small, shorts-small]\n")
    (tmp_path / "job.captions").mkdir()
    (tmp_path / "job.captions" / "c.srt").write_text(SRT, encoding="utf-8")
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    folder = tmp_path / "out" / "t"
    entries = {e["target"]: e for e in json.loads((folder / "manifest.json").read_text())["outputs"]}
    assert entries["tiktok-small"]["same_as"] is None
    for copy in ("reels-small", "shorts-small"):
        assert entries[copy]["same_as"] == "c.tiktok-small.mp4"
        assert entries[copy]["sha256"] == entries["tiktok-small"]["sha256"]
        assert (folder / f"c.{copy}.mp4").stat().st_ino == \
            (folder / "c.tiktok-small.mp4").stat().st_ino  # a hard link: no second copy
    assert entries["tiktok-small"]["settings"]["rendered_together"] == ["c.tiktok-small.mp4"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert page.count("<video ") == 1
    assert "Für TikTok (216 px), Instagram Reels (216 px) und YouTube Shorts (216 px)" in page
    for target in ("tiktok-small", "reels-small", "shorts-small"):
        assert f'href="c.{target}.mp4" download' in page
    # Run again: nothing is encoded, every file is still there and up to date.
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0 and "skipped" in out, out
