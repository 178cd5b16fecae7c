"""Background music: looped under the video, ducked under speech, the mix still -14 LUFS."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
from conftest import ROOT, make_kit, run_cli, write_job
from media import ffmpeg, loudness

from pipeline.model.plan import PLAN_VERSION

SPEECH = ROOT / "tests" / "data" / "speech_de.wav"   # espeak-ng German, 16 kHz
TONE = 5000.0                                        # the "music": far above most speech energy


def _band_db(x: np.ndarray, rate: int, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    return 10 * np.log10(spectrum[(freqs >= lo) & (freqs < hi)].sum() + 1e-12)


def _mono(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        data = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(s)])
        return data.astype(np.float64), s.rate


def test_music_is_ducked_under_speech_and_the_mix_meets_the_loudness_target(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    clip = tmp_path / "footage" / "rede.mov"
    # 3 s of speech, then 3 s of nothing said, under a test picture.
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=6", "-ss", "1.0",
           "-t", "3", "-i", str(SPEECH), "-af", "apad=whole_dur=6", "-map", "0:v", "-map", "1:a",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip))
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={TONE:g}:duration=2.5:sample_rate=48000",
           "-c:a", "pcm_s16le", str(tmp_path / "musik.wav"))  # shorter than the video: looped
    job = write_job(tmp_path, "name: t\nbrand: brand/test\nfootage: footage\n"
                              "targets: [reels-small]\nmusic: {file: musik.wav, volume: 0.5}\n")
    (tmp_path / "job.captions").mkdir()
    (tmp_path / "job.captions" / "rede.srt").write_text(
        "1\n00:00:00,100 --> 00:00:02,900\nRede.\n", encoding="utf-8")  # no Whisper needed
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 0, out
    video = tmp_path / "out" / "t" / "rede.reels-small.mp4"
    x, rate = _mono(video)

    def levels(start: float, end: float) -> tuple[float, float]:
        part = x[round(start * rate):round(end * rate)]
        return (_band_db(part, rate, 100, 4000),                 # speech
                _band_db(part, rate, TONE - 60, TONE + 60))      # music
    # After the 1 s intro: speech 1-4 s, no speech 4-7 s, the outro 7-8 s.
    speech, under = levels(1.3, 3.7)
    _, alone = levels(4.6, 6.6)
    assert speech - under >= 10, (speech, under)   # speech well above the music
    assert alone - under >= 6, (alone, under)      # the music comes back when no one speaks
    _, intro = levels(0.05, 0.3)
    assert intro < alone - 3                       # faded in
    lufs, peak = loudness(video)
    assert abs(lufs + 14) <= 1.0 and peak <= -1.0 + 0.3, (lufs, peak)
    settings = json.loads((tmp_path / "out" / "t" / "manifest.json").read_text())
    assert settings["outputs"][0]["settings"]["plan_version"] == PLAN_VERSION
