"""The benchmark's inputs, generated with the bundled ffmpeg into a work folder.

- `footage/sdr.mp4`: a 1920x1080 30 fps H.264 landscape "phone" clip of N seconds. The picture is
  ffmpeg's testsrc2 with temporal noise on top: without noise a synthetic picture compresses to
  almost nothing and x264 would have far less work than with camera footage.
  The sound is the committed German speech (tests/data/speech_de.wav, 18.7 s, text known)
  repeated every 20 s, so Whisper hears speech for most of the clip and the reference text of
  the whole clip is known; 48 kHz stereo AAC as a phone records it.
- `footage/hlg.mp4`: the same clip as 10-bit HLG HEVC (BT.2020, arib-std-b67, reference white at
  203 cd/m² as BT.2408 places it), tagged like an iPhone's HDR video; the same audio, copied.
- `bench.yaml` (reframe blur, the shipped default; videos `sdr` and `hlg`) and
  `bench-fit.yaml` (reframe fit: the picture padded, as the moviepy and bare-encode runs do),
  both with the shipped kit brand/example.

For `bench.py --job`, `generate_clip` makes one such SDR clip of any size and frame rate in a
folder of its own, with a job file for every 9:16 target (tiktok, reels, shorts).
"""

from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SPEECH = REPO / "tests/data/speech_de.wav"
SPEECH_TEXT = REPO / "tests/data/speech_de.txt"
BRANDS = REPO / "brand"
PERIOD = 20.0        # seconds from one start of the speech passage to the next
GLOSSARY = ["Landesamt für Denkmalpflege", "Tag des offenen Denkmals"]  # as jobs/example.yaml
_QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
NINE_SIXTEEN = ("tiktok", "reels", "shorts")   # every 9:16 platform: one job makes them all


@dataclass(frozen=True)
class Inputs:
    folder: Path
    seconds: float
    sdr: Path
    hlg: Path
    job: Path          # reframe blur: videos "sdr" and "hlg"
    job_fit: Path      # reframe fit: video "sdr"
    reference: str | None   # what is said in the clip; None if the passage does not fit whole


@dataclass(frozen=True)
class Clip:
    """One generated SDR clip and its job (every 9:16 target, reframe blur)."""
    folder: Path
    seconds: float
    width: int
    height: int
    fps: int
    path: Path
    job: Path
    video: str
    reference: str | None

    @property
    def label(self) -> str:
        return f"{self.seconds:g} s {self.width}x{self.height} {self.fps} fps"


def generate(ffmpeg: str, folder: Path, seconds: float) -> Inputs:
    """Write (or reuse, when already there for the same length) every input into `folder`."""
    footage = folder / "footage"
    footage.mkdir(parents=True, exist_ok=True)
    sdr, hlg = footage / "sdr.mp4", footage / "hlg.mp4"
    speech, passages = _speech_track(folder / f"speech-{seconds:g}.wav", seconds)
    stamp = folder / f"inputs-{seconds:g}.done"
    if not stamp.is_file():  # a finished set only: a run stopped half-way starts over
        _make_sdr(ffmpeg, speech, sdr, seconds, 1920, 1080, 30)
        _make_hlg(ffmpeg, sdr, hlg)
        stamp.touch()
    return Inputs(folder, seconds, sdr, hlg, _job(folder / "bench.yaml", "blur", ["sdr", "hlg"]),
                  _job(folder / "bench-fit.yaml", "fit", ["sdr"]), _reference(passages))


def generate_clip(ffmpeg: str, folder: Path, seconds: float, width: int, height: int,
                  fps: int) -> Clip:
    """One SDR clip of this size and frame rate, and a job rendering it to every 9:16 target,
    in `folder` (reused when already there)."""
    footage = folder / "footage"
    footage.mkdir(parents=True, exist_ok=True)
    video = f"clip{width}x{height}p{fps}"
    path = footage / f"{video}.mp4"
    speech, passages = _speech_track(folder / f"speech-{seconds:g}.wav", seconds)
    stamp = folder / f"{video}-{seconds:g}.done"
    if not stamp.is_file():
        _make_sdr(ffmpeg, speech, path, seconds, width, height, fps)
        stamp.touch()
    job = _job(folder / "job.yaml", "blur", [video], NINE_SIXTEEN)
    return Clip(folder, seconds, width, height, fps, path, job, video, _reference(passages))


def variant(job: Path, suffix: str, **keys: object) -> Path:
    """A copy of a job file beside it with some top-level keys set (its own name, so its own
    caption folder and output folder)."""
    spec = yaml.safe_load(job.read_text(encoding="utf-8"))
    path = job.with_name(f"{job.stem}-{suffix}.yaml")
    spec.update(name=path.stem, **keys)
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _reference(passages: int) -> str | None:
    text = SPEECH_TEXT.read_text(encoding="utf-8").strip()
    return " ".join([text] * passages) if passages else None


def _speech_track(dst: Path, seconds: float) -> tuple[Path, int]:
    """16 kHz mono WAV of `seconds`: the speech passage every PERIOD s, silence between.
    Returns the path and how many whole passages it holds (a cut one is not counted)."""
    with wave.open(str(SPEECH), "rb") as w:
        rate, width, frames = w.getframerate(), w.getsampwidth(), w.readframes(w.getnframes())
        assert w.getnchannels() == 1
    total = round(seconds * rate) * width
    period = round(PERIOD * rate) * width
    block = frames[:period].ljust(period, b"\0")
    data = (block * (total // period + 1))[:total]
    whole = sum(1 for k in range(total // period + 1) if k * period + len(frames) <= total)
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)
    return dst, whole


def _make_sdr(ffmpeg: str, speech: Path, dst: Path, seconds: float, width: int, height: int,
              fps: int) -> None:
    picture = f"testsrc2=s={width}x{height}:r={fps}:d={seconds:g},noise=alls=6:allf=t"
    # A phone's bitrate for the size: 16 Mb/s at 1920x1080, by pixel count below it.
    rate = max(2, round(16 * width * height / (1920 * 1080)))
    subprocess.run([
        ffmpeg, *_QUIET, "-f", "lavfi", "-i", picture, "-i", str(speech),
        "-map", "0:v", "-map", "1:a", "-t", f"{seconds:g}",
        # Roughly what a phone writes: High profile, 1 s GOP, 16 Mb/s at 1080p, BT.709 tagged.
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{rate}M",
        "-maxrate", f"{rate * 5 // 4}M", "-bufsize", f"{rate * 2}M", "-g", str(fps),
        "-profile:v", "high", "-pix_fmt", "yuv420p", "-color_primaries", "bt709",
        "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
        str(dst)], check=True)


def _make_hlg(ffmpeg: str, sdr: Path, dst: Path) -> None:
    # One zscale step: BT.709 SDR in, HLG BT.2020 out, SDR white placed at 203 cd/m² (npl).
    to_hlg = ("zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:"
              "t=arib-std-b67:m=bt2020nc:p=bt2020:r=tv:npl=203,format=yuv420p10le")
    tags = "colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:log-level=error"
    subprocess.run([
        ffmpeg, *_QUIET, "-i", str(sdr), "-vf", to_hlg,
        "-c:v", "libx265", "-preset", "ultrafast", "-b:v", "12M", "-x265-params", tags,
        "-tag:v", "hvc1", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67",
        "-colorspace", "bt2020nc", "-color_range", "tv", "-c:a", "copy",
        "-movflags", "+faststart", str(dst)], check=True)


def _job(path: Path, reframe: str, videos: list[str],
         targets: tuple[str, ...] = ("tiktok", "reels")) -> Path:
    job = {"name": path.stem, "brand": "example", "footage": "footage", "language": "de",
           "targets": list(targets), "reframe": reframe,
           "captions": {"burn_in": True, "style": "block", "glossary": GLOSSARY},
           "videos": [{"name": v, "title": "Tag des offenen Denkmals",
                       "clips": [{"file": f"{v}.mp4"}]} for v in videos]}
    path.write_text(yaml.safe_dump(job, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
