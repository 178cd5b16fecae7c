"""The one full-size run: the shipped example job at 1080x1920, as a new user renders it."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT, run_cli
from media import inspect, loudness

from pipeline.formats.srt import parse_srt


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    footage = ROOT / "footage" / "example"
    # The shipped job, moved out of the repo so its caption files land in tmp.
    job = out / "jobs" / "example.yaml"
    job.parent.mkdir()
    job.write_text((ROOT / "jobs" / "example.yaml").read_text(encoding="utf-8")
                   .replace("../footage/example", str(footage)), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in footage.iterdir()}
    code, log = run_cli(job, "--output", out, "--brands", ROOT / "brand",
                        "--only", "willkommen", "--target", "tiktok")
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
    # 2 s intro card + the 9.1 s portrait clip (273 frames) + 2.5 s outro card.
    assert info["frames"] == 60 + 273 + 75
    lufs, peak = loudness(folder / "willkommen.tiktok.mp4")
    assert abs(lufs + 14) <= 1 and peak <= -0.7
    text = json.dumps(info["metadata"]).lower()
    assert not any(k in text for k in ("location", "iso6709", "apple", "iphone", "creation_time"))


def test_example_sidecars_are_transcribed_and_offset_by_the_intro(example):
    _, _, folder, _ = example
    cues = parse_srt((folder / "willkommen.srt").read_text(encoding="utf-8"))
    # The speech starts 0.4 s into the clip (see tests/data/example_IMG_0001.srt); the intro
    # card is 2.0 s long. Whisper's word timings are good to a few tenths of a second.
    assert abs(cues[0].start - 2.4) <= 0.4
    # The sidecar is the correctable caption file, shifted by the intro (how well Whisper
    # hears this speech is test_transcribe's, pooled over all of it).
    editable = parse_srt((folder.parent / "jobs" / "example.captions" / "willkommen.srt")
                         .read_text(encoding="utf-8"))
    assert [c.text for c in cues] == [c.text for c in editable]
    assert all(abs(c.start - e.start - 2.0) < 0.002 for c, e in zip(cues, editable))
    said = " ".join(c.text for c in cues)
    assert "Musterstadt" in said and "Bürgerbüro" in said  # spelled as in the kit's glossary
    assert (folder / "willkommen.tiktok.jpg").stat().st_size > 10_000
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [o["file"] for o in manifest["outputs"]] == ["willkommen.tiktok.mp4"]
