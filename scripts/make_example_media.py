#!/usr/bin/env python3
"""Generate the project's committed sample media.

Produces (relative to ROOT, the repository root by default):

    footage/example/IMG_0001.MOV   portrait phone clip (coded 960x540 + display matrix)
    tests/data/example_IMG_0001.srt  its German speech as subtitles (the reference for tests;
                                   not beside the clip, where nothing reads it)
    footage/example/IMG_0002.MOV   landscape 16:9 phone clip, 960x540
    tests/data/example_IMG_0002.srt
    tests/data/speech_de.wav       16 kHz mono German speech for the Whisper WER test
    tests/data/speech_de.txt       its exact reference text (one line)
    brand/example/logo.png         fictional "Stadt Musterstadt" logo (RGBA)

Everything is synthetic: pictures are drawn with Pillow and animated with
ffmpeg (the binary bundled with imageio-ffmpeg), speech comes from espeak-ng.
The output is deterministic for a given set of tool versions (fixed seeds,
single-threaded x264, bitexact muxing, fixed metadata).

The MOV files deliberately carry fake phone metadata (GPS location, make,
model, creation time) the way an iPhone writes it, so the pipeline's tests can
check that it is stripped.

Usage:
    python scripts/make_example_media.py [--out ROOT]
"""

from __future__ import annotations

import argparse
import array
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageChops, ImageDraw, ImageFont

# --------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------

CLIP1_SENTENCES = [
    "Willkommen bei der Stadt Musterstadt.",
    "Wir suchen Auszubildende für das Bürgerbüro.",
    "Bewirb dich jetzt, es macht Spaß!",
]

CLIP2_SENTENCES = [
    "Tag des offenen Denkmals!",
    "Das Landesamt für Denkmalpflege öffnet zwölf Gebäude.",
    "Der Eintritt ist frei.",
]

WER_TEXT = (
    "Das Landesamt für Denkmalpflege lädt am Sonntag zum Tag des offenen "
    "Denkmals ein. Es öffnen 25 historische Gebäude ihre Türen. "
    "Die Führungen beginnen um zehn Uhr an der Großen Straße. "
    "Der Eintritt ist frei, eine Anmeldung ist nicht nötig."
)

# Fake phone metadata, written the way the QuickTime muxer stores an iPhone's.
PHONE_METADATA = {
    "location": "+52.5200+013.4050/",
    "com.apple.quicktime.location.ISO6709": "+52.5200+013.4050+035.000/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 15",
    "creation_time": "2026-05-04T10:00:00Z",
}

# Display-matrix rotation for the portrait clip, in ffmpeg's convention
# (degrees counter-clockwise the player turns the coded picture).  -90 is what
# an iPhone held upright writes (tkhd matrix [0 1 -1 0], legacy "rotate=90"
# tag).  The coded picture is therefore the upright portrait picture turned
# 90 degrees counter-clockwise (transpose=cclock); players turn it back.
PORTRAIT_ROTATION = -90
PORTRAIT_TRANSPOSE = "cclock"

FPS = 30
CODED_W, CODED_H = 960, 540
MIN_CLIP_SECONDS = 7.0
TAIL_SECONDS = 0.6  # room tone after the last sentence
LEAD_IN = 0.4  # seconds of room tone before the first sentence
GAP = 0.35  # seconds between sentences
CLIP_SPEECH_RATE = 140  # espeak-ng words per minute; at 170 Whisper base misheard half the words
WER_SPEECH_RATE = 140
WER_MAX_SECONDS = 20.0
VOICE = "de"

CRF = 28  # x264 quality; the clips must stay well under 1 MB
DRIFT_PX = 8  # amplitude of the simulated handheld drift
GOP = 90  # keyframe interval (frames)
AUDIO_BITRATE = "64k"

SRT_MAX_LINE = 42
SRT_MAX_LINES = 2

NAVY = "#003366"
GOLD = "#FFCC00"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(argv: list[str]) -> None:
    """Run a command (argv list, never a shell string); raise with its stderr on failure."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(argv[:3])} ...")


def ffmpeg(args: list[str]) -> None:
    run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args])


def font_path(weight: int = 700) -> str:
    try:
        import fontpkg  # project dependency (see pyproject.toml)

        return str(fontpkg.path("Atkinson Hyperlegible", weight))
    except Exception as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "Atkinson Hyperlegible font not found; install the project dependencies "
            f"(fontpkg, fontpkg-atkinson-hyperlegible): {exc}"
        )


def font(size: int, weight: int = 700) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(weight), size)


def require_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit(
            "espeak-ng is required to synthesise the German sample speech but was not "
            "found on PATH.\nInstall it, e.g. on Debian/Ubuntu:  apt-get install -y espeak-ng"
        )
    return exe


# --------------------------------------------------------------------------
# Speech
# --------------------------------------------------------------------------


@dataclass
class Pcm:
    rate: int
    samples: array.array  # signed 16-bit mono

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def read_wav(path: Path) -> Pcm:
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise SystemExit(f"unexpected WAV format from espeak-ng: {w.getparams()}")
        data = array.array("h")
        data.frombytes(w.readframes(w.getnframes()))
        if sys.byteorder == "big":
            data.byteswap()
        return Pcm(w.getframerate(), data)


def write_wav(path: Path, pcm: Pcm) -> None:
    data = array.array("h", pcm.samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(data.tobytes())


def trim_silence(pcm: Pcm, threshold: int = 200, margin: float = 0.02) -> Pcm:
    """Cut espeak-ng's leading/trailing silence so sentence timings are exact."""
    s = pcm.samples
    loud = [i for i in range(len(s)) if abs(s[i]) > threshold]
    if not loud:
        return pcm
    m = int(margin * pcm.rate)
    start = max(0, loud[0] - m)
    end = min(len(s), loud[-1] + 1 + m)
    return Pcm(pcm.rate, s[start:end])


def synth(espeak: str, text: str, rate_wpm: int, out: Path) -> Pcm:
    run([espeak, "-v", VOICE, "-b", "1", "-s", str(rate_wpm), "-w", str(out), text])
    return read_wav(out)


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]


def build_speech_track(
    espeak: str, sentences: list[str], tmp: Path, stem: str
) -> tuple[Pcm, list[tuple[float, float, str]]]:
    """Synthesise sentences one by one and join them with known pauses.

    Returns the joined PCM (including lead-in and tail) and, per sentence,
    (start, end, text) in seconds.
    """
    rate = None
    out = array.array("h")
    timings: list[tuple[float, float, str]] = []
    for i, text in enumerate(sentences):
        pcm = trim_silence(synth(espeak, text, CLIP_SPEECH_RATE, tmp / f"{stem}_s{i}.wav"))
        if rate is None:
            rate = pcm.rate
            out.extend([0] * round(LEAD_IN * rate))
        elif pcm.rate != rate:
            raise SystemExit("espeak-ng produced WAVs with different sample rates")
        else:
            out.extend([0] * round(GAP * rate))
        start = len(out) / rate
        out.extend(pcm.samples)
        timings.append((start, len(out) / rate, text))
    assert rate is not None
    speech_end = len(out) / rate
    total = max(MIN_CLIP_SECONDS, math.ceil((speech_end + TAIL_SECONDS) * 10) / 10)
    out.extend([0] * (round(total * rate) - len(out)))
    return Pcm(rate, out), timings


# --------------------------------------------------------------------------
# Subtitles
# --------------------------------------------------------------------------


def wrap_words(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    cur = ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return lines


def balance_two_lines(text: str, width: int) -> list[str] | None:
    """Split text into two lines of <= width chars, as evenly as possible."""
    words = text.split()
    best = None
    for k in range(1, len(words)):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        if len(a) <= width and len(b) <= width:
            score = max(len(a), len(b))
            if best is None or score < best[0]:
                best = (score, [a, b])
    return best[1] if best else None


def sentence_cues(start: float, end: float, text: str) -> list[Cue]:
    if len(text) <= SRT_MAX_LINE:
        return [Cue(start, end, [text])]
    two = balance_two_lines(text, SRT_MAX_LINE)
    if two is not None:
        return [Cue(start, end, two)]
    # Too long for one cue: chunk into cues of up to two lines each and share
    # the sentence's time span among them in proportion to their length.
    lines = wrap_words(text.split(), SRT_MAX_LINE)
    groups = [lines[i : i + SRT_MAX_LINES] for i in range(0, len(lines), SRT_MAX_LINES)]
    total_chars = sum(len(" ".join(g)) for g in groups)
    cues: list[Cue] = []
    t = start
    for g in groups:
        span = (end - start) * len(" ".join(g)) / total_chars
        cues.append(Cue(t, t + span, g))
        t += span
    cues[-1].end = end
    return cues


def srt_time(t: float) -> str:
    ms = int(round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def write_srt(path: Path, timings: list[tuple[float, float, str]]) -> str:
    cues = [c for (s, e, text) in timings for c in sentence_cues(s, e, text)]
    blocks = [
        f"{i}\n{srt_time(c.start)} --> {srt_time(c.end)}\n" + "\n".join(c.lines) + "\n"
        for i, c in enumerate(cues, 1)
    ]
    content = "\n".join(blocks)
    path.write_text(content, encoding="utf-8", newline="\n")
    return content


# --------------------------------------------------------------------------
# Pictures (Pillow)
# --------------------------------------------------------------------------


def vertical_gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    w, h = size
    col = Image.new("RGB", (1, h))
    for y in range(h):
        f = y / max(1, h - 1)
        col.putpixel((0, y), tuple(round(top[i] + (bottom[i] - top[i]) * f) for i in range(3)))
    return col.resize((w, h), Image.NEAREST)


def draw_tree(d: ImageDraw.ImageDraw, x: int, ground: int, scale: float = 1.0) -> None:
    tw, th = int(14 * scale), int(60 * scale)
    d.rectangle([x - tw // 2, ground - th, x + tw // 2, ground], fill=(96, 64, 40))
    r = int(48 * scale)
    for dx, dy, rr, col in (
        (0, -th - r // 2, r, (46, 120, 58)),
        (-r // 2, -th, int(r * 0.8), (56, 138, 66)),
        (r // 2, -th + 4, int(r * 0.8), (40, 110, 52)),
    ):
        d.ellipse([x + dx - rr, ground + dy - rr, x + dx + rr, ground + dy + rr], fill=col)


def draw_windows(d, x0, y0, cols, rows, w, h, gx, gy, fill=(190, 215, 235), frame=(70, 70, 80)):
    for r in range(rows):
        for c in range(cols):
            x = x0 + c * (w + gx)
            y = y0 + r * (h + gy)
            d.rectangle([x, y, x + w, y + h], fill=frame)
            d.rectangle([x + 3, y + 3, x + w - 3, y + h - 3], fill=fill)


def cloud_sprite(w: int, h: int) -> Image.Image:
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    blobs = [(0.25, 0.62, 0.22), (0.45, 0.45, 0.3), (0.68, 0.55, 0.25), (0.5, 0.7, 0.25), (0.82, 0.68, 0.16)]
    for cx, cy, r in blobs:
        rx, ry = r * w * 0.9, r * h * 1.3
        d.ellipse([cx * w - rx, cy * h - ry, cx * w + rx, cy * h + ry], fill=(255, 255, 255, 235))
    return im


def bus_sprite() -> Image.Image:
    w, h = 250, 110
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle([0, 0, w - 1, h - 22], radius=14, fill=(250, 204, 0), outline=(60, 50, 0), width=3)
    d.rectangle([4, 60, w - 5, 70], fill=(0, 51, 102))
    for i in range(5):
        x = 14 + i * 40
        d.rounded_rectangle([x, 12, x + 32, 50], radius=4, fill=(150, 190, 220), outline=(60, 60, 60), width=2)
    d.rounded_rectangle([w - 34, 12, w - 8, 82], radius=4, fill=(150, 190, 220), outline=(60, 60, 60), width=2)
    for cx in (50, w - 60):
        d.ellipse([cx - 22, h - 44, cx + 22, h], fill=(30, 30, 30))
        d.ellipse([cx - 9, h - 31, cx + 9, h - 13], fill=(170, 170, 170))
    return im


def bird_sprite() -> Image.Image:
    im = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.line([(2, 6), (12, 14), (20, 10), (28, 14), (38, 4)], fill=(40, 40, 50, 255), width=3)
    return im


def text_overlay(
    size: tuple[int, int],
    lines: list[tuple[str, int]],
    top: int,
    banner: tuple[str, int, int] | None = None,
    left: int | None = None,
) -> Image.Image:
    """Big white text with a dark outline (centred, or left-aligned at `left`),
    plus an optional yellow banner (text, font size, y)."""
    w, h = size
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    y = top
    for text, fs in lines:
        f = font(fs)
        x0, y0, x1, y1 = d.textbbox((0, 0), text, font=f, stroke_width=max(3, fs // 14))
        x = (w - (x1 - x0)) // 2 if left is None else left
        d.text((x - x0, y - y0), text, font=f, fill="white", stroke_width=max(3, fs // 14), stroke_fill=(10, 25, 45))
        y += (y1 - y0) + fs // 6
    if banner is not None:
        text, fs, by = banner
        f = font(fs)
        x0, y0, x1, y1 = d.textbbox((0, 0), text, font=f)
        pad = fs // 3
        bw, bh = (x1 - x0) + 2 * pad, (y1 - y0) + 2 * pad
        bx = (w - bw) // 2 if left is None else left
        d.rounded_rectangle([bx, by, bx + bw, by + bh], radius=pad, fill=GOLD, outline=NAVY, width=4)
        d.text((bx + pad - x0, by + pad - y0), text, font=f, fill=NAVY)
    return im


def portrait_background() -> tuple[Image.Image, Image.Image]:
    """Town hall square, portrait, as (sky, RGBA foreground).

    Slightly larger than 540x960 so the crop can simulate a handheld drift.
    """
    W, H = 600, 1020
    ground = 760
    sky = vertical_gradient((W, H), (70, 140, 215), (200, 228, 248))
    ImageDraw.Draw(sky).ellipse([440, 60, 540, 160], fill=(255, 236, 150))  # sun
    im = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    # distant houses
    for i, (x, hh, col) in enumerate([(0, 180, (205, 180, 160)), (120, 150, (220, 200, 170)), (430, 170, (200, 170, 150)), (520, 140, (215, 195, 175))]):
        d.rectangle([x, ground - hh, x + 110, ground], fill=col)
        d.polygon([(x - 6, ground - hh), (x + 55, ground - hh - 55), (x + 116, ground - hh)], fill=(150, 70, 55))
        draw_windows(d, x + 15, ground - hh + 25, 3, 3, 20, 26, 12, 18)
    # town hall with clock tower
    d.rectangle([150, ground - 300, 450, ground], fill=(236, 226, 205), outline=(150, 140, 120), width=3)
    d.polygon([(140, ground - 300), (300, ground - 390), (460, ground - 300)], fill=(170, 72, 52))
    d.rectangle([255, ground - 560, 345, ground - 300], fill=(230, 218, 195), outline=(150, 140, 120), width=3)
    d.polygon([(245, ground - 560), (300, ground - 680), (355, ground - 560)], fill=(0, 51, 102))
    d.line([(300, ground - 680), (300, ground - 720)], fill=(80, 80, 80), width=3)
    d.polygon([(302, ground - 720), (336, ground - 710), (302, ground - 700)], fill=GOLD)  # flag
    d.ellipse([270, ground - 530, 330, ground - 470], fill="white", outline=(40, 40, 40), width=4)
    d.line([(300, ground - 500), (300, ground - 522)], fill=(20, 20, 20), width=4)
    d.line([(300, ground - 500), (316, ground - 500)], fill=(20, 20, 20), width=3)
    draw_windows(d, 172, ground - 270, 6, 2, 34, 50, 14, 30)
    d.rectangle([270, ground - 110, 330, ground], fill=(110, 70, 40))  # door
    d.arc([270, ground - 140, 330, ground - 80], 180, 360, fill=(110, 70, 40), width=30)
    # plaza
    d.rectangle([0, ground, W, H], fill=(176, 172, 166))
    for y in range(ground + 20, H, 40):
        d.line([(0, y), (W, y)], fill=(160, 156, 150), width=2)
    d.rectangle([0, 885, W, 975], fill=(95, 95, 100))  # street
    for x in range(10, W, 80):
        d.rectangle([x, 927, x + 40, 932], fill=(235, 235, 235))
    draw_tree(d, 70, ground + 40, 1.2)
    draw_tree(d, 530, ground + 40, 1.2)
    return sky, im


def landscape_background() -> tuple[Image.Image, Image.Image]:
    """Historic old town with a church, landscape, as (sky, RGBA foreground).

    Slightly larger than 960x540 so the crop can simulate a handheld drift.
    """
    W, H = 1040, 600
    ground = 470
    sky = vertical_gradient((W, H), (90, 150, 210), (215, 232, 245))
    ImageDraw.Draw(sky).ellipse([70, 30, 150, 110], fill=(255, 240, 170))  # sun
    im = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    # church: nave in the middle right, tower at the right edge
    d.rectangle([600, ground - 200, 850, ground], fill=(196, 170, 140), outline=(120, 100, 80), width=3)
    d.polygon([(590, ground - 200), (725, ground - 290), (860, ground - 200)], fill=(120, 60, 50))
    d.rectangle([850, ground - 360, 940, ground], fill=(186, 160, 130), outline=(120, 100, 80), width=3)
    d.polygon([(840, ground - 360), (895, ground - 470), (950, ground - 360)], fill=(60, 90, 80))
    d.line([(895, ground - 470), (895, ground - 500)], fill=(60, 60, 60), width=4)
    d.line([(883, ground - 490), (907, ground - 490)], fill=(60, 60, 60), width=4)
    d.ellipse([872, ground - 330, 918, ground - 284], fill=(240, 240, 230), outline=(50, 50, 50), width=3)
    for x in (625, 685, 745, 805):
        d.rectangle([x, ground - 160, x + 28, ground - 70], fill=(80, 90, 120))
        d.pieslice([x, ground - 174, x + 28, ground - 146], 180, 360, fill=(80, 90, 120))
    d.rectangle([878, ground - 90, 912, ground], fill=(90, 60, 40))
    # half-timbered houses
    for x, hh, col in [(40, 220, (245, 236, 215)), (200, 250, (240, 228, 200)), (360, 200, (248, 240, 222))]:
        d.rectangle([x, ground - hh, x + 150, ground], fill=col, outline=(90, 55, 35), width=5)
        for k in range(1, 3):
            yy = ground - hh + k * hh // 3
            d.line([(x, yy), (x + 150, yy)], fill=(90, 55, 35), width=5)
        for k in range(0, 150, 50):
            d.line([(x + k, ground - hh), (x + k + 50, ground - hh + hh // 3)], fill=(90, 55, 35), width=4)
            d.line([(x + k + 50, ground - hh), (x + k, ground - hh + hh // 3)], fill=(90, 55, 35), width=4)
        d.polygon([(x - 10, ground - hh), (x + 75, ground - hh - 90), (x + 160, ground - hh)], fill=(160, 70, 50))
        draw_windows(d, x + 18, ground - 2 * hh // 3 + 14, 3, 2, 26, 30, 20, hh // 3 - 30, frame=(90, 55, 35))
    draw_tree(d, 555, ground, 1.1)
    draw_tree(d, 1000, ground, 1.0)
    # cobblestones
    d.rectangle([0, ground, W, H], fill=(150, 140, 128))
    for y in range(ground + 12, H, 22):
        off = 0 if (y // 22) % 2 else 18
        for x in range(-off, W, 36):
            d.rounded_rectangle([x + 2, y - 8, x + 32, y + 8], radius=5, fill=(165, 155, 142))
    return sky, im


# --------------------------------------------------------------------------
# Video
# --------------------------------------------------------------------------


def encode_clip(
    tmp: Path,
    stem: str,
    background: Image.Image,
    layers: list[tuple[Image.Image, str, str]],
    overlay: Image.Image,
    picture_size: tuple[int, int],
    transpose: str | None,
    speech: Pcm,
    seed: int,
) -> Path:
    """Render the scene + speech to an H.264/AAC QuickTime file (no rotation yet).

    layers: RGBA images (image, x-expression, y-expression), composited in
    order over the background (sky) before the handheld-drift crop, so moving
    sprites can pass behind or in front of the static scenery; overlay: text
    layer added after the crop (it does not drift).
    """
    duration = speech.duration
    frames = round(duration * FPS)
    pw, ph = picture_size
    bw, bh = background.size
    mx, my = (bw - pw) // 2, (bh - ph) // 2

    bg_png = tmp / f"{stem}_bg.png"
    background.save(bg_png)
    ov_png = tmp / f"{stem}_text.png"
    overlay.save(ov_png)
    speech_wav = tmp / f"{stem}_speech.wav"
    write_wav(speech_wav, speech)

    inputs: list[str] = ["-loop", "1", "-framerate", str(FPS), "-i", str(bg_png)]
    for i, (sprite, _, _) in enumerate(layers):
        p = tmp / f"{stem}_sprite{i}.png"
        sprite.save(p)
        inputs += ["-loop", "1", "-framerate", str(FPS), "-i", str(p)]
    text_idx = 1 + len(layers)
    inputs += ["-loop", "1", "-framerate", str(FPS), "-i", str(ov_png)]
    speech_idx = text_idx + 1
    inputs += ["-i", str(speech_wav)]

    chain = []
    cur = "[0:v]"
    for i, (_, xe, ye) in enumerate(layers):
        chain.append(f"{cur}[{i + 1}:v]overlay=x='{xe}':y='{ye}':format=rgb[s{i}]")
        cur = f"[s{i}]"
    # gentle handheld drift
    ax, ay = min(DRIFT_PX, mx), min(DRIFT_PX, my)
    crop = f"crop={pw}:{ph}:x='{mx}+{ax}*sin(t*0.7)':y='{my}+{ay}*sin(t*0.9+0.5)'"
    chain.append(f"{cur}{crop}[c]")
    post = f"[c][{text_idx}:v]overlay=0:0:format=rgb"
    if transpose:
        post += f",transpose={transpose}"
    post += ",scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,format=yuv420p[v]"
    chain.append(post)
    # speech over quiet, seeded room tone
    chain.append(
        f"anoisesrc=r=48000:color=brown:amplitude=0.05:seed={seed}:duration={duration},"
        f"lowpass=f=900,highpass=f=60,volume=0.35[room]"
    )
    chain.append(f"[{speech_idx}:a]aresample=48000:resampler=soxr,volume=0.8[sp]")
    chain.append("[sp][room]amix=inputs=2:duration=first:normalize=0,alimiter=limit=0.95:level=false,"
                 "aformat=sample_fmts=fltp:channel_layouts=stereo[a]")

    out = tmp / f"{stem}_enc.mov"
    ffmpeg(
        [
            *inputs,
            "-filter_complex", ";".join(chain),
            "-map", "[v]", "-map", "[a]",
            "-frames:v", str(frames), "-t", f"{duration:.3f}",
            "-c:v", "libx264", "-preset", "medium", "-crf", str(CRF), "-profile:v", "high",
            "-threads", "1", "-g", str(GOP), "-bf", "2", "-tag:v", "avc1",
            "-r", str(FPS), "-pix_fmt", "yuv420p",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
            "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", "48000", "-ac", "2",
            "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-fflags", "+bitexact",
            "-map_metadata", "-1",
            str(out),
        ]
    )
    return out


def finalize_mov(encoded: Path, dest: Path, rotation: int | None) -> None:
    """Stream-copy into the final MOV, adding the display matrix and phone metadata."""
    pre = ["-display_rotation:v:0", str(rotation)] if rotation is not None else []
    meta: list[str] = []
    for k, v in PHONE_METADATA.items():
        meta += ["-metadata", f"{k}={v}"]
    ffmpeg(
        [
            *pre, "-i", str(encoded),
            "-map", "0", "-c", "copy",
            "-map_metadata", "-1",
            *meta,
            "-movflags", "use_metadata_tags",
            "-fflags", "+bitexact",
            "-f", "mov",
            str(dest),
        ]
    )


# --------------------------------------------------------------------------
# Logo
# --------------------------------------------------------------------------


def make_logo(dest: Path) -> None:
    W, H = 600, 200
    im = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    # shield
    sx, sy, sw, sh = 20, 14, 140, 172
    shield = [
        (sx, sy), (sx + sw, sy), (sx + sw, sy + sh * 0.55),
        (sx + sw / 2, sy + sh), (sx, sy + sh * 0.55),
    ]
    d.polygon(shield, fill=NAVY)
    # stylised tower in gold, clipped to the shield
    emblem = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    e = ImageDraw.Draw(emblem)
    cx = sx + sw / 2
    top = sy + 26
    base = sy + sh * 0.66
    e.rectangle([cx - 26, top + 16, cx + 26, base], fill=GOLD)
    for k in range(3):  # battlements
        x = cx - 26 + k * 20
        e.rectangle([x, top, x + 12, top + 16], fill=GOLD)
    e.rectangle([cx - 9, base - 30, cx + 9, base], fill=NAVY)  # gate
    e.pieslice([cx - 9, base - 40, cx + 9, base - 22], 180, 360, fill=NAVY)
    e.rectangle([cx - 6, top + 28, cx + 6, top + 44], fill=NAVY)  # window
    e.rectangle([sx, base, sx + sw, base + 10], fill=GOLD)  # town wall
    for k in range(-3, 4):  # its battlements
        e.rectangle([cx + k * 18 - 5, base - 8, cx + k * 18 + 5, base], fill=GOLD)
    mask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(mask).polygon(shield, fill=255)
    emblem.putalpha(ImageChops.multiply(emblem.getchannel("A"), mask))
    im.alpha_composite(emblem)
    d.polygon(shield, outline="white", width=6)
    # text, two lines, white with dark outline
    tx = sx + sw + 26
    avail = W - tx - 12
    for size in range(80, 20, -2):
        f_big = font(size)
        if d.textlength("Musterstadt", font=f_big) + 8 <= avail:
            break
    f_small = font(int(size * 0.7))
    stroke = 5
    y = 28
    for text, f in (("Stadt", f_small), ("Musterstadt", f_big)):
        x0, y0, x1, y1 = d.textbbox((0, 0), text, font=f, stroke_width=stroke)
        d.text((tx - x0, y - y0), text, font=f, fill="white", stroke_width=stroke, stroke_fill=(0, 26, 51))
        y += (y1 - y0) + 10
    # gold underline
    d.rounded_rectangle([tx, y + 4, tx + avail - 10, y + 12], radius=4, fill=GOLD, outline=(0, 26, 51), width=2)
    im.save(dest, optimize=True)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def make_clips(root: Path, espeak: str, tmp: Path) -> None:
    out_dir = root / "footage" / "example"
    out_dir.mkdir(parents=True, exist_ok=True)

    # IMG_0001: portrait, stored landscape + display matrix
    speech1, timings1 = build_speech_track(espeak, CLIP1_SENTENCES, tmp, "clip1")
    overlay1 = text_overlay(
        (540, 960),
        [("Ausbildung", 76), ("im Bürgerbüro", 62)],
        top=70,
        banner=("Jetzt bewerben!", 46, 800),
    )
    bus_y = 975 - 110 + 4  # wheels on the street (see portrait_background)
    sky1, town1 = portrait_background()
    enc1 = encode_clip(
        tmp, "clip1", sky1,
        [
            (cloud_sprite(220, 90), "-240+t*22", "190"),
            (cloud_sprite(160, 64), "330+t*14", "300"),
            (town1, "0", "0"),
            (bus_sprite(), "640-t*115", str(bus_y)),
        ],
        overlay1, (540, 960), PORTRAIT_TRANSPOSE, speech1, seed=1,
    )
    finalize_mov(enc1, out_dir / "IMG_0001.MOV", PORTRAIT_ROTATION)
    write_srt(root / "tests" / "data" / "example_IMG_0001.srt", timings1)

    # IMG_0002: landscape
    speech2, timings2 = build_speech_track(espeak, CLIP2_SENTENCES, tmp, "clip2")
    overlay2 = text_overlay(
        (960, 540),
        [("Tag des offenen", 64), ("Denkmals", 64)],
        top=40,
        banner=("Sonntag · Eintritt frei", 36, 440),
        left=None,
    )
    sky2, town2 = landscape_background()
    enc2 = encode_clip(
        tmp, "clip2", sky2,
        [
            (cloud_sprite(260, 100), "-280+t*30", "70"),
            (cloud_sprite(180, 70), "700+t*18", "150"),
            (town2, "0", "0"),
            (bird_sprite(), "1040-t*90", "150+8*sin(t*3)"),
        ],
        overlay2, (960, 540), None, speech2, seed=2,
    )
    finalize_mov(enc2, out_dir / "IMG_0002.MOV", None)
    write_srt(root / "tests" / "data" / "example_IMG_0002.srt", timings2)


def make_wer_sample(root: Path, espeak: str, tmp: Path) -> None:
    out_dir = root / "tests" / "data"
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = tmp / "wer_raw.wav"
    pcm = trim_silence(synth(espeak, WER_TEXT, WER_SPEECH_RATE, raw), margin=0.0)
    if pcm.duration > WER_MAX_SECONDS - 0.6:
        raise SystemExit(f"WER sample too long ({pcm.duration:.1f} s); shorten WER_TEXT")
    pad = array.array("h", [0] * round(0.3 * pcm.rate))
    padded = tmp / "wer_padded.wav"
    write_wav(padded, Pcm(pcm.rate, pad + pcm.samples + pad))
    ffmpeg(
        [
            "-i", str(padded),
            "-af", "aresample=16000:resampler=soxr",
            "-c:a", "pcm_s16le", "-ar", "16000", "-ac", "1",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
            str(out_dir / "speech_de.wav"),
        ]
    )
    (out_dir / "speech_de.txt").write_text(WER_TEXT + "\n", encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    default_root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=default_root, metavar="ROOT",
                    help=f"root to write into (default: {default_root})")
    args = ap.parse_args(argv)
    root: Path = args.out.resolve()

    espeak = require_espeak()
    with tempfile.TemporaryDirectory(prefix="example_media_") as td:
        tmp = Path(td)
        make_clips(root, espeak, tmp)
        make_wer_sample(root, espeak, tmp)
    logo_dir = root / "brand" / "example"
    logo_dir.mkdir(parents=True, exist_ok=True)
    make_logo(logo_dir / "logo.png")

    for rel in (
        "footage/example/IMG_0001.MOV", "tests/data/example_IMG_0001.srt",
        "footage/example/IMG_0002.MOV", "tests/data/example_IMG_0002.srt",
        "tests/data/speech_de.wav", "tests/data/speech_de.txt", "brand/example/logo.png",
    ):
        p = root / rel
        print(f"{p.stat().st_size:>9,d}  {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
