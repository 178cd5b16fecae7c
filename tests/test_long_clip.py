"""A 10-minute 1080p phone clip renders with flat memory: ffmpeg streams it, Python holds no
frames. Peak memory of the ffmpeg render and of the Python process are printed and compared
with a 1-minute clip of the same kind.

Measured here (ffmpeg render, reels-small, blur reframe): ffmpeg 94 MB for 1 min and 99 MB
for 10 min; render's Python process (Whisper runs in a child) 83 MB and 118 MB: the 10 min
clip's 16 kHz audio is 37 MiB, held once (it was held three times, 195 MB, until the decode
grew one buffer and the cache key hashed the array in place). (Before the blur copy was made
from the fitted picture ffmpeg held camera-size frames queued during the intro: 164 MB and
213 MB.) A bare decode-scale-encode: 85 and 93 MB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_kit, write_job
from media import ffmpeg, inspect

# Runs render in a child Python and reports that process's own peak memory (MB). VmHWM, not
# getrusage's ru_maxrss: a process started from pytest may inherit pytest's peak in ru_maxrss
# (measured 499 MB for both clips inside the whole suite, which made the check vacuous).
_WRAPPER = ("import re, sys; from pipeline.apps.cli import main; sys.argv = ['render', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "print('PEAK_RSS_MB', int(hwm) // 1024)\n"
            "sys.exit(code)")


def _render(root: Path, seconds: int) -> tuple[float, float, float]:
    footage = root / f"footage{seconds}"
    footage.mkdir()
    # Bars: cheap to make and decode, yet a real 1080p H.264 stream with 48 kHz audio.
    ffmpeg("-f", "lavfi", "-i", f"smptehdbars=s=1920x1080:r=30:d={seconds}", "-f", "lavfi",
           "-i", "anullsrc=r=48000:cl=stereo", "-t", str(seconds), "-c:v", "libx264",
           "-preset", "ultrafast", "-g", "300", "-c:a", "aac", "-b:a", "32k",
           str(footage / "long.mov"))
    job = write_job(root, f"name: j{seconds}\nbrand: brand/test\nfootage: footage{seconds}\n"
                          "targets: [reels-small]\n", name=f"j{seconds}.yaml")
    out = subprocess.run([sys.executable, "-c", _WRAPPER, str(job), "--output", str(root / "out")],
                         capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stdout + out.stderr
    python_mb = float(out.stdout.split("PEAK_RSS_MB")[1].split()[0])
    manifest = json.loads((root / "out" / f"j{seconds}" / "manifest.json").read_text())
    entry = manifest["outputs"][0]
    video = root / "out" / f"j{seconds}" / entry["file"]
    return entry["settings"]["ffmpeg_peak_rss_mb"], python_mb, inspect(video)["duration"]


@pytest.mark.slow
def test_ten_minute_1080p_clip_renders_with_flat_memory(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    short_ff, short_py, short_len = _render(tmp_path, 60)
    long_ff, long_py, long_len = _render(tmp_path, 600)
    print(f"\npeak RSS, 1 min clip: ffmpeg {short_ff:.0f} MB, python {short_py:.0f} MB")
    print(f"peak RSS, 10 min clip: ffmpeg {long_ff:.0f} MB, python {long_py:.0f} MB")
    assert abs(long_len - (1 + 600 + 1)) < 0.05
    # Flat: ten times the footage may cost at most 15 % more (linear growth would be 10x).
    assert long_ff <= 1.15 * short_ff and long_ff < 300, (short_ff, long_ff)
    # Python holds the clip's 16 kHz float32 audio for Whisper once, never frames (one
    # 1080x1920 frame is 3 MB): what the longer clip may add is its extra audio, once.
    extra_audio_mib = (600 - 60) * 16000 * 4 / 2**20
    assert long_py - short_py <= 1.5 * extra_audio_mib, (short_py, long_py, extra_audio_mib)
