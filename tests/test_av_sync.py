"""Lip sync: picture and sound are made by separate ffmpeg runs and joined by stream copy, so
an event seen and heard together in a clip must stay together in the output, through a trim,
a join between clips, a frame-rate change and the intro before them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import make_kit, run_cli, write_job
from media import ffmpeg

from pipeline.render.ffmpeg import exe

INTRO = 1.0          # the test kit's intro card
FRAME = 1 / 30       # the targets' frame rate
RATE = 48000


def flash_and_beep(path: Path, fps: int, dark: float, light: float) -> Path:
    """Black and silent for `dark` seconds, then white with a 1 kHz beep for `light` seconds."""
    ffmpeg("-f", "lavfi", "-i", f"color=c=black:s=320x180:r={fps}:d={dark}",
           "-f", "lavfi", "-i", f"color=c=white:s=320x180:r={fps}:d={light}",
           "-f", "lavfi", "-i", f"anullsrc=r={RATE}:cl=stereo:d={dark}",
           "-f", "lavfi", "-i", f"sine=f=1000:r={RATE}:d={light}",
           "-filter_complex", "[0][1]concat=n=2:v=1:a=0[v];"
           "[3]aformat=channel_layouts=stereo[beep];[2][beep]concat=n=2:v=0:a=1[a]",
           "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-c:a", "aac", str(path))
    return path


def onsets_seen(video: Path) -> list[float]:
    """Output times at which the middle of the picture turns from dark to white."""
    times, was_white = [], True  # the intro card is not an onset
    with av.open(str(video)) as c:
        for f in c.decode(video=0):
            y = f.to_ndarray(format="gray")
            white = y[y.shape[0] // 2 - 20:y.shape[0] // 2 + 20, :].mean() > 200
            if white and not was_white:
                times.append(float(f.time))
            was_white = white
    return times


def onsets_heard(video: Path) -> list[float]:
    """Output times at which the beep starts, decoded as a player would (edit list applied)."""
    raw = subprocess.run([exe(), "-v", "error", "-i", str(video), "-map", "0:a", "-ac", "1",
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    pcm = np.abs(np.frombuffer(raw, dtype=np.float32))
    loud = np.convolve(pcm > 0.25 * pcm.max(), np.ones(48), "same") > 0  # 1 ms blocks
    starts = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    return [s / RATE for s in starts]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sync")
    make_kit(root / "brand" / "test")
    footage = root / "footage"
    footage.mkdir()
    flash_and_beep(footage / "a.mov", 30, 1.0, 1.0)
    flash_and_beep(footage / "b.mov", 25, 0.8, 1.2)
    job = write_job(root, """\
        name: sync
        brand: brand/test
        footage: footage
        targets: [reels-small]
        videos:
          - name: joined
            clips: [{file: a.mov, start: 0.3}, {file: b.mov}]
        """)
    (root / "job.captions").mkdir()
    (root / "job.captions" / "joined.srt").write_text("", encoding="utf-8")  # no Whisper
    code, out = run_cli(job, "--output", root / "out")
    assert code == 0, out
    return root / "out" / "sync" / "joined.reels-small.mp4"


def test_flash_and_beep_stay_together(rendered):
    seen, heard = onsets_seen(rendered), onsets_heard(rendered)
    # a.mov trimmed at 0.3 s: its flash 0.7 s into the video; b.mov follows a's 1.7 s.
    expected = [INTRO + 0.7, INTRO + 1.7 + 0.8]
    assert seen == pytest.approx(expected, abs=FRAME + 1e-3), seen
    assert len(heard) == 2, heard
    for s, h in zip(seen, heard):
        # EBU R37 allows 40 ms; 10 ms would still catch AAC's 21 ms priming delay left in.
        assert abs(h - s) <= 0.010, (seen, heard)
