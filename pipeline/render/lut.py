"""HDR (HLG/PQ) → BT.709 SDR as a 3D LUT, made once by ffmpeg's own float tone-mapping chain.

The float chain run per pixel costs about five times the decode of the clip; the same function
sampled on a 64³ grid and applied with `lut3d` after scaling is as fast as the decode and
within two code values of it (CHANGELOG.md, 2026-11-27).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from ..render import ffmpeg, graph

LEVEL = 8                     # Hald level 8: a 64 x 64 x 64 grid
TRANSFERS = {"hlg": "arib-std-b67", "pq": "smpte2084"}


def chain(transfer: str) -> str:
    """The float tone-mapping chain, applied to an identity Hald image tagged as HDR RGB."""
    return (f"setparams=color_primaries=bt2020:color_trc={TRANSFERS[transfer]}:colorspace=gbr:"
            "range=pc,format=gbrpf32le,zscale=t=linear:npl=100,zscale=p=bt709,"
            "tonemap=tonemap=mobius:desat=0,zscale=t=bt709,format=rgb48le")


def lut_file(transfer: str, cache: Path) -> Path:
    """The .cube file for `transfer`, made on first use and cached by ffmpeg build and chain."""
    key = hashlib.sha256(f"{ffmpeg.version()}|{LEVEL}|{chain(transfer)}".encode()).hexdigest()
    path = cache / f"{transfer}-{key[:16]}.cube"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            raw = Path(tmp) / "hald.raw"
            ffmpeg.run([*graph.QUIET, "-f", "lavfi", "-i", f"haldclutsrc={LEVEL}",
                        "-vf", chain(transfer), "-frames:v", "1", "-f", "rawvideo",
                        graph.path_arg(str(raw))], cwd=Path(tmp))
            cube = Path(tmp) / "lut.cube"
            cube.write_text(to_cube(np.fromfile(raw, "<u2")), encoding="ascii")
            os.replace(cube, path)  # atomic: a concurrent render sees all of it or none
    return path


def to_cube(rgb48: np.ndarray) -> str:
    """Hald pixels (red fastest, then green, then blue: the .cube order) as a .cube text."""
    size = LEVEL * LEVEL
    values = rgb48.reshape(-1, 3) / 65535.0
    assert len(values) == size ** 3
    body = "\n".join(f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in values)
    return f"LUT_3D_SIZE {size}\n{body}\n"
