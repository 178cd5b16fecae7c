from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from pipeline.analysis.whisper_child import WhisperChild
from pipeline.apps.cli import render

ROOT = Path(__file__).resolve().parent.parent


def make_kit(folder: Path, extra: str = "") -> Path:
    """A brand kit like the example one, with its own small logo."""
    folder.mkdir(parents=True, exist_ok=True)
    logo = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(logo).rectangle((0, 0, 299, 99), fill=(255, 204, 0, 255))
    logo.save(folder / "logo.png")
    (folder / "brand.yaml").write_text(textwrap.dedent("""\
        name: Stadt Testhausen
        colors: {primary: "#003366", accent: "#FFCC00", text: "#FFFFFF"}
        fonts:
          captions: {family: Atkinson Hyperlegible, weight: 700}
          titles: {family: Atkinson Hyperlegible, weight: 700}
        logo: {file: logo.png, position: top-right, width: 0.25, opacity: 1.0}
        intro: {card: {title: Stadt Testhausen, subtitle: Wir für Sie, seconds: 1.0}}
        outro: {card: {title: testhausen.de, seconds: 1.0}}
        """) + extra, encoding="utf-8")
    return folder


def write_job(folder: Path, body: str, name: str = "job.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def running(pid: int) -> bool:
    """Alive, not a zombie waiting to be reaped by whoever adopted it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(autouse=True, scope="session")
def _transcript_cache(tmp_path_factory):
    """Tests start with an empty transcript cache of their own, never the user's, and know the
    small test targets."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PIPELINE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("PIPELINE_PRESETS", str(Path(__file__).parent / "presets.yaml"))  # *-small
    yield
    mp.undo()


@pytest.fixture
def whisper_spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts Whisper runs and the Whisper processes started for them (each loads the model),
    observed on the child process class that render uses."""
    seen = {"runs": 0, "processes": 0}
    real_call, real_start = WhisperChild.__call__, WhisperChild._start

    def call(self, *args):
        seen["runs"] += 1
        return real_call(self, *args)

    def start(self, kernels):
        seen["processes"] += self._proc is None
        return real_start(self, kernels)

    monkeypatch.setattr(WhisperChild, "__call__", call)
    monkeypatch.setattr(WhisperChild, "_start", start)
    return seen


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    return make_kit(tmp_path / "brand" / "test")
