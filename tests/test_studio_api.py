"""The studio's API against a real uvicorn server on a loopback port, with a working folder of
its own (a kit from make_kit, clips from make_clip), asserted the way a browser would see it."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import make_kit
from media import make_clip

START = "from pipeline.apps.studio.app import main; main()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """Plain http.client: paths are sent exactly as written (no normalising of `..`)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port, self.token = port, token
        self.origin = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, json_body=None, same_site: bool = True):
        h = {}
        if json_body is not None:
            body, h["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        if same_site and method not in ("GET", "HEAD"):
            h["Origin"] = self.origin
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, body=None, **kw):
        status, _, data = self.request(method, path, json_body=body, **kw)
        return status, (json.loads(data) if data else None)

    def upload(self, job: str, filename: str, content: bytes, chunked: bool = False):
        boundary = "----studio-test-boundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        payload = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Origin": self.origin}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            if chunked:  # no Content-Length: the limit must hold while the body streams in
                pieces = (payload[i:i + 65536] for i in range(0, len(payload), 65536))
                conn.request("POST", f"/api/jobs/{job}/clips", body=pieces, headers=headers,
                             encode_chunked=True)
            else:
                conn.request("POST", f"/api/jobs/{job}/clips", body=payload, headers=headers)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            conn.close()


def start_studio(data: Path, *args: str, port: int | None = None) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    proc = subprocess.Popen([sys.executable, "-c", START, "--data", str(data), "--port",
                             str(port), *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"studio exited: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("studio did not start listening")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("studio")
    make_kit(root / "brand" / "test")
    # A render that was running when the studio stopped: it must show "interrupted".
    (root / "jobs").mkdir()
    (root / "footage" / "old").mkdir(parents=True)
    (root / "jobs" / "old.yaml").write_text("brand: ../brand/test\nfootage: ../footage/old\n")
    (root / ".studio").mkdir()
    (root / ".studio" / "queue.json").write_text(json.dumps(
        {"jobs": {"old": {"status": "running"}}, "order": []}))
    (root.parent / "secret.txt").write_text("top secret")
    return root


@pytest.fixture(scope="module")
def server(data):
    proc, port = start_studio(data, "--max-upload-mb", "1")
    yield Client(port)
    stop(proc)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    path = make_clip(tmp_path_factory.mktemp("clips") / "c.mp4", size="192x108", seconds=1.0,
                     audio=False)
    return path.read_bytes()


def new_job(server: Client, name: str, targets=("tiktok-small",)) -> None:
    status, body = server.json("POST", "/api/jobs", {"name": name, "brand": "test",
                                                     "targets": list(targets)})
    assert status == 201, body


# --- basics ---------------------------------------------------------------------------------

def test_health_kits_targets_and_no_cdn_docs(server):
    assert server.json("GET", "/api/health") == (200, {"ok": True})
    assert server.json("GET", "/api/kits") == (200, [{"name": "test"}])
    status, targets = server.json("GET", "/api/targets")
    assert "tiktok-small" in [t["name"] for t in targets]
    assert server.request("GET", "/docs")[0] == 404
    assert server.request("GET", "/openapi.json")[0] == 200
    status, _, page = server.request("GET", "/")
    assert status == 200 and b'lang="de"' in page and b"http" not in page.split(b"<body")[0]


def test_a_render_running_at_the_last_stop_shows_interrupted(server):
    status, job = server.json("GET", "/api/jobs/old")
    assert status == 200 and job["status"] == "interrupted"


def test_create_job_writes_a_job_file_render_can_use(server, data):
    new_job(server, "azubi", ["tiktok-small", "reels-small"])
    text = (data / "jobs" / "azubi.yaml").read_text()
    assert "footage: ../footage/azubi" in text and (data / "footage" / "azubi").is_dir()
    status, job = server.json("GET", "/api/jobs/azubi")
    assert status == 200 and job["status"] == "idle" and job["videos"] == [] \
        and job["errors"] == [] and job["targets"] == ["tiktok-small", "reels-small"]
    assert {"id": "azubi", "status": "idle"} in server.json("GET", "/api/jobs")[1]


@pytest.mark.parametrize("body, says", [
    ({"name": "../evil", "brand": "test", "targets": ["tiktok"]}, "cannot be a job name"),
    ({"name": "x", "brand": "nope", "targets": ["tiktok"]}, "no brand kit 'nope'"),
    ({"name": "x", "brand": "../brand/test", "targets": ["tiktok"]}, "no brand kit"),
    ({"name": "x", "brand": "test", "targets": ["tiktokk"]}, "unknown target 'tiktokk'"),
    ({"name": "x", "brand": "test", "targets": []}, "targets"),
    ({"name": "old", "brand": "test", "targets": ["tiktok"]}, "exists"),
])
def test_bad_new_jobs_are_refused_with_one_line(server, data, body, says):
    status, out = server.json("POST", "/api/jobs", body)
    assert status == 422 and says in out["error"] and "\n" not in out["error"]
    assert not (data / "jobs" / "x.yaml").exists() and not (data.parent / "evil.yaml").exists()


# --- uploads --------------------------------------------------------------------------------

def test_upload_a_clip_and_it_becomes_a_video(server, data, clip):
    new_job(server, "up")
    assert server.upload("up", "IMG 0001.mp4", clip) == (201, {"name": "IMG_0001.mp4"})
    assert server.upload("up", "IMG 0001.mp4", clip) == (201, {"name": "IMG_0001-2.mp4"})
    status, body = server.upload("up", "../../../evil.mp4", clip)
    assert status == 201 and body == {"name": "evil.mp4"}
    assert sorted(p.name for p in (data / "footage" / "up").iterdir()) == \
        ["IMG_0001-2.mp4", "IMG_0001.mp4", "evil.mp4"]
    assert not (data.parent / "evil.mp4").exists()
    assert [v["name"] for v in server.json("GET", "/api/jobs/up")[1]["videos"]] == \
        ["IMG_0001-2", "IMG_0001", "evil"]


def test_a_text_file_is_refused_with_the_clis_reason_and_removed(server, data):
    new_job(server, "text")
    status, body = server.upload("text", "notes.mov", b"Bitte morgen anrufen.\n" * 20)
    assert status == 422
    assert body["error"].startswith("footage/text/notes.mov: not a readable video file")
    assert list((data / "footage" / "text").iterdir()) == []


def test_a_video_with_another_ending_is_refused(server, data, clip):
    status, body = server.upload("text", "clip.txt", clip)
    assert status == 422 and "not a clip file name" in body["error"]
    assert list((data / "footage" / "text").iterdir()) == []


def test_the_size_limit_holds_while_streaming_and_leaves_nothing(server, data):
    new_job(server, "big")
    big = os.urandom(3 << 19)  # 1.5 MB, the server takes 1 MB
    for chunked in (True, False):
        status, body = server.upload("big", "big.mov", big, chunked=chunked)
        assert status == 413 and "1 MB" in body["error"]
        assert list((data / "footage" / "big").iterdir()) == []


def test_a_declared_oversize_body_is_refused_before_it_is_sent(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/api/jobs/big/clips")
    for k, v in {"Content-Type": "multipart/form-data; boundary=x", "Origin": server.origin,
                 "Content-Length": str(50 << 30)}.items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413
    conn.close()


# --- paths ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(data) -> Path:
    out = data / "output" / "files"
    out.mkdir(parents=True)
    (out / "a.bin").write_bytes(bytes(range(256)) * 4)
    (out / ".state.json").write_text("{}")
    (out / "link.mp4").symlink_to(data.parent / "secret.txt")
    (data / "output" / "outside").symlink_to(data.parent)
    return out


def test_range_requests_give_206_and_the_bytes_asked_for(server, files):
    status, headers, body = server.request("GET", "/files/files/a.bin",
                                           headers={"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100 and body == bytes(range(100))
    assert headers["content-range"] == "bytes 0-99/1024"
    assert server.request("GET", "/files/files/a.bin")[2] == bytes(range(256)) * 4


@pytest.mark.parametrize("path", [
    "/files/../secret.txt", "/files/files/../../../secret.txt", "/files/%2e%2e/secret.txt",
    "/files/files/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt", "/files/..%2f..%2f/secret.txt",
    "/files/%EF%BC%8E%EF%BC%8E/secret.txt", "/files/files/a.bin%00.mp4",
    "/files/%2Ftmp/secret.txt", "/files/files/%2Fetc%2Fpasswd", "/files/files/.state.json",
    "/files/files/link.mp4", "/files/outside/secret.txt", "/files/..\\secret.txt",
    "/api/jobs/..%2F..%2Fsecret", "/api/jobs/old/videos/..%2F..%2Fsecret/captions",
    "/static/../../../secret.txt", "/static/%2e%2e/%2e%2e/app.py",
])
def test_nothing_outside_the_working_folder_can_be_read(server, files, path):
    status, _, body = server.request("GET", path)
    assert status in (400, 404) and b"top secret" not in body and b"import" not in body


# --- guards ---------------------------------------------------------------------------------

@pytest.mark.parametrize("headers, status", [
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Referer": "http://evil.example/page"}, 403),
    ({"Origin": "http://127.0.0.1:1"}, 403),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://127.0.0.1:{port}"}, 403),
])
def test_cross_site_requests_that_change_things_are_refused(server, data, headers, status):
    headers = {k: v.replace("{port}", str(server.port)) for k, v in headers.items()}
    got, _, body = server.request("POST", "/api/jobs", json.dumps(
        {"name": "csrf", "brand": "test", "targets": ["tiktok"]}).encode(),
        {"Content-Type": "application/json", **headers}, same_site=False)
    assert got == status and not (data / "jobs" / "csrf.yaml").exists()


def test_no_origin_and_non_json_posts_are_refused(server, data):
    body = json.dumps({"name": "csrf", "brand": "test", "targets": ["tiktok"]}).encode()
    assert server.request("POST", "/api/jobs", body, {"Content-Type": "application/json"},
                          same_site=False)[0] == 403
    # text/plain is what a cross-site form may send without asking first
    assert server.request("POST", "/api/jobs", body, {"Content-Type": "text/plain"})[0] == 415
    assert not (data / "jobs" / "csrf.yaml").exists()


def test_a_foreign_host_header_is_refused_on_loopback(server):
    """DNS rebinding: evil.example resolving to 127.0.0.1 must not reach the studio."""
    status, _, _ = server.request("GET", "/api/jobs", headers={"Host": "evil.example:8765"})
    assert status == 400


def test_another_host_without_a_token_never_listens(data):
    port = free_port()
    proc = subprocess.run([sys.executable, "-c", START, "--data", str(data), "--host", "0.0.0.0",
                           "--port", str(port)], capture_output=True, text=True, timeout=60)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1
    assert "--token-file" in lines[0] and "secrets.token_urlsafe(32)" in lines[0]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_a_token_protects_every_request(data, tmp_path):
    token = "t0ken-" + "x" * 30
    (tmp_path / "studio.token").write_text(token + "\n")
    proc, port = start_studio(data, "--host", "0.0.0.0", "--token-file",
                              str(tmp_path / "studio.token"))
    try:
        anon, wrong, bearer = Client(port), Client(port, "wrong-token-123456"), Client(port, token)
        assert anon.request("GET", "/api/health")[0] == 401
        assert wrong.request("GET", "/api/jobs")[0] == 401
        assert anon.request("GET", "/files/files/a.bin")[0] == 401
        status, _, page = anon.request("GET", "/")
        assert status == 401 and b'name="token"' in page
        assert anon.request("GET", "/static/studio.css")[0] == 200  # the login page's style
        assert bearer.json("GET", "/api/health") == (200, {"ok": True})
        # the login page sets a cookie; with it the page and the API answer
        status, headers, _ = anon.request("POST", "/login", f"token={token}".encode(),
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303 and "HttpOnly" in headers["set-cookie"]
        cookie = headers["set-cookie"].split(";")[0]
        assert anon.request("GET", "/api/kits", headers={"Cookie": cookie})[0] == 200
        assert anon.request("POST", "/login", b"token=nope",
                            {"Content-Type": "application/x-www-form-urlencoded"})[0] == 401
    finally:
        stop(proc)


# --- captions -------------------------------------------------------------------------------

SRT = "1\n00:00:00,100 --> 00:00:01,500\nDas Landesamt lädt ein.\n\n" \
      "2\n00:00:01,600 --> 00:00:02,900\nDer Eintritt ist frei.\n\n"
WORDS = [(0.1, 0.4, "Das", None), (0.4, 0.9, "Landesamt", "probability"),
         (0.9, 1.2, "lädt", None), (1.2, 1.5, "ein.", None), (1.6, 1.9, "Der", None),
         (1.9, 2.3, "Eintritt", "dictionary"), (2.3, 2.5, "ist", None), (2.5, 2.9, "frei.", None)]


def write_captions(data: Path, job: str, video: str, cut: list | None = None) -> Path:
    folder = data / "jobs" / f"{job}.captions"
    folder.mkdir(exist_ok=True)
    (folder / f".{video}.json").write_text(json.dumps({
        "version": 1, "cut": cut or [], "origin": {"source": "whisper", "model": "base"},
        "words": [{"start": s, "end": e, "text": t, "probability": 0.3 if u else 0.9,
                   "uncertain": u} for s, e, t, u in WORDS]}))
    (folder / f"{video}.srt").write_text(SRT, encoding="utf-8")
    return folder / f"{video}.srt"


@pytest.fixture(scope="module")
def captioned(server, data, clip) -> Path:
    new_job(server, "cap")
    assert server.upload("cap", "rede.mp4", clip)[0] == 201
    return write_captions(data, "cap", "rede")


def test_captions_are_read_from_the_caption_file_with_version_and_marks(server, captioned):
    status, body = server.json("GET", "/api/jobs/cap/videos/rede/captions")
    assert status == 200
    assert body["version"] == hashlib.sha256(captioned.read_bytes()).hexdigest()
    assert [c["text"] for c in body["cues"]] == ["Das Landesamt lädt ein.", "Der Eintritt ist frei."]
    marked = [w["text"] for c in body["cues"] for w in c["words"] if w["uncertain"]]
    assert marked == ["Landesamt", "Eintritt"]
    assert server.json("GET", "/api/jobs/cap")[1]["videos"][0]["uncertain"] == 2
    assert server.json("GET", "/api/jobs/cap/videos/nope/captions")[0] == 404


def test_saving_captions_keeps_the_marks_of_unchanged_words_and_refuses_stale_saves(
        server, captioned):
    _, body = server.json("GET", "/api/jobs/cap/videos/rede/captions")
    old = body["version"]
    body["cues"][0]["text"] = "Das Landesamt lädt ein."
    body["cues"][1]["text"] = "Der Zutritt ist frei."
    status, saved = server.json("PUT", "/api/jobs/cap/videos/rede/captions", body)
    assert status == 200 and saved["version"] != old
    assert "Der Zutritt ist frei." in captioned.read_text(encoding="utf-8")
    assert saved["version"] == hashlib.sha256(captioned.read_bytes()).hexdigest()
    meta = json.loads(captioned.with_name(".rede.json").read_text())
    assert {w["text"]: w["uncertain"] for w in meta["words"]}["Zutritt"] is None
    assert {w["text"]: w["uncertain"] for w in meta["words"]}["Landesamt"] == "probability"
    assert meta["cut"] == [] and meta["origin"]["source"] == "whisper"
    # a save based on the version before this one: someone else saved in between
    body["version"] = old
    status, err = server.json("PUT", "/api/jobs/cap/videos/rede/captions", body)
    assert status == 409 and "someone else" in err["error"]
    assert "Zutritt" in captioned.read_text(encoding="utf-8")


def test_bad_cues_are_refused(server, captioned):
    _, body = server.json("GET", "/api/jobs/cap/videos/rede/captions")
    body["cues"][0]["end"] = body["cues"][0]["start"]
    status, err = server.json("PUT", "/api/jobs/cap/videos/rede/captions", body)
    assert status == 422 and "end after" in err["error"]


def test_a_glossary_word_is_added_to_the_job_and_unmarked(server, data, captioned):
    status, body = server.json("POST", "/api/jobs/cap/glossary", {"word": "Landesamt"})
    assert status == 200 and body == {"glossary": ["Landesamt"], "unmarked": 1}
    assert "Landesamt" in (data / "jobs" / "cap.yaml").read_text()
    assert server.json("GET", "/api/jobs/cap")[1]["glossary"] == ["Landesamt"]
    assert server.json("POST", "/api/jobs/cap/glossary", {"word": "a\nb"})[0] == 422


# --- render ---------------------------------------------------------------------------------

def events_until_done(server: Client, job: str) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    conn.request("GET", f"/api/jobs/{job}/events")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("content-type").startswith("text/event-stream")
    seen = []
    for line in io.TextIOWrapper(r, encoding="utf-8"):
        if line.startswith("data: "):
            seen.append(json.loads(line[6:]))
            if seen[-1]["status"] not in ("queued", "running"):
                break
    conn.close()
    return seen


def test_render_approve_and_download(server, data, clip):
    new_job(server, "film")
    assert server.upload("film", "szene.mp4", clip)[0] == 201
    write_captions(data, "film", "szene")  # as if corrected: render must use it, no Whisper
    assert server.json("POST", "/api/jobs/film/videos/szene/approve", {})[0] == 409
    assert server.json("POST", "/api/jobs/film/render", {}) == (202, {"status": "queued"})
    assert server.json("POST", "/api/jobs/film/render", {})[0] == 409
    seen = events_until_done(server, "film")
    assert seen[-1]["status"] == "done", seen[-1]
    assert any(0 < f < 1 for s in seen for f in s["progress"].values()) or \
        seen[-1]["progress"] == {"szene.tiktok-small": 1.0}
    job = server.json("GET", "/api/jobs/film")[1]
    video = job["videos"][0]
    assert job["status"] == "done" and video["name"] == "szene" and video["progress"] is None
    [out] = video["outputs"]
    assert out["target"] == "tiktok-small" and out["preview"] is False and out["duration"] > 2
    status, headers, mp4 = server.request("GET", out["url"])
    assert status == 200 and len(mp4) == out["bytes"] and headers["content-type"] == "video/mp4"
    assert server.request("GET", out["url"], headers={"Range": "bytes=0-99"})[0] == 206
    assert server.json("GET", "/api/jobs/film/download.zip")[0] == 409  # nothing approved yet
    assert server.json("POST", "/api/jobs/film/videos/szene/approve", {}) == \
        (200, {"approved": True})
    assert server.json("GET", "/api/jobs/film")[1]["videos"][0]["approved"] is True
    # The kit's default scanned the clip: the job view says so, as the page does.
    assert video["faces"] == ("Datenschutz: 0 Gesichter erkannt, davon keines unkenntlich "
                              "gemacht. Bitte vor dem Veröffentlichen ansehen: Gesichter, die "
                              "die Erkennung übersieht, bleiben sichtbar.")
    assert json.loads((data / ".studio" / "approved.json").read_text()) == {"film": ["szene"]}
    status, headers, body = server.request("GET", "/api/jobs/film/download.zip")
    assert status == 200 and headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert sorted(z.namelist()) == ["szene.srt", "szene.tiktok-small.jpg",
                                        "szene.tiktok-small.mp4", "szene.vtt"]
        assert "Das Landesamt lädt ein." in z.read("szene.srt").decode()
    deadline = time.monotonic() + 5  # the ZIP was temporary: removed once sent
    while list((data / ".studio" / "downloads").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((data / ".studio" / "downloads").iterdir()) == []
    assert sorted(p.name for p in (data / "footage" / "film").iterdir()) == ["szene.mp4"]
    assert (data / "footage" / "film" / "szene.mp4").read_bytes() == clip  # never modified
    assert server.json("POST", "/api/jobs/film/videos/szene/approve", {"approved": False}) == \
        (200, {"approved": False})


def test_a_job_without_clips_is_refused_with_the_clis_line(server):
    new_job(server, "empty")
    status, body = server.json("POST", "/api/jobs/empty/render", {})
    assert status == 422 and "holds no video clips" in body["error"]


def test_a_failing_clip_shows_its_one_line_on_the_job(server, data):
    new_job(server, "kaputt")
    (data / "footage" / "kaputt" / "IMG_9.MOV").write_bytes(b"\0" * 4096)  # copied badly
    assert server.json("POST", "/api/jobs/kaputt/render", {"fast": True})[0] == 202
    assert events_until_done(server, "kaputt")[-1]["status"] == "failed"
    job = server.json("GET", "/api/jobs/kaputt")[1]
    assert job["status"] == "failed" and job["fast"] is True
    [line] = job["errors"]
    assert line.startswith("error: ") and "IMG_9.MOV: not a readable video file" in line
    assert job["videos"][0]["errors"] == [line]


# --- editing a video: title, clip order, trims, lower thirds --------------------------------

@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> bytes:
    path = make_clip(tmp_path_factory.mktemp("clips") / "long.mp4", size="192x108",
                     seconds=3.0, audio=False)
    return path.read_bytes()


@pytest.fixture(scope="module")
def schnitt(server, data, long_clip) -> Path:
    """A job of two 3-second clips and no `videos:` list: each clip is one video."""
    new_job(server, "schnitt")
    for name in ("a.mp4", "b.mp4"):
        assert server.upload("schnitt", name, long_clip) == (201, {"name": name})
    return data / "jobs" / "schnitt.yaml"


def clip_body(file: str, start=0.0, end=None, lower_third=None) -> dict:
    return {"file": file, "start": start, "end": end, "lower_third": lower_third}


def test_get_and_put_a_video_writes_what_the_job_loader_reads(server, data, schnitt, long_clip):
    from pipeline.config.job import LowerThird, load_job

    assert "videos" not in schnitt.read_text()
    status, video = server.json("GET", "/api/jobs/schnitt/videos/a")
    assert status == 200 and video["name"] == "a" and video["title"] == "a"
    [clip] = video["clips"]
    assert clip["file"] == "a.mp4" and clip["start"] == 0 and clip["end"] is None
    assert clip["lower_third"] is None and abs(clip["duration"] - 3.0) < 0.1
    assert clip["url"] == "/footage/schnitt/a.mp4" and video["footage"] == [
        {"file": "a.mp4", "url": "/footage/schnitt/a.mp4"},
        {"file": "b.mp4", "url": "/footage/schnitt/b.mp4"}]
    assert video["captions"] is False and video["captions_stale"] is False
    assert server.json("GET", "/api/jobs/schnitt/videos/nope")[0] == 404

    # Append clip b to video a (a job without `videos:` gets the list written from the
    # defaults), then: a title, the two clips swapped, b trimmed, a lower third on b.
    video["clips"].append(clip_body("b.mp4"))
    assert server.json("PUT", "/api/jobs/schnitt/videos/a", video)[0] == 200
    _, video = server.json("GET", "/api/jobs/schnitt/videos/a")
    assert [c["file"] for c in video["clips"]] == ["a.mp4", "b.mp4"]
    video["title"] = "Vorstellung im Bürgerbüro"
    video["clips"].reverse()
    video["clips"][0].update(start=0.5, end=2.5, lower_third={
        "name": "Erika Muster", "role": "Pressesprecherin", "seconds": 3})
    status, saved = server.json("PUT", "/api/jobs/schnitt/videos/a", video)
    assert status == 200, saved
    assert saved["changed"] is True and saved["captions_stale"] is False  # no caption file
    assert saved["title"] == "Vorstellung im Bürgerbüro"
    assert [(c["file"], c["start"], c["end"]) for c in saved["clips"]] == \
        [("b.mp4", 0.5, 2.5), ("a.mp4", 0.0, None)]
    assert server.json("GET", "/api/jobs/schnitt/videos/a")[1] == \
        {k: v for k, v in saved.items() if k != "changed"}

    job = load_job(schnitt, data / "brand")
    [a, b] = job.videos
    assert (a.name, a.title) == ("a", "Vorstellung im Bürgerbüro")
    assert [(c.path.name, c.start, c.end) for c in a.clips] == \
        [("b.mp4", 0.5, 2.5), ("a.mp4", 0.0, None)]
    assert a.clips[0].lower_third == LowerThird(name="Erika Muster", role="Pressesprecherin",
                                                seconds=3.0)
    assert a.clips[1].lower_third is None
    assert (b.name, b.title, [c.path.name for c in b.clips]) == ("b", "b", ["b.mp4"])
    assert [v["title"] for v in server.json("GET", "/api/jobs/schnitt")[1]["videos"]] == \
        ["Vorstellung im Bürgerbüro", "b"]
    assert not [p for p in schnitt.parent.iterdir() if p.name.startswith(".")]  # no leftovers
    for name in ("a.mp4", "b.mp4"):  # footage only read
        assert (data / "footage" / "schnitt" / name).read_bytes() == long_clip

    # With a `videos:` list, an uploaded clip still becomes a video of its own.
    assert server.upload("schnitt", "c.mp4", long_clip) == (201, {"name": "c.mp4"})
    assert [v.name for v in load_job(schnitt, data / "brand").videos] == ["a", "b", "c"]


def test_a_videos_faces_mode_is_set_kept_and_cleared(server, data, schnitt):
    from pipeline.config.job import load_job

    def mode(video: str) -> str:
        return next(v for v in load_job(schnitt, data / "brand").videos
                    if v.name == video).clips[0].faces

    _, video = server.json("GET", "/api/jobs/schnitt/videos/b")
    assert video["faces"] is None and video["faces_default"] == "blur-bystanders"
    assert mode("b") == "blur-bystanders"
    status, saved = server.json("PUT", "/api/jobs/schnitt/videos/b", {**video, "faces": "off"})
    assert status == 200 and saved["faces"] == "off" and saved["changed"] is True, saved
    assert mode("b") == "off"  # YAML's bare off is written quoted, read as the mode
    unsent = {k: v for k, v in video.items() if k != "faces"}  # an edit without the field
    status, saved = server.json("PUT", "/api/jobs/schnitt/videos/b", unsent)
    assert status == 200 and saved["faces"] == "off" and saved["changed"] is False
    status, saved = server.json("PUT", "/api/jobs/schnitt/videos/b", {**video, "faces": None})
    assert status == 200 and saved["faces"] is None and saved["changed"] is True
    assert mode("b") == "blur-bystanders"
    before = schnitt.read_text()
    status, body = server.json("PUT", "/api/jobs/schnitt/videos/b", {**video, "faces": "hide"})
    assert status == 422 and "faces" in body["error"], body
    assert schnitt.read_text() == before


@pytest.mark.parametrize("change, says", [
    ({"end": 9}, "footage/schnitt/b.mp4: end 9 s lies beyond the clip's end (3.00 s); "
                 "fix `end` in the job file"),
    ({"start": 5, "end": None}, "footage/schnitt/b.mp4: start 5 s lies beyond the clip's end (3.00 s)"),
    ({"start": 2, "end": 1}, "key 'videos[0].clips[0]': end (1.0) must be after start (2.0)"),
    ({"start": "soon"}, "'soon' is not a time"),
    ({"lower_third": {"name": "X", "seconds": 99}}, "lower_third.seconds"),
    ({"file": "../../secret.txt"}, "clip '../../secret.txt' is not in footage/schnitt"),
])
def test_a_bad_edit_is_refused_with_the_clis_reason_and_changes_nothing(
        server, schnitt, change, says):
    _, video = server.json("GET", "/api/jobs/schnitt/videos/a")
    before = schnitt.read_text()
    video["clips"][0].update(change)
    status, body = server.json("PUT", "/api/jobs/schnitt/videos/a", video)
    assert status == 422 and says in body["error"] and "\n" not in body["error"], body
    assert "partial" not in body["error"]  # the job file is named, not the one checked
    assert schnitt.read_text() == before
    assert not [p for p in schnitt.parent.iterdir() if p.name.startswith(".")]


def test_a_video_keeps_its_name(server, schnitt):
    _, video = server.json("GET", "/api/jobs/schnitt/videos/b")
    status, body = server.json("PUT", "/api/jobs/schnitt/videos/b", {**video, "name": "neu"})
    assert status == 422 and "keeps its name" in body["error"]


def test_footage_is_served_read_only_with_range(server, schnitt, long_clip):
    status, headers, body = server.request("GET", "/footage/schnitt/b.mp4",
                                           headers={"Range": "bytes=0-99"})
    assert status == 206 and body == long_clip[:100]
    assert headers["content-range"] == f"bytes 0-99/{len(long_clip)}"
    assert headers["content-type"] == "video/mp4"
    assert server.request("GET", "/footage/schnitt/b.mp4")[2] == long_clip
    for method in ("PUT", "POST", "DELETE"):
        assert server.request(method, "/footage/schnitt/b.mp4", b"x",
                              {"Content-Type": "application/json"})[0] == 405
    assert server.request("GET", "/footage/schnitt/b.mp4")[2] == long_clip


@pytest.mark.parametrize("path", [
    "/footage/../secret.txt", "/footage/schnitt/../../../secret.txt",
    "/footage/%2e%2e/secret.txt", "/footage/schnitt/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
    "/footage/..%2f..%2f/secret.txt", "/footage/%EF%BC%8E%EF%BC%8E/secret.txt",
    "/footage/schnitt/b.mp4%00.mp4", "/footage/schnitt/%2Fetc%2Fpasswd",
    "/footage/schnitt/..\\..\\secret.txt", "/footage/schnitt/.x.upload.partial",
    "/footage/schnitt", "/footage/old/../schnitt/b.mp4",
])
def test_footage_outside_the_folder_cannot_be_read(server, schnitt, path):
    status, _, body = server.request("GET", path)
    assert status in (400, 404, 405) and b"top secret" not in body


def test_a_trim_change_makes_the_captions_stale_and_retranscribe_removes_them(
        server, data, schnitt):
    from pipeline.analysis.probe import probe
    from pipeline.edit.plan import frames_for

    # b's caption file, made for b as it is now (uncut), as render records it.
    n = frames_for(probe(data / "footage" / "schnitt" / "b.mp4").duration, 30) / 30
    srt = write_captions(data, "schnitt", "b", cut=[["b.mp4", 0.0, round(n, 3)]])
    _, video = server.json("GET", "/api/jobs/schnitt/videos/b")
    assert video["captions"] is True and video["captions_stale"] is False
    video["title"] = "Nur der Titel"
    status, saved = server.json("PUT", "/api/jobs/schnitt/videos/b", video)
    assert status == 200 and saved["changed"] is True and saved["captions_stale"] is False
    video["clips"][0]["start"] = 1.0
    status, saved = server.json("PUT", "/api/jobs/schnitt/videos/b", video)
    assert status == 200 and saved["captions_stale"] is True
    assert server.json("GET", "/api/jobs/schnitt/videos/b")[1]["captions_stale"] is True
    assert srt.is_file()  # the user decides: check them, or have them made again

    assert server.json("POST", "/api/jobs/schnitt/videos/b/retranscribe", {}) == \
        (200, {"removed": True})
    assert not srt.exists() and not srt.with_name(".b.json").exists()
    _, video = server.json("GET", "/api/jobs/schnitt/videos/b")
    assert video["captions"] is False and video["captions_stale"] is False
    assert server.json("GET", "/api/jobs/schnitt/videos/b/captions")[0] == 404
    assert server.json("POST", "/api/jobs/schnitt/videos/b/retranscribe", {}) == \
        (200, {"removed": False})
    assert server.json("POST", "/api/jobs/schnitt/videos/nope/retranscribe", {})[0] == 404
    assert (data / "footage" / "schnitt" / "b.mp4").is_file()


def test_keys_the_page_does_not_edit_are_kept(server, data, schnitt):
    import yaml

    from pipeline.config.job import load_job

    spec = yaml.safe_load(schnitt.read_text())
    spec["videos"][2]["clips"][0]["stabilize"] = True  # video c
    schnitt.write_text(yaml.safe_dump(spec, sort_keys=False))
    _, video = server.json("GET", "/api/jobs/schnitt/videos/c")
    video["clips"][0]["end"] = 2.0
    assert server.json("PUT", "/api/jobs/schnitt/videos/c", video)[0] == 200
    [clip] = load_job(schnitt, data / "brand").videos[2].clips
    assert clip.stabilize is True and clip.end == 2.0
