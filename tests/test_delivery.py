"""What the press officer gets: manifest.json and the gallery page, checked on a real render."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import make_kit, run_cli, write_job
from media import inspect, make_clip

from pipeline.formats.srt import parse_srt

TARGETS = ("tiktok-small", "reels-small")
EVIL = 'Tag der <script>alert("x")</script> & offenen Tür'
JOB = """\
    name: delivery
    brand: brand/test
    footage: footage
    targets: [tiktok-small, reels-small]
    videos:
      - {name: a, title: "Willkommen im Bürgerbüro", clips: [{file: a.mov}]}
      - name: b
        title: 'TITLE'
        clips: [{file: b.movTRIM}]
    """.replace("TITLE", EVIL.replace("'", "''"))


def _job(root: Path, trim: str = "") -> Path:
    return write_job(root, JOB.replace("TRIM", trim))


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("delivery")
    make_kit(root / "brand" / "test", "layout: per-target\n")  # a video per target on the page
    (root / "footage").mkdir()
    make_clip(root / "footage" / "a.mov", size="180x320", seconds=1.5)
    make_clip(root / "footage" / "b.mov", seconds=2.0, tone=660)
    # Caption files as a person leaves them: used as they are, no transcription.
    (root / "job.captions").mkdir()
    for v, text in (("a", "Willkommen im Bürgerbüro"), ("b", "Grüße <i>aus</i> der Stadt")):
        (root / "job.captions" / f"{v}.srt").write_text(
            f"1\n00:00:00,200 --> 00:00:01,200\n{text}\n\n", encoding="utf-8")
    code, out = run_cli(_job(root), "--output", root / "out")
    assert code == 0, out
    return root


def _manifest(root: Path) -> dict:
    return json.loads((root / "out" / "delivery" / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_describes_every_output(delivered):
    folder = delivered / "out" / "delivery"
    m = _manifest(delivered)
    assert [(e["video"], e["target"]) for e in m["outputs"]] == \
        [(v, t) for v in ("a", "b") for t in TARGETS]
    job_sha = hashlib.sha256((delivered / "job.yaml").read_bytes()).hexdigest()
    assert m["job_sha256"] == job_sha and len(m["kit_sha256"]) == 64
    for e in m["outputs"]:
        path = folder / e["file"]
        assert e["file"] == f"{e['video']}.{e['target']}.mp4"
        assert e["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert e["bytes"] == path.stat().st_size
        info = inspect(path)
        assert abs(e["duration"] - info["duration"]) <= 1 / 30 + 1e-6
        assert abs(e["probe"]["duration"] - info["duration"]) <= 1 / 30 + 1e-6
        assert (e["probe"]["width"], e["probe"]["height"]) == (216, 384)
        assert (e["probe"]["video_codec"], e["probe"]["pix_fmt"]) == ("h264", "yuv420p")
        assert (e["probe"]["audio_rate"], e["probe"]["audio_channels"]) == (48000, 2)
        assert e["job_sha256"] == job_sha and e["kit_sha256"] == m["kit_sha256"]
        assert e["cover"]["file"] == f"{e['video']}.{e['target']}.jpg"
        assert (folder / e["cover"]["file"]).is_file()
        # A candidate every half second of the clips, measured during the render.
        times = [t for t, _ in e["cover"]["candidates"]]
        assert len(times) >= 2 and e["cover"]["time"] in times
        assert all(abs(b - a - 0.5) < 1e-6 for a, b in zip(times, times[1:])), times
        assert e["captions"] == {"srt": f"{e['video']}.srt", "vtt": f"{e['video']}.vtt"}
        assert e["caption_source"] == "caption file"
        assert e["options"] == {"language": "de", "reframe": "blur", "burn_in": True,
                                "caption_style": "block", "glossary": []}
        assert e["platform"]["max_seconds"] in (180.0, 600.0) and e["platform"]["max_bytes"]
        assert e["settings"]["size"] == "216x384" and e["settings"]["crf"] == 20
        assert {"pipeline", "python", "ffmpeg", "av", "pillow"} <= set(e["tools"])
    assert m["outputs"][2]["title"] == EVIL
    assert m["failures"] == [] and set(m["captions"]) == {"a", "b"}


def test_page_lists_every_file_and_escapes_the_title(delivered):
    folder = delivered / "out" / "delivery"
    html = (folder / "index.html").read_text(encoding="utf-8")
    for e in _manifest(delivered)["outputs"]:
        for f in (e["file"], e["cover"]["file"], e["captions"]["srt"], e["captions"]["vtt"]):
            assert f'href="{f}"' in html and (folder / f).is_file()
        assert f'src="{e["file"]}"' in html
    assert "<script>alert" not in html and "Tag der &lt;script&gt;alert" in html
    assert "Grüße aus der Stadt" in html  # caption text from the .srt, tags stripped
    assert not list(folder.glob(".*.partial*"))


def test_a_partial_run_keeps_the_other_files_on_the_page(delivered, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(delivered, root, symlinks=True)
    folder = root / "out" / "delivery"
    before = {e["file"]: e for e in _manifest(root)["outputs"]}
    (folder / "a.reels-small.mp4").unlink()  # gone from the folder: gone from the page
    code, out = run_cli(_job(root, ", end: 1.5"), "--output", root / "out", "--only", "b",
                        "--target", "tiktok-small")
    assert code == 0, out
    assert "delivery: 3 file(s) in" in out  # the summary, like the page, lists the folder
    m = _manifest(root)
    files = [e["file"] for e in m["outputs"]]
    assert files == ["a.tiktok-small.mp4", "b.tiktok-small.mp4", "b.reels-small.mp4"]
    new_job_sha = hashlib.sha256((root / "job.yaml").read_bytes()).hexdigest()
    assert m["job_sha256"] == new_job_sha != before["a.tiktok-small.mp4"]["job_sha256"]
    by_file = {e["file"]: e for e in m["outputs"]}
    # Re-rendered with the changed job: new hash and length. Not rendered: kept as it was.
    assert by_file["b.tiktok-small.mp4"]["job_sha256"] == new_job_sha
    assert by_file["b.tiktok-small.mp4"]["duration"] == pytest.approx(3.5, abs=0.04)
    assert by_file["a.tiktok-small.mp4"] == before["a.tiktok-small.mp4"]
    assert by_file["b.reels-small.mp4"] == before["b.reels-small.mp4"]
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "a.reels-small" not in html and html.count("<video ") == 3


def test_entries_of_an_older_manifest_are_kept_and_completed(delivered, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(delivered, root, symlinks=True)
    folder = root / "out" / "delivery"
    m = _manifest(root)
    old = {k: v for k, v in m.items() if k in ("job", "job_file", "brand", "captions")}
    keys = ("video", "target", "file", "sha256", "bytes", "duration", "settings")
    old["outputs"] = [{k: e[k] for k in keys} for e in m["outputs"]]  # the format before
    (folder / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    code, out = run_cli(_job(root), "--output", root / "out", "--only", "b")
    assert code == 0, out
    a = _manifest(root)["outputs"][0]
    assert a["file"] == "a.tiktok-small.mp4" and a["cover"]["file"] == "a.tiktok-small.jpg"
    assert a["settings"]["crf"] == m["outputs"][0]["settings"]["crf"]  # kept as it was
    assert a["captions"] == {"srt": "a.srt", "vtt": "a.vtt"} and a["platform"]["name"]
    assert 'href="a.tiktok-small.jpg"' in (folder / "index.html").read_text(encoding="utf-8")


def test_kit_hash_changes_when_the_kit_changes(delivered, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(delivered, root, symlinks=True)
    before = _manifest(root)["kit_sha256"]
    brand = root / "brand" / "test" / "brand.yaml"
    brand.write_text(brand.read_text().replace("#FFCC00", "#FFCC01"), encoding="utf-8")
    code, out = run_cli(_job(root), "--output", root / "out", "--only", "a",
                        "--target", "reels-small")
    assert code == 0, out
    assert _manifest(root)["kit_sha256"] != before


def test_open_shows_the_page_in_the_browser(delivered, tmp_path, monkeypatch):
    root = tmp_path / "copy"
    shutil.copytree(delivered, root, symlinks=True)
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    code, out = run_cli(_job(root), "--output", root / "out", "--open")
    assert code == 0, out
    assert opened == [(root / "out" / "delivery" / "index.html").resolve().as_uri()]


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed "
                    "(apt-get install chromium) - the page's browser test needs it")
def test_every_video_loads_in_headless_chromium(delivered, tmp_path):
    folder = delivered / "out" / "delivery"
    dom = _chromium_dom(folder / "index.html", tmp_path / "profile")
    videos = re.findall(r"<video [^>]*>", dom)
    entries = _manifest(delivered)["outputs"]
    assert len(videos) == len(entries)
    for tag, e in zip(videos, entries):
        assert f'src="{e["file"]}"' in tag
        assert 'data-state="loaded"' in tag, tag  # H.264 metadata read: the file plays
        duration = float(re.search(r'data-duration="([\d.]+)"', tag).group(1))
        assert abs(duration - e["duration"]) <= 0.05
        srt = (folder / e["captions"]["srt"]).read_text(encoding="utf-8")
        assert f'data-cues="{len(parse_srt(srt))}"' in tag, tag  # the caption track loaded


def _chromium_dom(page: Path, profile: Path) -> str:
    """The page's DOM after its scripts ran and the videos' metadata loaded."""
    argv = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
            "--dump-dom", page.resolve().as_uri()]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
