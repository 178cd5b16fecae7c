"""A German dev set of real voices, rebuilt from pinned public recordings; see devset/README.md.

    python benchmarks/devset.py build OUT_DIR [--mirror DIR] [--conditions clean,street,...]
    python benchmarks/devset.py list

`build` takes every row of devset/sources.tsv out of a bare git mirror of its repository
(`git --git-dir=MIRROR/OWNER+REPO show COMMIT:PATH`), checks its SHA-256, decodes it to 16 kHz
mono and writes OUT_DIR/CONDITION/CLIP.wav for every condition (clean, the clip in a room, on a
street, ...) and OUT_DIR/index.json. Every degradation is an ffmpeg filter graph with fixed
noise seeds; numpy only measures levels, so that each clip's SNR is set from its own speech.
No recording is committed: the table names them, this script fetches them from the mirror.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "devset" / "sources.tsv"
MIRROR = Path("/work/.mirror")
RATE = 16_000
FRAME = RATE // 50             # 20 ms frames for the active-speech level
ACTIVE_RANGE_DB = 40.0         # frames within this of the loudest frame count as speech
PEAK = 0.97                    # a mix louder than this is turned down as a whole (16-bit WAV)


class DevsetError(Exception):
    """One line for the user: what is wrong and what to do."""


@dataclass(frozen=True)
class Clip:
    clip: str
    group: str                 # "dev": headline numbers; "extra": reported apart
    seconds: float
    speaker: str
    reference: str
    glossary: tuple[str, ...]
    source: str                # owner/repo@commit
    path: str
    licence: str
    sha256: str

    @property
    def repo(self) -> str:
        return self.source.split("@", 1)[0]

    @property
    def commit(self) -> str:
        return self.source.split("@", 1)[1]


def read_sources(path: Path = SOURCES) -> list[Clip]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Clip(r["clip"], r["group"], float(r["seconds"]), r["speaker"], r["reference"],
                 tuple(t.strip() for t in r["glossary"].split(",") if t.strip()), r["source"],
                 r["path"], r["licence"], r["sha256"]) for r in rows]


# --- conditions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Room:
    """A room as an impulse response: a unit direct sound, then from `predelay` on white noise
    (seeded), lowpassed for air and wall absorption, decaying by 60 dB in `rt60` seconds, scaled
    so that direct/reverberant energy is `drr_db`."""
    rt60: float
    drr_db: float
    seed: int
    lowpass: int = 4000
    predelay: float = 0.006


@dataclass(frozen=True)
class Condition:
    name: str
    what: str
    room: Room | None = None            # reverberation of the speech
    band: str = ""                      # filters applied to speech and noise alike (a microphone)
    noise: str = ""                     # lavfi graph of the noise; DUR is replaced by the length
    snr_db: float | None = None         # active speech level over noise RMS, per clip
    level_dbfs: float | None = None     # active speech level of the mix (a far microphone)
    aac_kbps: int = 0                   # round trip through AAC at 48 kHz
    base: str = ""                      # built from another condition's result (phone: hallway)


def _noise(color: str, seed: int, amp: float = 0.5) -> str:
    return f"anoisesrc=r={RATE}:c={color}:seed={seed}:a={amp}:d=DUR"


# Babble-ish: pink noise in three speech bands, each switched on and off at syllable-like rates
# (two tremolos at unrelated rates so that the envelope does not repeat).
_BABBLE = ";".join([
    f"{_noise('pink', 201)},bandpass=f=450:width_type=q:w=1.2,tremolo=f=3.3:d=0.9,"
    "tremolo=f=0.71:d=0.5[b1]",
    f"{_noise('pink', 202)},bandpass=f=1100:width_type=q:w=1.2,tremolo=f=4.6:d=0.9,"
    "tremolo=f=0.53:d=0.5[b2]",
    f"{_noise('pink', 203)},bandpass=f=2400:width_type=q:w=1.0,tremolo=f=5.9:d=0.85,"
    "tremolo=f=0.37:d=0.5[b3]",
    f"{_noise('brown', 204)},lowpass=f=300,volume=0.4[b4]",  # ventilation hum of the building
    "[b1][b2][b3][b4]amix=inputs=4:weights='1 0.8 0.5 1':normalize=0"])

CONDITIONS: dict[str, Condition] = {c.name: c for c in [
    Condition("clean", "the recording as published, 16 kHz mono"),
    Condition("reverb", "an office, phone at arm's length: RT60 0.5 s, direct/reverberant +2 dB",
              room=Room(0.5, 2.0, seed=11)),
    Condition("street", "traffic: brown noise lowpassed at 1.2 kHz, pink noise 100 Hz-5 kHz with "
              "slow swells (passing cars), an engine's 43 Hz rumble; 6 dB SNR",
              noise=";".join([
                  f"{_noise('brown', 101)},lowpass=f=1200[s1]",
                  f"{_noise('pink', 102)},highpass=f=100,lowpass=f=5000,tremolo=f=0.12:d=0.6[s2]",
                  f"aevalsrc='0.3*sin(2*PI*43*t)*(0.7+0.3*sin(2*PI*0.23*t))':s={RATE}:d=DUR,"
                  "lowpass=f=120[s3]",
                  "[s1][s2][s3]amix=inputs=3:weights='1 0.6 1':normalize=0"]),
              snr_db=6.0),
    Condition("hallway", "a hard hallway: RT60 0.9 s, direct/reverberant 0 dB, babble-ish "
              "noise (speech-band noise switched at syllable rates) and hum; 10 dB SNR",
              room=Room(0.9, 0.0, seed=12), noise=_BABBLE, snr_db=10.0),
    Condition("wind", "wind on the microphone: brown noise lowpassed at 250 Hz in gusts (two slow "
              "tremolos) with a gusty 200 Hz-1 kHz rustle; 5 dB SNR",
              noise=";".join([
                  f"{_noise('brown', 301)},lowpass=f=250,tremolo=f=0.35:d=0.85,"
                  "tremolo=f=0.9:d=0.6[w1]",
                  f"{_noise('pink', 302)},highpass=f=200,lowpass=f=1000,tremolo=f=0.5:d=0.95[w2]",
                  "[w1][w2]amix=inputs=2:weights='1 0.3':normalize=0"]),
              snr_db=5.0),
    Condition("far", "a microphone across the room: RT60 0.6 s, direct/reverberant -3 dB, "
              "band-limited to 200 Hz-4 kHz, pink room noise at 20 dB SNR, speech at -50 dBFS",
              room=Room(0.6, -3.0, seed=13), band="highpass=f=200,lowpass=f=4000",
              noise=_noise("pink", 401), snr_db=20.0, level_dbfs=-50.0),
    Condition("aac96", "the clean clip through AAC 96 kb/s (48 kHz, ffmpeg's aac) and back",
              aac_kbps=96),
    Condition("phone", "a phone in the hallway: the hallway condition through AAC 96 kb/s",
              base="hallway", aac_kbps=96),
]}


# --- ffmpeg and levels ----------------------------------------------------------------------


def ffmpeg(*args: str) -> bytes:
    argv = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-y", *args]
    proc = subprocess.run(argv, capture_output=True)
    if proc.returncode:
        raise DevsetError(f"ffmpeg failed ({proc.stderr.decode(errors='replace').strip()}): "
                          f"{' '.join(argv)}")
    return proc.stdout


def read_audio(path: Path) -> np.ndarray:
    """Any audio file as 16 kHz mono float32."""
    raw = ffmpeg("-i", f"file:{path}", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-")
    return np.frombuffer(raw, np.float32)


def active_rms(x: np.ndarray) -> float:
    """RMS over the 20 ms frames within 40 dB of the loudest: the speech, not its pauses."""
    frames = x[: len(x) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    power = (frames ** 2).mean(axis=1)
    keep = power >= power.max() * 10 ** (-ACTIVE_RANGE_DB / 10)
    return float(math.sqrt(power[keep].mean()))


def rms(x: np.ndarray) -> float:
    return float(math.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


def db(x: float) -> float:
    return round(20 * math.log10(max(x, 1e-12)), 2)


def make_ir(room: Room, tmp: Path) -> Path:
    """The room's impulse response as a WAV: the tail made by ffmpeg, its level measured here."""
    tail = tmp / f"tail-{room.seed}.wav"
    n = int(room.rt60 * RATE)
    ffmpeg("-f", "lavfi", "-i",
           f"anoisesrc=r={RATE}:c=white:seed={room.seed}:a=1:d={room.rt60},"
           f"lowpass=f={room.lowpass},aeval='if(lt(t\\,{room.predelay})\\,0\\,"
           f"val(0)*exp(-6.9078*t/{room.rt60}))',atrim=end_sample={n}",
           "-c:a", "pcm_f32le", f"file:{tail}")
    energy = float(np.sum(read_audio(tail).astype(np.float64) ** 2))
    scale = math.sqrt(10 ** (-room.drr_db / 10) / energy)  # direct sound has energy 1
    ir = tmp / f"ir-{room.seed}.wav"
    ffmpeg("-i", f"file:{tail}", "-af", f"aeval='if(eq(n\\,0)\\,1\\,val(0)*{scale:.8g})'",
           "-c:a", "pcm_f32le", f"file:{ir}")
    return ir


def degrade(clean: Path, cond: Condition, ir: Path | None, out: Path, tmp: Path) -> dict:
    """One clip in one condition; returns the levels it was made with."""
    dry = read_audio(clean)
    n = len(dry)
    info: dict = {}
    speech = clean
    if ir is not None or cond.band:
        speech = tmp / f"{out.stem}.{cond.name}.speech.wav"
        chain = ["[0:a][1:a]afir=irnorm=-1:gtype=none"] if ir is not None else ["[0:a]anull"]
        chain += [cond.band] if cond.band else []
        ffmpeg("-i", f"file:{clean}", *(["-i", f"file:{ir}"] if ir is not None else []),
               "-filter_complex", ",".join(chain), "-c:a", "pcm_f32le", f"file:{speech}")
    s = read_audio(speech)
    # Reverberation must not change loudness: the room's speech is set to the clean level.
    g_speech = active_rms(dry) / active_rms(s) if speech != clean else 1.0
    inputs = ["-i", f"file:{speech}"]
    graph = f"[0:a]volume={g_speech:.8g}[s]"
    mix = s.astype(np.float64) * g_speech
    if cond.noise:
        noise = tmp / f"{out.stem}.{cond.name}.noise.wav"
        graph_n = cond.noise.replace("DUR", f"{n / RATE + 0.1:.3f}")
        graph_n += f",{cond.band}" if cond.band else ""
        ffmpeg("-filter_complex", f"{graph_n},atrim=end_sample={n},apad=whole_len={n}",
               "-c:a", "pcm_f32le", f"file:{noise}")
        z = read_audio(noise)[:n]
        level = active_rms(mix)
        g_noise = level / (rms(z) * 10 ** (cond.snr_db / 20))
        inputs += ["-i", f"file:{noise}"]
        graph += f";[1:a]volume={g_noise:.8g}[n];[s][n]amix=inputs=2:normalize=0:duration=first"
        mix = mix[: len(z)] + z.astype(np.float64) * g_noise
        noise_rms = rms(z) * g_noise
        info.update(snr_db=round(db(level) - db(noise_rms), 2))
    level = active_rms(s) * g_speech  # the speech alone, whatever noise is added
    gain = 1.0 if cond.level_dbfs is None else 10 ** (cond.level_dbfs / 20) / level
    peak = float(np.abs(mix).max()) * gain
    if peak > PEAK:  # a 16-bit file would clip: the whole mix down, SNR unchanged
        gain *= PEAK / peak
    graph += f",volume={gain:.8g}" if cond.noise else f";[s]volume={gain:.8g}"
    info.update(speech_dbfs=db(level * gain), gain_db=db(gain))
    if cond.noise:
        info.update(noise_dbfs=db(noise_rms * gain))
    if cond.aac_kbps:
        m4a = tmp / f"{out.stem}.{cond.name}.m4a"
        ffmpeg(*inputs, "-filter_complex", f"{graph},aresample=48000", "-c:a", "aac",
               "-b:a", f"{cond.aac_kbps}k", f"file:{m4a}")
        ffmpeg("-i", f"file:{m4a}", "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le",
               f"file:{out}")
    else:
        ffmpeg(*inputs, "-filter_complex", graph, "-ac", "1", "-ar", str(RATE),
               "-c:a", "pcm_s16le", f"file:{out}")
    return info


# --- fetching -------------------------------------------------------------------------------


def git_dir(mirror: Path, repo: str) -> Path:
    """A bare mirror is MIRROR/OWNER+REPO, or its repo/ subfolder (as the fetch tool leaves it)."""
    base = mirror / repo.replace("/", "+")
    return base / "repo" if (base / "repo" / "HEAD").is_file() else base


def fetch_bytes(clip: Clip, mirror: Path) -> bytes:
    gd = git_dir(mirror, clip.repo)
    how = (f"get it with `git clone --bare https://github.com/{clip.repo} "
           f"{mirror / clip.repo.replace('/', '+')}` or pass --mirror DIR")
    if not (gd / "HEAD").is_file():
        raise DevsetError(f"{clip.clip}: no mirror of {clip.repo} at {gd}; {how}")
    proc = subprocess.run(["git", f"--git-dir={gd}", "show", f"{clip.commit}:{clip.path}"],
                          capture_output=True)
    if proc.returncode:
        raise DevsetError(f"{clip.clip}: {clip.path} at {clip.commit[:12]} is not in {gd} "
                          f"({proc.stderr.decode(errors='replace').strip().splitlines()[-1]}); "
                          f"the mirror may be older than the commit: {how}")
    got = hashlib.sha256(proc.stdout).hexdigest()
    if got != clip.sha256:
        raise DevsetError(f"{clip.clip}: {clip.repo}@{clip.commit[:12]}:{clip.path} has SHA-256 "
                          f"{got[:12]}, not the pinned {clip.sha256[:12]}; re-fetch the mirror "
                          f"({how})")
    return proc.stdout


def build(out_dir: Path, mirror: Path, names: Sequence[str], jobs: int = 2) -> dict:
    clips = read_sources()
    conds = [CONDITIONS[n] for n in names]
    for c in list(conds):  # a condition built on another needs that one first
        if c.base and CONDITIONS[c.base] not in conds:
            conds.insert(conds.index(c), CONDITIONS[c.base])
    raw = {c.clip: fetch_bytes(c, mirror) for c in clips}  # every error before any work
    for c in conds:
        (out_dir / c.name).mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, dict]] = {c.name: {} for c in conds}
    with tempfile.TemporaryDirectory(prefix="devset-") as t:
        tmp = Path(t)
        irs = {c.name: make_ir(c.room, tmp) for c in conds if c.room}
        clean_dir = out_dir / "clean"
        clean_dir.mkdir(parents=True, exist_ok=True)

        def one(clip: Clip) -> None:
            src = tmp / f"{clip.clip}{Path(clip.path).suffix}"
            src.write_bytes(raw[clip.clip])
            clean = clean_dir / f"{clip.clip}.wav"
            ffmpeg("-i", f"file:{src}", "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le",
                   f"file:{clean}")
            for cond in conds:
                out = out_dir / cond.name / f"{clip.clip}.wav"
                if cond.name == "clean":
                    info = {"speech_dbfs": db(active_rms(read_audio(clean)))}
                elif cond.base:
                    base = out_dir / cond.base / f"{clip.clip}.wav"
                    degrade(base, Condition(cond.name, "", aac_kbps=cond.aac_kbps), None, out,
                            tmp)  # the base's levels stand: AAC keeps them
                    info = dict(files[cond.base][clip.clip])
                else:
                    info = degrade(clean, cond, irs.get(cond.name), out, tmp)
                seconds = len(read_audio(out)) / RATE
                files[cond.name][clip.clip] = {**info, "path": f"{cond.name}/{clip.clip}.wav",
                                               "seconds": round(seconds, 3)}

        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, clips))
    index = {
        "version": 1, "sample_rate": RATE, "sources": str(SOURCES.relative_to(HERE.parent)),
        "ffmpeg": imageio_ffmpeg.get_ffmpeg_version(),
        "clips": [{k: v for k, v in asdict(c).items()} | {"glossary": list(c.glossary)}
                  for c in clips],
        "conditions": {c.name: asdict(c) for c in conds},
        "files": {name: dict(sorted(v.items())) for name, v in files.items()},
    }
    (out_dir / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False),
                                        encoding="utf-8")
    return index


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="fetch, check and degrade every clip into OUT_DIR")
    b.add_argument("out_dir", type=Path)
    b.add_argument("--mirror", type=Path, default=MIRROR,
                   help=f"folder of bare git mirrors named OWNER+REPO (default {MIRROR})")
    b.add_argument("--conditions", default=",".join(CONDITIONS),
                   help=f"comma-separated, of {', '.join(CONDITIONS)}")
    b.add_argument("--jobs", type=int, default=2)
    sub.add_parser("list", help="the clips and conditions")
    args = ap.parse_args(argv)
    if args.cmd == "list":
        clips = read_sources()
        for c in clips:
            print(f"{c.clip:32} {c.group:5} {c.seconds:6.2f} s  {c.licence.split(' ')[0]}")
        for g in ("dev", "extra"):
            print(f"{g}: {sum(c.seconds for c in clips if c.group == g):.1f} s")
        for c in CONDITIONS.values():
            print(f"{c.name:8} {c.what}")
        return 0
    names = [n.strip() for n in args.conditions.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        print(f"devset: unknown condition {', '.join(unknown)} (known: {', '.join(CONDITIONS)})",
              file=sys.stderr)
        return 2
    try:
        index = build(args.out_dir, args.mirror, names, args.jobs)
    except DevsetError as e:
        print(f"devset: {e}", file=sys.stderr)
        return 1
    dev = sum(c["seconds"] for c in index["clips"] if c["group"] == "dev")
    print(f"{len(index['clips'])} clips ({dev:.1f} s in the dev group) x "
          f"{len(index['files'])} conditions in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
