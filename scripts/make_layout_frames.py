#!/usr/bin/env python3
"""Make docs/layouts.jpg: one frame of the shipped example in each layout.

    python scripts/make_layout_frames.py [--at 4.0] [--video denkmalpflege]

Renders jobs/example.yaml (the caption files it has, or Whisper) to `tiktok` (the one file
for TikTok, Reels and Shorts), `feed`, `square` and `landscape` into /tmp/layout-frames/,
takes the frame at --at seconds of each output with the bundled ffmpeg, and puts the four
side by side at one height, each named under it (Pillow; JPEG, about 0.25 MB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipeline.render import ffmpeg

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/layout-frames")
TARGETS = {"tiktok": "tiktok, reels, shorts (1080x1920)", "feed": "feed (1080x1350)",
           "square": "square (1080x1080)", "landscape": "landscape (1920x1080)"}
HEIGHT, GAP, LABEL = 540, 20, 40


def render(video: str) -> Path:
    argv = [sys.executable, "-m", "pipeline", str(ROOT / "jobs" / "example.yaml"),
            "--output", str(WORK), "--brands", str(ROOT / "brand"), "--only", video]
    for t in TARGETS:
        argv += ["--target", t]
    subprocess.run(argv, check=True, cwd=ROOT)
    return WORK / "example"


def frame(mp4: Path, at: float) -> Image.Image:
    png = WORK / f"{mp4.stem}.png"
    subprocess.run([ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{at:.3f}",
                    "-i", str(mp4), "-frames:v", "1", str(png)], check=True)
    return Image.open(png).convert("RGB")


def sheet(frames: list[tuple[str, Image.Image]]) -> Image.Image:
    scaled = [(label, im.resize((round(im.width * HEIGHT / im.height), HEIGHT), Image.LANCZOS))
              for label, im in frames]
    width = sum(im.width for _, im in scaled) + GAP * (len(scaled) + 1)
    out = Image.new("RGB", (width, HEIGHT + LABEL + 2 * GAP), "white")
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=22)
    x = GAP
    for label, im in scaled:
        out.paste(im, (x, GAP))
        draw.text((x, GAP + HEIGHT + 10), label, fill="black", font=font)
        x += im.width + GAP
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--at", type=float, default=4.0, help="seconds into each output")
    ap.add_argument("--video", default="denkmalpflege")
    args = ap.parse_args()
    folder = render(args.video)
    frames = [(label, frame(folder / f"{args.video}.{t}.mp4", args.at))
              for t, label in TARGETS.items()]
    out = ROOT / "docs" / "layouts.jpg"
    sheet(frames).save(out, quality=85, optimize=True)
    print(f"{out}: {Image.open(out).size}")


if __name__ == "__main__":
    main()
