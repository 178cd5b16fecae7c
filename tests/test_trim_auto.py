"""`trim: auto`: the fumbling before the first word and after the last one is cut."""

from __future__ import annotations

import json

from conftest import ROOT, make_kit, run_cli, write_job
from media import ffmpeg, inspect

from pipeline.edit.plan import BREATH, speech_range
from pipeline.model.captions import Word

SPEECH = ROOT / "tests" / "data" / "speech_de.wav"


def test_speech_range_keeps_a_breath_and_never_too_little():
    words = [Word(2.0, 2.4, "Hallo"), Word(2.5, 3.6, "zusammen.")]
    assert speech_range(words, 0.0, 8.0) == (2.0 - BREATH, 3.6 + BREATH)
    assert speech_range([], 0.0, 8.0) == (0.0, 8.0)                       # nothing said
    assert speech_range([Word(5.0, 5.2, "Ja.")], 0.0, 8.0) == (0.0, 8.0)  # shorter than 1 s
    assert speech_range(words, 2.1, 3.0) == (2.1, 3.0)                    # inside a given trim


def test_auto_trim_cuts_to_the_speech_is_recorded_and_kept(tmp_path, whisper_spy):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    clip = tmp_path / "footage" / "rede.mov"
    # 2 s of fumbling (no speech), 4 s of speech, 2 s of nothing.
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=8",
           "-ss", "1.0", "-t", "4", "-i", str(SPEECH),
           "-af", "adelay=2000|2000,apad=whole_dur=8", "-map", "0:v", "-map", "1:a",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "8", str(clip))
    job = write_job(tmp_path, """\
        name: t
        brand: brand/test
        footage: footage
        targets: [reels-small]
        videos:
          - name: rede
            clips: [{file: rede.mov, trim: auto}]
        """)
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    entry = json.loads((tmp_path / "out" / "t" / "manifest.json").read_text())["outputs"][0]
    (cut,) = entry["settings"]["clips"]
    assert 1.4 <= cut["start"] <= 2.1 and 5.5 <= cut["end"] <= 6.5, cut  # speech 2-6 s
    shown = inspect(tmp_path / "out" / "t" / "rede.reels-small.mp4")["duration"]
    assert abs(shown - (1.0 + cut["end"] - cut["start"] + 1.0)) < 0.05  # intro, clip, outro
    # The caption file holds the trim: the next render keeps it without Whisper, up to date.
    whisper_spy.update(runs=0, processes=0)
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0 and "skipped" in out, out
    assert whisper_spy == {"runs": 0, "processes": 0}
