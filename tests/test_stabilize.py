"""Shaky handheld footage: `stabilize: true` takes the camera's jitter out, analysed once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import make_kit, run_cli, write_job
from media import ffmpeg, grey_frames


def _shaky(path: Path) -> None:
    # A detailed picture seen through a hand-held phone: the crop jumps a few pixels a frame.
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=480x272:rate=30:duration=3",
           "-vf", "crop=400:224:40+24*sin(n*1.9)+10*sin(n*0.7):24+20*cos(n*2.3)",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-an", str(path))


def _jitter(video: Path) -> float:
    """Mean absolute difference between consecutive frames of the clip part."""
    frames = grey_frames(video, 40, 40)  # after the 1 s intro, inside the 3 s clip
    return float(np.mean([np.abs(a.astype(float) - b).mean() for a, b in zip(frames, frames[1:])]))


def test_stabilize_takes_out_the_jitter_and_analyses_the_clip_once(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    make_kit(tmp_path / "brand" / "test", "layout: per-target\n")
    (tmp_path / "footage").mkdir()
    _shaky(tmp_path / "footage" / "wackel.mov")
    out = {}
    for stab in ("false", "true"):
        job = write_job(tmp_path, f"""\
            name: s{stab}
            brand: brand/test
            footage: footage
            targets: [landscape-small]
            captions: {{burn_in: false}}
            videos:
              - name: w
                clips: [{{file: wackel.mov, stabilize: {stab}}}]
            """, name=f"{stab}.yaml")
        code, log = run_cli(job, "--output", tmp_path / "out")
        assert code == 0, log
        out[stab] = _jitter(tmp_path / "out" / f"s{stab}" / "w.landscape-small.mp4")
    assert out["true"] < 0.6 * out["false"], out
    cached = list((tmp_path / "cache").rglob("*.trf"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    code, log = run_cli(tmp_path / "true.yaml", "--output", tmp_path / "again")
    assert code == 0, log
    assert [p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.trf")] == [mtime]
