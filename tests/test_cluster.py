"""Rendering on a Dask cluster: a real distributed.LocalCluster, two worker processes of one
thread each, and the same job rendered locally to compare with.

"The same outputs" means byte-identical mp4s and covers: the same ffmpeg build runs the same
argv (the plans do not depend on where they run) and x264 is deterministic, so any difference
would be a difference in what was asked. Only the manifest's worker fields may differ.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_kit, run_cli, running, write_job
from distributed import Client, LocalCluster
from media import leftovers, make_clip

TARGETS = ("tiktok-small", "reels-small")


def local_cluster() -> LocalCluster:
    """Two worker processes of one thread each, on loopback."""
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=":0")


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as c:
        yield c


@pytest.fixture(scope="module")
def two_videos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cluster")
    make_kit(root / "brand" / "test")
    footage = root / "footage"
    footage.mkdir()
    make_clip(footage / "a.mov", size="320x180", seconds=2.0)
    make_clip(footage / "b.mov", size="180x320", seconds=2.5, tone=660)
    # Caption files as a person left them: these tests are about where the encode runs.
    (root / "job.captions").mkdir()
    for name in ("a", "b"):
        (root / "job.captions" / f"{name}.srt").write_text(
            f"1\n00:00:00,200 --> 00:00:01,500\nVideo {name} im Bürgerbüro\n\n",
            encoding="utf-8")
    return write_job(root, f"name: zwei\nbrand: brand/test\nfootage: footage\n"
                           f"targets: [{', '.join(TARGETS)}]\n")


def _worker_pids(cluster: LocalCluster) -> dict[str, int]:
    with Client(cluster) as client:
        return client.run(os.getpid)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.mp4")) + sorted(folder.glob("*.jpg"))}


def test_a_cluster_renders_what_this_computer_renders(cluster, two_videos, tmp_path):
    code, out = run_cli(two_videos, "--output", tmp_path / "local")
    assert code == 0, out
    code, out = run_cli(two_videos, "--output", tmp_path / "dask", "--cluster",
                        cluster.scheduler_address)
    assert code == 0, out
    local, dask = tmp_path / "local" / "zwei", tmp_path / "dask" / "zwei"
    assert len(_digests(local)) == 8 and _digests(dask) == _digests(local)
    manifest = json.loads((dask / "manifest.json").read_text(encoding="utf-8"))
    pids = set(_worker_pids(cluster).values())
    workers = {(e["video"], e["worker"]["pid"]) for e in manifest["outputs"]}
    assert {pid for _, pid in workers} <= pids and os.getpid() not in pids
    assert all(e["worker"]["host"] and e["worker"]["seconds"] > 0 for e in manifest["outputs"])
    assert leftovers(dask) == []


def test_an_unreachable_cluster_is_one_line_and_renders_nothing(two_videos, tmp_path):
    code, out = run_cli(two_videos, "--output", tmp_path / "out", "--cluster",
                        "tcp://127.0.0.1:9")
    assert code == 2
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        "error: cluster tcp://127.0.0.1:9: cannot connect (") and "dask scheduler" in lines[0]
    assert not (tmp_path / "out").exists()


def test_the_cluster_address_can_come_from_the_environment(two_videos, tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_CLUSTER", "tcp://127.0.0.1:9")
    code, out = run_cli(two_videos, "--output", tmp_path / "out")
    assert code == 2 and "cluster tcp://127.0.0.1:9: cannot connect" in out


def _ffmpegs_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid,ppid,comm"], capture_output=True, text=True).stdout
    return [int(p) for p, pp, comm in (ln.split(None, 2) for ln in out.splitlines()[1:])
            if int(pp) == pid and "ffmpeg" in comm]


def _long_job(root: Path) -> Path:
    """One 12 s clip at full size: long enough to be caught mid-encode."""
    make_kit(root / "brand" / "test")
    (root / "footage").mkdir()
    make_clip(root / "footage" / "long.mov", size="640x360", seconds=12.0)
    (root / "job.captions").mkdir()
    (root / "job.captions" / "long.srt").write_text(
        "1\n00:00:00,200 --> 00:00:01,500\nEin langer Clip\n\n", encoding="utf-8")
    return write_job(root, "name: lang\nbrand: brand/test\nfootage: footage\n"
                           "targets: [tiktok]\n")


def _start_render(job: Path, out: Path, address: str) -> subprocess.Popen:
    # Ctrl-C handled as in a terminal (a background test run would ignore SIGINT).
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from pipeline.apps.cli import main; sys.argv[0] = 'render'; main()")
    return subprocess.Popen([sys.executable, "-c", code, str(job), "--output", str(out),
                             "--cluster", address], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _encoding(pids: list[int]) -> list[tuple[int, int]]:
    deadline = time.monotonic() + 60
    busy: list[tuple[int, int]] = []
    while not busy and time.monotonic() < deadline:
        busy = [(pid, f) for pid in pids for f in _ffmpegs_of(pid)]
        time.sleep(0.2)
    assert busy, "no worker started an ffmpeg"
    return busy


def test_ctrl_c_cancels_the_jobs_units_on_the_cluster(tmp_path):
    job = _long_job(tmp_path)
    with local_cluster() as c:
        pids = list(_worker_pids(c).values())
        proc = _start_render(job, tmp_path / "out", c.scheduler_address)
        busy = _encoding(pids)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 130 and "stopped" in out, out
        deadline = time.monotonic() + 10  # a unit asks at most once a second
        while any(running(f) for _, f in busy) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(running(f) for _, f in busy), "the cluster went on encoding"
        assert all(running(pid) for pid in pids)  # the workers themselves carry on
        folder = tmp_path / "out" / "lang"
        while leftovers(folder) and time.monotonic() < deadline:
            time.sleep(0.2)  # the unit removes its work folder as its ffmpeg ends
        assert not list(folder.glob("*.mp4")) and leftovers(folder) == []


def test_a_worker_killed_mid_render_is_retried_on_another(tmp_path):
    """kill -9 of the worker that is encoding: its ffmpeg dies with it, Dask runs the unit
    on the other worker, the job completes and nothing half-written has a final name."""
    root = tmp_path
    job = _long_job(root)
    with local_cluster() as c:
        pids = list(_worker_pids(c).values())
        proc = _start_render(job, root / "out", c.scheduler_address)
        busy = _encoding(pids)
        victim, its_ffmpeg = busy[0]
        os.kill(victim, signal.SIGKILL)
        time.sleep(1.0)
        assert not running(its_ffmpeg), "ffmpeg outlived its worker"
        out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out
    folder = root / "out" / "lang"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in manifest["outputs"]] == ["long.tiktok.mp4"]
    assert manifest["outputs"][0]["worker"]["pid"] != victim
    # What the dead worker left (its work folder, a partial file) goes with the next run.
    code, out = run_cli(job, "--output", root / "out")
    assert code == 0, out
    assert leftovers(folder) == []
