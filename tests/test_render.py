"""End to end at a small frame size: phone-like inputs in, upload-ready files out.

Every property is read back from the written file, as a platform's upload check would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_kit, run_cli, write_job
from media import (
    difference,
    frame_png,
    grey_frames,
    inspect,
    leftovers,
    loudness,
    make_clip,
    mean_rgb,
    saturation,
)

FPS = 30
INTRO, OUTRO = 1.0, 1.0
TARGETS = ("tiktok-small", "reels-small")

# name → (make_clip options, trim start, trim end)
CLIPS = {
    "rotated_hevc": (dict(size="320x180", codec="libx265", rotate=90, phone_tags=True), 0.0, None),
    "hlg": (dict(size="320x180", codec="libx265", hdr=True, fps=50), 0.0, None),
    "vfr": (dict(size="320x180", vfr=True), 0.0, None),
    "fps25": (dict(fps=25, seconds=2.4), 0.3, 2.1),
    "fps60": (dict(fps=60, mono=True), 0.5, None),
    "silent": (dict(audio=False), 0.0, None),
    "land43": (dict(size="240x180", tone=880), 0.0, 1.5),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, int, str]:
    root = tmp_path_factory.mktemp("render")
    make_kit(root / "brand" / "test")
    footage = root / "footage"
    footage.mkdir()
    videos = []
    for name, (opts, start, end) in CLIPS.items():
        make_clip(footage / f"{name}.mov", **opts)
        trim = f", start: {start}" + (f", end: {end}" if end else "")
        videos.append(f"  - name: {name}\n    clips:\n      - {{file: {name}.mov{trim}}}\n")
    # A corrected caption file, as a person leaves it after the first render: used as it is.
    (root / "job.captions").mkdir()
    (root / "job.captions" / "vfr.srt").write_text(
        "1\n00:00:00,200 --> 00:00:01,500\nGrüße aus der Straße\n\n", encoding="utf-8")
    job = write_job(root, f"name: mixed\nbrand: brand/test\nfootage: footage\n"
                          f"targets: [{', '.join(TARGETS)}]\nvideos:\n" + "".join(videos))
    code, out = run_cli(job, "--output", root / "out")
    return root / "out" / "mixed", code, out


def _expected_seconds(name: str) -> float:
    opts, start, end = CLIPS[name]
    end = end if end is not None else opts.get("seconds", 2.0)
    return INTRO + int((end - start) * FPS + 1e-6) / FPS + OUTRO


def test_all_outputs_written(rendered):
    folder, code, out = rendered
    assert code == 0, out
    for name in CLIPS:
        for t in TARGETS:
            assert (folder / f"{name}.{t}.mp4").is_file(), out
    assert not leftovers(folder), "temporary files left behind"


@pytest.mark.parametrize("name", CLIPS)
@pytest.mark.parametrize("target", TARGETS)
def test_output_format(rendered, name, target):
    folder, _, _ = rendered
    info = inspect(folder / f"{name}.{target}.mp4")
    assert (info["width"], info["height"]) == (216, 384)
    assert info["codec"] == "h264" and info["profile"] == "High"
    assert info["pix_fmt"] == "yuv420p"
    assert info["color"] == (1, 1, 1, 1)  # BT.709 primaries, transfer, matrix; limited range
    assert info["avg_fps"] == FPS
    # Constant frame rate across the intro/clip/outro joins: every frame lasts 1/30 s.
    assert info["frame_deltas"] == {round(1 / FPS, 5)}
    assert info["audio"] == ("aac", 48000, 2) and info["audio_profile"] == "LC"
    assert abs(info["duration"] - _expected_seconds(name)) <= 1 / FPS + 1e-6


def _frame_brightness(video: Path, first: int, count: int) -> list[float]:
    return [float(y.mean()) for y in grey_frames(video, first, count)]


def test_card_fades_are_smooth(rendered):
    """Each frame of the intro's fades differs from the one before: no frame shown twice (a
    card's still once got coarse timestamps, and the constant frame rate repeated frames)."""
    folder, _, _ = rendered
    video = folder / "fps25.tiktok-small.mp4"
    fading = int(min(0.4, INTRO / 4) * FPS)  # plan.CARD_FADE, at most a quarter of the card
    fade_in = _frame_brightness(video, 0, fading + 1)
    assert all(b - a > 0.5 for a, b in zip(fade_in, fade_in[1:])), fade_in
    fade_out = _frame_brightness(video, round(INTRO * FPS) - fading, fading)
    assert all(a - b > 0.5 for a, b in zip(fade_out, fade_out[1:])), fade_out


@pytest.mark.parametrize("name", ["rotated_hevc", "fps60", "land43"])
def test_loudness(rendered, name):
    folder, _, _ = rendered
    lufs, peak = loudness(folder / f"{name}.reels-small.mp4")
    assert abs(lufs - (-14.0)) <= 1.0
    assert peak <= -1.0 + 0.3  # sample peak as measured after AAC; loudnorm limits true peak


def test_silent_clip_gets_silent_track(rendered):
    folder, _, _ = rendered
    info = inspect(folder / "silent.tiktok-small.mp4")
    assert info["audio"] == ("aac", 48000, 2)
    lufs, _ = loudness(folder / "silent.tiktok-small.mp4")
    assert lufs < -60


def test_phone_metadata_dropped(rendered):
    folder, _, _ = rendered
    meta = inspect(folder / "rotated_hevc.tiktok-small.mp4")["metadata"]
    text = json.dumps(meta).lower()
    for needle in ("location", "iso6709", "+52.52", "apple", "iphone", "make", "model",
                   "creation_time"):
        assert needle not in text, meta


def test_rotated_portrait_fills_frame(rendered, tmp_path):
    """A 90°-rotated portrait clip is upright and fills 9:16 with no bars."""
    folder, _, _ = rendered
    png = frame_png(folder / "rotated_hevc.reels-small.mp4", INTRO + 1.0, tmp_path / "f.png")
    # testsrc2 rotated into portrait: colour everywhere, no dark padding at the edges.
    for box in ((0, 0, 216, 8), (0, 376, 216, 384), (0, 0, 8, 384), (208, 0, 216, 384)):
        assert max(mean_rgb(png, box)) > 40, box


def test_hlg_is_tone_mapped_not_washed_out(rendered, tmp_path):
    """The HLG clip's colours come out close to the SDR picture it was made from."""
    folder, _, _ = rendered
    sdr = make_clip(tmp_path / "sdr.mov", size="320x180", fps=50)
    ref_job = tmp_path / "ref"
    make_kit(ref_job / "brand" / "test")
    (ref_job / "footage").mkdir()
    (ref_job / "footage" / "hlg.mov").symlink_to(sdr)
    job = write_job(ref_job, """\
        name: ref
        brand: brand/test
        footage: footage
        targets: [reels-small]
        """)
    code, out = run_cli(job, "--output", ref_job / "out")
    assert code == 0, out
    t = INTRO + 1.0
    hdr_png = frame_png(folder / "hlg.reels-small.mp4", t, tmp_path / "hdr.png")
    sdr_png = frame_png(ref_job / "out" / "ref" / "hlg.reels-small.mp4", t, tmp_path / "s.png")
    box = (0, 150, 216, 250)  # the picture band, below logo and above captions
    # HLG shown as if it were SDR (no tone-mapping) measured 60-84 levels off per pixel and
    # 40 % less saturated than the SDR source; mobius tone-mapping 17-29 and 8 % less.
    assert difference(hdr_png, sdr_png, box) <= 35
    assert saturation(hdr_png, box) >= 0.85 * saturation(sdr_png, box)


def test_sidecar_captions_include_intro_offset(rendered):
    folder, _, _ = rendered
    srt = (folder / "vfr.srt").read_text(encoding="utf-8")
    assert "00:00:01,200 --> 00:00:02,500" in srt
    assert "Grüße aus der Straße" in srt
    vtt = (folder / "vfr.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "00:00:01.200 --> 00:00:02.500" in vtt


def test_manifest_lists_outputs(rendered):
    folder, _, _ = rendered
    manifest = json.loads((folder / "manifest.json").read_text())
    files = {o["file"] for o in manifest["outputs"]}
    assert files == {f"{n}.{t}.mp4" for n in CLIPS for t in TARGETS}
    assert all(len(o["sha256"]) == 64 for o in manifest["outputs"])
