"""A clip that cannot be used fails only its own video, with one line, and no traceback."""

from __future__ import annotations

from conftest import make_kit, run_cli, write_job
from media import finals, leftovers, make_clip


def test_bad_clips_reported_others_rendered(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    footage = tmp_path / "footage"
    footage.mkdir()
    make_clip(footage / "good.mov", seconds=1.0)
    (footage / "notes.mp4").write_text("this is a text file renamed to .mp4")
    (footage / "empty.mov").write_bytes(b"")
    good = (footage / "good.mov").read_bytes()
    (footage / "truncated.mov").write_bytes(good[: len(good) // 3])
    job = write_job(tmp_path, """\
        brand: brand/test
        footage: footage
        targets: [reels-small]
        """)
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 1, out
    errors = [ln for ln in out.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 3, out
    assert any("notes.mp4: not a readable video file" in e for e in errors)
    assert any("empty.mov: file is empty" in e for e in errors)
    assert any("truncated.mov" in e for e in errors)
    assert "Traceback" not in out
    folder = tmp_path / "out" / "job"
    assert (folder / "good.reels-small.mp4").is_file()
    assert [p.name for p in finals(folder)] == ["good.reels-small.mp4"]
    assert not leftovers(folder), "temporary files left behind"
    assert (footage / "good.mov").read_bytes() == good
