"""Bad input, interruptions, concurrent runs, hostile names, full disks: nothing is lost,
nothing half-written is published, and the user gets one line, never a traceback."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, make_kit, run_cli, write_job
from media import ffmpeg, finals, inspect, leftovers, make_clip


def footage_digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


def render_process(job: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "pipeline", str(job), "--output", str(out),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, preexec_fn=_ctrl_c_as_in_a_terminal)


def _ctrl_c_as_in_a_terminal() -> None:
    # A shell starts background jobs (`cmd &`, nohup) with SIGINT ignored, and Python then never
    # turns it into KeyboardInterrupt: render as a person starts it reacts to Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ffmpeg_running(marker: str) -> bool:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return any(marker in line and "ffmpeg" in line for line in out.splitlines())


@pytest.fixture
def job(tmp_path: Path) -> Path:
    make_kit(tmp_path / "brand" / "test")
    footage = tmp_path / "footage"
    footage.mkdir()
    for i in range(3):
        make_clip(footage / f"clip{i}.mov", size="640x360", seconds=6.0, tone=300 + 100 * i)
    return write_job(tmp_path, "name: r\nbrand: brand/test\nfootage: footage\n"
                               "targets: [reels-small, tiktok-small]\n")


def test_more_bad_clips_each_one_line(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    f = tmp_path / "footage"
    f.mkdir()
    make_clip(f / "good.mov", seconds=1.5)
    make_clip(f / "short.mov", seconds=0.5)
    ffmpeg("-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", str(f / "voice.mp4"))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x64:d=1", "-frames:v", "1", str(f / "photo.png"))
    (f / "photo.mov").write_bytes((f / "photo.png").read_bytes())
    job = write_job(tmp_path, """\
        brand: brand/test
        footage: footage
        targets: [reels-small]
        videos:
          - {name: good, clips: [{file: good.mov}]}
          - {name: short, clips: [{file: short.mov}]}
          - {name: voice, clips: [{file: voice.mp4}]}
          - {name: photo, clips: [{file: photo.mov}]}
          - {name: late, clips: [{file: good.mov, start: 5, end: 8}]}
          - {name: long, clips: [{file: good.mov, end: 30}]}
        """)
    before = footage_digest(f)
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 1, out
    errors = [ln for ln in out.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 5, out
    text = "\n".join(errors)
    assert "short.mov: clip is only 0.50 s long" in text
    assert "voice.mp4: has no picture, only sound: not a video clip" in text
    assert "photo.mov: is a still image: not a video clip" in text
    assert "good.mov: start 5 s lies beyond the clip's end (1.50 s)" in text
    assert "good.mov: end 30 s lies beyond the clip's end (1.50 s)" in text
    assert "Traceback" not in out
    assert (tmp_path / "out" / "job" / "good.reels-small.mp4").is_file()
    assert footage_digest(f) == before


def test_job_errors_before_any_rendering(tmp_path):
    kit = make_kit(tmp_path / "brand" / "test", "intro: {file: missing.mp4}\n")
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "a.mov", seconds=1.0)
    job = write_job(tmp_path, "brand: brand/test\nfootage: footage\n")
    code, out = run_cli(job, "--output", tmp_path / "out")
    assert code == 2 and "intro.file" in out and "missing.mp4" in out, out
    (kit / "brand.yaml").write_text((kit / "brand.yaml").read_text().replace(
        "intro: {file: missing.mp4}\n", ""))
    code, out = run_cli(write_job(tmp_path, "brand: brand/test\nfootage: footage\n"
                                            "reframe: zoom\n"), "--output", tmp_path / "out")
    assert code == 2 and "reframe" in out and "'blur', 'crop', 'fit' or 'follow'" in out, out
    assert not (tmp_path / "out" / "job").exists()


def test_interrupt_leaves_nothing_partial_and_rerun_redoes_only_the_rest(job):
    out = job.parent / "out"
    folder = out / "r"
    before = footage_digest(job.parent / "footage")
    proc = render_process(job, out)
    # Wait for the first video's outputs to be finished and the next video to be under way
    # (its work folder, where its picture is being rendered, is a new one).
    deadline = time.monotonic() + 120
    seen: set[Path] | None = None
    while time.monotonic() < deadline:
        done = finals(folder) if folder.is_dir() else []
        work = set(folder.glob(".work-*")) if folder.is_dir() else set()
        if done and seen is None:
            seen = work
        elif seen is not None and work - seen:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    log = proc.communicate(timeout=60)[0]
    assert proc.returncode == 130, log
    assert "Traceback" not in log
    time.sleep(0.3)
    assert not ffmpeg_running(str(folder)), "ffmpeg still running after Ctrl-C"
    assert not leftovers(folder)
    finished = [p.name for p in finals(folder)]
    assert 1 <= len(finished) < 6
    for p in finals(folder):  # what has a final name is complete
        assert abs(inspect(p)["duration"] - 8.0) < 0.05
    assert footage_digest(job.parent / "footage") == before

    proc = render_process(job, out)
    log = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, log
    for name in finished:
        assert f"skipped {name}: up to date" in log
    assert len(finals(folder)) == 6
    assert footage_digest(job.parent / "footage") == before


def _whisper_children(parent: int) -> list[int]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(parent)],
                         capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if "pipeline.analysis.whisper_child" in line]


def test_interrupt_while_whisper_runs_stops_it(tmp_path, monkeypatch):
    """Ctrl-C during a transcription: render stops at once and leaves no Whisper running."""
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    # A minute of speech: Whisper takes several seconds on it, a stop must not wait for that.
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=56", "-stream_loop", "2", "-i",
           str(ROOT / "tests" / "data" / "speech_de.wav"), "-shortest", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-c:a", "aac", str(tmp_path / "footage" / "a.mov"))
    job = write_job(tmp_path, "brand: brand/test\nfootage: footage\ntargets: [reels-small]\n")
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))  # nothing transcribed yet
    proc = render_process(job, tmp_path / "out")
    deadline = time.monotonic() + 60
    while not (children := _whisper_children(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert children, "Whisper's process never started"
    time.sleep(1.0)  # its first request is sent: it is loading the model or transcribing
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    log = proc.communicate(timeout=30)[0]
    assert proc.returncode == 130 and "Traceback" not in log, log
    assert time.monotonic() - began < 2  # not after the transcription has run to its end
    time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert not (tmp_path / "job.captions" / "a.srt").exists()


def test_kill_9_stops_ffmpeg_and_next_run_cleans_up(job):
    out = job.parent / "out"
    folder = out / "r"
    proc = render_process(job, out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (folder.is_dir() and list(folder.glob(".*partial*"))):
        time.sleep(0.05)
    proc.kill()
    proc.communicate(timeout=30)
    time.sleep(0.5)
    assert not ffmpeg_running(str(folder)), "ffmpeg outlived a killed render"
    assert all(abs(inspect(p)["duration"] - 8.0) < 0.05 for p in finals(folder))
    code, log = run_cli(job, "--output", out)
    assert code == 0, log
    assert not leftovers(folder)


def test_touched_clip_and_changed_job_are_rendered_again(job):
    out = job.parent / "out"
    assert run_cli(job, "--output", out)[0] == 0
    os.utime(job.parent / "footage" / "clip1.mov")  # a clip replaced by a newer copy
    code, log = run_cli(job, "--output", out, "--target", "reels-small")
    assert code == 0
    assert "skipped clip0.reels-small.mp4" in log and "skipped clip2.reels-small.mp4" in log
    assert "skipped clip1.reels-small.mp4" not in log
    job.write_text(job.read_text() + "reframe: fit\n")
    code, log = run_cli(job, "--output", out, "--target", "reels-small")
    assert code == 0 and "skipped" not in log


def test_two_renders_at_once_take_turns(job):
    out = job.parent / "out"
    a, b = render_process(job, out), render_process(job, out)
    log_a, log_b = a.communicate(timeout=300)[0], b.communicate(timeout=300)[0]
    assert (a.returncode, b.returncode) == (0, 0), log_a + log_b
    assert "waiting: another render" in log_a + log_b
    assert log_b.count("skipped") + log_a.count("skipped") == 6
    for p in finals(out / "r"):
        assert abs(inspect(p)["duration"] - 8.0) < 0.05
    assert not leftovers(out / "r")


@pytest.mark.parametrize("name", ["-Füße & 'Grüße' 100%: Tag.mov", "  leer zeichen.MP4"])
def test_hostile_file_and_folder_names(tmp_path, name):
    root = tmp_path / "Presse 'Amt' 50% : Ärger"
    make_kit(root / "brand" / "test")
    footage = root / "-Roh material"
    footage.mkdir()
    make_clip(footage / name, seconds=1.2)
    job = write_job(root, "brand: brand/test\nfootage: '-Roh material'\ntargets: [reels-small]\n")
    code, out = run_cli(job, "--output", root / "Aus gabe %d")
    assert code == 0, out
    (mp4,) = finals(root / "Aus gabe %d" / "job")
    assert inspect(mp4)["frames"] == 30 + 36 + 30


def test_unwritable_output_is_one_clear_line(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    make_clip(tmp_path / "footage" / "a.mov", seconds=1.0)
    job = write_job(tmp_path, "brand: brand/test\nfootage: footage\ntargets: [reels-small]\n")
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    code, out = run_cli(job, "--output", blocker)
    assert code == 1, out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert lines[-1].startswith("error: ") and "cannot write" in lines[-1] and "--output" in out
    assert "Traceback" not in out


def test_disk_full_leaves_nothing_partial(tmp_path):
    disk = tmp_path / "small"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        make_kit(tmp_path / "brand" / "test")
        (tmp_path / "footage").mkdir()
        make_clip(tmp_path / "footage" / "a.mov", size="640x360", seconds=6.0)
        job = write_job(tmp_path, "brand: brand/test\nfootage: footage\n"
                                  "targets: [reels-small]\n")
        code, out = run_cli(job, "--output", disk)
        assert code == 1, out
        assert "disk full" in out or "No space left" in out, out
        assert "Traceback" not in out
        assert not finals(disk / "job") and not leftovers(disk / "job")
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_new_title_renders_again(job):
    out = job.parent / "out"
    job.write_text(job.read_text() + "videos:\n  - {name: v, title: Alt, clips: [{file: clip0.mov}]}\n")
    assert run_cli(job, "--output", out, "--target", "reels-small")[0] == 0
    job.write_text(job.read_text().replace("title: Alt", "title: Neu"))
    code, log = run_cli(job, "--output", out, "--target", "reels-small")
    assert code == 0 and "skipped" not in log  # the cover carries the title
