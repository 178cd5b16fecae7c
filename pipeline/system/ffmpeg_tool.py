"""The ffmpeg program every stage runs: which binary, its version, and how a file is named to it."""

from __future__ import annotations

import functools
import os
import subprocess

import imageio_ffmpeg

QUIET = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"]


def exe() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (libass, libx264, zscale)."""
    return os.environ.get("PIPELINE_FFMPEG") or imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def version() -> str:
    """The bundled ffmpeg's version; asked once per process (it is a subprocess)."""
    out = subprocess.run([exe(), "-hide_banner", "-version"], capture_output=True, text=True)
    return out.stdout.split("\n", 1)[0].removeprefix("ffmpeg version ").split(" ")[0]


def path_arg(path: str) -> str:
    """A file name as ffmpeg must get it: with the `file:` protocol, so that `-clip.mov` or
    `a:b.mp4` is never read as an option or another protocol."""
    return "file:" + path
