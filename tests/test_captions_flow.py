"""Captions in a real render: Whisper once, a caption file to correct, the cache, silence."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, make_kit, run_cli, write_job
from media import ffmpeg, frame_png, make_clip

from pipeline.analysis.kernels import this_machine
from pipeline.formats.srt import parse_srt

SPEECH_CLIP = ROOT / "footage" / "example" / "IMG_0002.MOV"   # landscape, 8.8 s of German


@pytest.fixture
def job(tmp_path: Path) -> Path:
    make_kit(tmp_path / "brand" / "test", "glossary: [Landesamt für Denkmalpflege]\n")
    (tmp_path / "footage").mkdir()
    shutil.copy(SPEECH_CLIP, tmp_path / "footage" / "denkmal.mov")
    return write_job(tmp_path, """\
        name: t
        brand: brand/test
        footage: footage
        targets: [reels-small]
        """)


def _render(job: Path, *extra: str) -> tuple[int, str]:
    return run_cli(job, "--output", job.parent / "out", *extra)


def test_caption_file_is_written_then_used_as_edited(job, whisper_spy):
    code, out = _render(job)
    assert code == 0, out
    caption_file = job.parent / "job.captions" / "denkmal.srt"
    first = caption_file.read_text(encoding="utf-8")
    sidecar = parse_srt((job.parent / "out" / "t" / "denkmal.srt").read_text(encoding="utf-8"))
    # Sidecars are the caption file moved past the 1 s intro.
    assert [c.start - 1.0 for c in sidecar] == pytest.approx(
        [c.start for c in parse_srt(first)], abs=0.002)

    # A person corrects one word; the next render must use it and not run Whisper.
    cues = parse_srt(first)
    wrong = cues[-1].text.split()[-1]
    edited = first.replace(wrong, "Korrigiert.", 1) if first.count(wrong) == 1 else \
        first[: first.rindex(wrong)] + "Korrigiert." + first[first.rindex(wrong) + len(wrong):]
    caption_file.write_text(edited, encoding="utf-8")
    whisper_spy.update(runs=0, processes=0)
    code, out = _render(job)
    assert code == 0, out
    assert whisper_spy == {"runs": 0, "processes": 0}
    assert caption_file.read_text(encoding="utf-8") == edited  # never overwritten
    after = parse_srt((job.parent / "out" / "t" / "denkmal.srt").read_text(encoding="utf-8"))
    changed = [(a.text, b.text) for a, b in zip(sidecar, after) if a.text != b.text]
    assert len(after) == len(sidecar) and [(a.start, a.end) for a in after] == [
        (b.start, b.end) for b in sidecar]
    assert len(changed) == 1 and changed[0][1].split()[-1] == "Korrigiert."
    assert changed[0][0].split()[:-1] == changed[0][1].split()[:-1]  # only that word


def test_transcript_cache_means_whisper_runs_once(job, whisper_spy):
    code, out = _render(job)
    assert code == 0, out
    (job.parent / "job.captions" / "denkmal.srt").unlink()  # force captions to be rebuilt
    whisper_spy.update(runs=0, processes=0)
    code, out = _render(job)
    assert code == 0, out
    assert whisper_spy == {"runs": 0, "processes": 0}
    assert (job.parent / "job.captions" / "denkmal.srt").is_file()


def test_readability_report_in_manifest(job):
    code, out = _render(job)
    assert code == 0, out
    report = json.loads((job.parent / "out" / "t" / "manifest.json").read_text())["captions"]
    r = report["denkmal"]
    assert r["cues"] >= 2 and r["over_limits"] == 0 and 0 < r["slowest_cps"] <= 20
    assert r["language"] == "de" and r["language_probability"] > 0.9
    assert 0 < r["confidence"] <= 1 and r["model"] == "base"
    assert r["kernels"] == this_machine().label()  # the path that made these words
    assert "Captions" in out and "denkmal" in out


def _yellow_pixels(png: Path, box: tuple[int, int, int, int]) -> int:
    from PIL import Image

    with Image.open(png) as im:
        px = list(zip(*(im.convert("RGB").crop(box).getchannel(c).tobytes() for c in "RGB")))
        return sum(1 for r, g, b in px if r > 200 and 150 < g < 230 and b < 90)


def test_word_style_burns_highlighted_words(job, tmp_path):
    code, out = _render(job)
    assert code == 0, out
    video = job.parent / "out" / "t" / "denkmal.reels-small.mp4"
    cues = parse_srt((job.parent / "out" / "t" / "denkmal.srt").read_text(encoding="utf-8"))
    t = (cues[1].start + cues[1].end) / 2
    box = (0, 200, 216, 250)  # the caption lines: above the bottom 35 % kept clear for Reels
    block = _yellow_pixels(frame_png(video, t, tmp_path / "block.png"), box)
    job.write_text(job.read_text().replace("targets:", "captions: {style: word}\ntargets:"))
    code, out = _render(job)
    assert code == 0, out
    word = _yellow_pixels(frame_png(video, t, tmp_path / "word.png"), box)
    assert word > block + 15, (word, block)  # the spoken word drawn in the kit's highlight
    # The sidecars stay block cues for the platforms' closed captions.
    after = parse_srt((job.parent / "out" / "t" / "denkmal.srt").read_text(encoding="utf-8"))
    assert [c.text for c in after] == [c.text for c in cues]


def test_room_tone_and_silence_give_no_captions(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=4", "-f", "lavfi", "-i",
           "anoisesrc=c=pink:a=0.01:d=4:r=48000", "-shortest", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-c:a", "aac", str(tmp_path / "footage" / "room.mov"))
    make_clip(tmp_path / "footage" / "quiet.mov", seconds=3.0, audio=False)
    job = write_job(tmp_path, "brand: brand/test\nfootage: footage\ntargets: [reels-small]\n")
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    assert not list((tmp_path / "out" / "job").glob("*.srt"))
    assert parse_srt((tmp_path / "job.captions" / "room.srt").read_text()) == []
    assert "none" in out or "0" in out


_MEASURED_RENDER = """
import sys
from click.testing import CliRunner
from pipeline.apps.cli import render
result = CliRunner().invoke(render, sys.argv[1:], catch_exceptions=False)
status = open("/proc/self/status").read()
peak = int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM:")).split()[1]) // 1024
print(result.exit_code, peak, "ctranslate2" in sys.modules)
print(result.output)
"""


def test_render_process_never_holds_whisper(job, tmp_path):
    """Whisper runs in a child that exits with the captions: the render's own process, which
    lives beside the encoders, stays small (it peaked at 289 MB with Whisper inside)."""
    done = subprocess.run([sys.executable, "-c", _MEASURED_RENDER, str(job), "--output",
                           str(tmp_path / "out")], capture_output=True, text=True,
                          env={**os.environ, "PIPELINE_CACHE_DIR": str(tmp_path / "cache")})
    code, peak_mb, loaded = done.stdout.split("\n", 1)[0].split()
    assert code == "0", done.stdout + done.stderr
    assert parse_srt((job.parent / "job.captions" / "denkmal.srt").read_text(encoding="utf-8"))
    assert loaded == "False" and int(peak_mb) < 160, done.stdout


def test_next_video_transcribed_while_this_one_renders(job, monkeypatch, whisper_spy):
    """On more than two cores the next video's Whisper runs beside this one's encode."""
    from pipeline.engine import job as run
    from pipeline.engine import units
    monkeypatch.setattr(run, "overlap_transcription", lambda: True)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(job.parent / "cache"))  # both transcribed
    job.write_text(job.read_text() + "videos:\n"
                   "  - {name: one, clips: [{file: denkmal.mov}]}\n"
                   "  - {name: two, clips: [{file: denkmal.mov, start: 1.0}]}\n")
    spans: dict[tuple[str, str], list[float]] = {}

    def timed(kind, fn):
        def call(unit, ctx):
            span = spans.setdefault((kind, unit.video), [time.monotonic()])
            try:
                return fn(unit, ctx)
            finally:
                span.append(time.monotonic())
        return call
    monkeypatch.setattr(run, "transcribe_unit", timed("transcribe", units.transcribe_unit))
    monkeypatch.setattr(run, "render_unit", timed("render", units.render_unit))
    code, out = _render(job)
    assert code == 0, out
    assert whisper_spy["runs"] == 2
    # The second transcription ran while the first video was rendering.
    (t0, t1), (r0, r1) = spans[("transcribe", "two")], spans[("render", "one")]
    assert t0 < r1 and r0 < t1, spans
    for name in ("one", "two"):
        cues = parse_srt((job.parent / "job.captions" / f"{name}.srt").read_text(encoding="utf-8"))
        assert cues and "Denkmal" in " ".join(c.text for c in cues)
        assert (job.parent / "out" / "t" / f"{name}.reels-small.mp4").is_file()


def _cue_of(cues, t: float):
    return next((c for c in cues if c.start - 0.0015 <= t < c.end), None)


def test_uncertain_words_are_listed_at_their_cue_and_lose_the_mark_when_corrected(job):
    code, out = _render(job)
    assert code == 0, out
    folder = job.parent / "out" / "t"
    manifest = json.loads((folder / "manifest.json").read_text())
    doubtful = manifest["captions"]["denkmal"]["uncertain"]
    sidecar = parse_srt((folder / "denkmal.srt").read_text(encoding="utf-8"))
    assert doubtful, "espeak's IMG_0002 always has words base is unsure of"
    for u in doubtful:
        cue = _cue_of(sidecar, u["start"])  # the exported video's timeline: intro included
        assert cue is not None and u["text"] in cue.text.split(), (u, sidecar)
        assert u["end"] >= u["start"] and set(u["why"].split(",")) <= {"probability",
                                                                        "dictionary"}
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert f"Bitte prüfen: {len(doubtful)} " in page and f"<mark>{doubtful[0]['text']}" in page
    assert "to check" in out

    # The press officer corrects the first doubtful word in the caption file: its mark goes.
    caption_file = job.parent / "job.captions" / "denkmal.srt"
    cues = parse_srt(caption_file.read_text(encoding="utf-8"))
    first = doubtful[0]
    cue = _cue_of(cues, first["start"] - 1.0)  # the caption file has no intro
    tokens = cue.text.split()
    i = tokens.index(first["text"])
    fixed = cue.text.replace(first["text"], "Korrigiert", 1)
    caption_file.write_text(caption_file.read_text(encoding="utf-8").replace(cue.text, fixed, 1),
                            encoding="utf-8")
    code, out = _render(job)
    assert code == 0, out
    again = json.loads((folder / "manifest.json").read_text())["captions"]["denkmal"]["uncertain"]
    assert len(again) == len(doubtful) - 1, (i, again)
    assert not any(u["text"] == "Korrigiert" for u in again)


def test_ard_norm_shortens_lines_and_leaves_a_frame_between_cues(tmp_path):
    make_kit(tmp_path / "brand" / "test", "captions: {norm: ard}\n"
             "glossary: [Landesamt für Denkmalpflege]\n")
    (tmp_path / "footage").mkdir()
    shutil.copy(SPEECH_CLIP, tmp_path / "footage" / "denkmal.mov")
    job = write_job(tmp_path, """\
        name: t
        brand: brand/test
        footage: footage
        targets: [reels-small]
        """)
    code, out = _render(job)
    assert code == 0, out
    folder = job.parent / "out" / "t"
    report = json.loads((folder / "manifest.json").read_text())["captions"]["denkmal"]
    assert report["norm"] == "ard" and report["over_limits"] == 0, report
    cues = parse_srt((folder / "denkmal.srt").read_text(encoding="utf-8"))
    assert cues and all(len(line) <= 37 for c in cues for line in c.text.split("\n"))
    assert all(c.end - c.start >= 1.0 - 0.002 for c in cues)
    assert all(b.start - a.end >= 1 / 30 for a, b in zip(cues, cues[1:]))  # a frame at 30 fps
    assert "ARD/ZDF" in (folder / "index.html").read_text(encoding="utf-8")
