"""The schema of `manifest.json`: the contract the gallery page, the summary table and the
coming review server read. Fields a reader does not know are kept (extra="allow"), so an older
program rewriting a newer manifest loses nothing."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

FORMAT = 2   # 2: settings.x264_preset, platforms, same_as, captions' norm and uncertain


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class Platform(_Record):
    """The target's platform name and upload limits, so readers need no preset table."""
    name: str
    max_seconds: float | None = None
    max_bytes: int | None = None


class Probe(_Record):
    """The written file as PyAV reads it: what an upload check would look at."""
    width: int
    height: int
    duration: float
    fps: float
    vfr: bool = False
    video_codec: str | None = None
    pix_fmt: str | None = None
    audio_rate: int | None = None
    audio_channels: int | None = None


class Sidecars(_Record):
    srt: str | None = None
    vtt: str | None = None


class WorkerEntry(_Record):
    """Who rendered an output: a host and process, and how long its unit took."""
    host: str
    pid: int
    seconds: float = 0.0


class JobOptions(_Record):
    language: str
    reframe: str
    burn_in: bool | list[str]       # every target, or the targets listed
    caption_style: str
    glossary: list[str] = []


class CoverPick(_Record):
    """Which frame became the cover and why: its time, score and the candidates weighed."""
    time: float | None = None       # seconds into the video
    score: float | None = None
    candidates: list[tuple[float, float]] = []


class CoverEntry(CoverPick):
    file: str


class ClipCut(_Record):
    """The part of a clip the video shows (a `trim: auto` one as the speech decided)."""
    file: str
    start: float
    end: float


class RenderSettings(_Record):
    """What made an output, as ffmpeg got it, and what the render cost."""
    size: str                       # "1080x1920"
    fps: int
    x264_preset: str
    crf: int
    audio_bitrate: str
    sample_rate: int
    loudness_target: dict[str, float]
    loudness_measured_input: dict[str, float | None]
    captions: str                   # "burned in" or "none"
    plan_version: int
    rendered_together: list[str] = []   # one ffmpeg made these: its time and memory are theirs
    render_seconds: float = 0.0
    ffmpeg_peak_rss_mb: int = 0
    clips: list[ClipCut] = []


class OutputEntry(_Record):
    video: str
    title: str | None = None
    target: str
    platform: Platform              # the main platform the target is for
    platforms: list[Platform] = []  # every platform the file is for, the main one first
    file: str                       # beside the manifest
    sha256: str
    bytes: int
    duration: float
    probe: Probe | None = None
    cover: CoverEntry | None = None
    captions: Sidecars | None = None
    job_sha256: str | None = None
    kit_sha256: str | None = None
    model: str | None = None
    kernels: str | None = None
    caption_source: str | None = None
    options: JobOptions | None = None
    settings: RenderSettings | None = None
    tools: dict[str, str] = {}
    worker: WorkerEntry | None = None
    same_as: str | None = None      # the file in this folder this one is a copy of


class UncertainWord(_Record):
    """A displayed word to check: its time in the exported video and why it is doubtful."""
    start: float
    end: float
    text: str
    why: str


class CaptionOrigin(_Record):
    """How a video's transcript was made (kept beside the caption file, too)."""
    source: str | None = None       # "whisper" or "caption file"
    model: str | None = None
    glossary: list[str] = []
    kernels: str | None = None
    language: str | None = None
    language_probability: float | None = None
    confidence: float | None = None


class CaptionReport(CaptionOrigin):
    """A video's captions: readability against the norm and how the text was made."""
    norm: str | None = None         # "social" or "ard": what `over_limits` counts against
    max_chars: int | None = None    # the limits used (the norm's, or the kit's own)
    max_cps: float | None = None
    cues: int = 0
    over_limits: int = 0
    slowest_cps: float = 0.0
    caption_file: str | None = None
    uncertain: list[UncertainWord] = []


class FaceReport(_Record):
    """A video's faces: how many the detector followed and how many of them were blurred."""
    mode: str = "off"               # off | blur | blur-bystanders (the clips' modes, joined)
    tracks: int = 0                 # face tracks in the clips' exported parts
    blurred: int = 0
    follow: bool = False            # a clip's crop follows the speaker
    detector: str | None = None


class BrandColors(_Record):
    primary: str = "#003366"
    accent: str = "#FFCC00"
    text: str = "#FFFFFF"


class Manifest(_Record):
    format: int = FORMAT
    job: str = ""
    job_file: str | None = None
    brand: str = ""
    brand_colors: BrandColors = Field(default_factory=BrandColors)
    written: str | None = None      # ISO time with offset
    job_sha256: str | None = None
    kit_sha256: str | None = None
    outputs: list[OutputEntry] = []
    captions: dict[str, CaptionReport] = {}
    faces: dict[str, FaceReport] = {}
    failures: list[str] = []
    tools: dict[str, str] = {}
