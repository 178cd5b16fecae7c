"""Pure stages: plan layout and the ffmpeg argv, without running ffmpeg."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import make_kit, write_job
from media import make_clip

from pipeline.config.job import load_job
from pipeline.config.presets import get_preset
from pipeline.edit.plan import make_plan
from pipeline.model.captions import Cue
from pipeline.model.errors import MediaError
from pipeline.model.media import MediaInfo
from pipeline.model.plan import EditPlan, Loudness, LoudnessScan
from pipeline.render import graph

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _info(path: Path, w: int, h: int, seconds: float = 4.0, **kw) -> MediaInfo:
    base = dict(path=path, duration=seconds, width=w, height=h, rotation=0, fps=30.0, vfr=False,
                pix_fmt="yuv420p", hdr=None, has_audio=True, audio_rate=48000, audio_channels=2,
                video_codec="h264")
    return MediaInfo(**{**base, **kw})


@pytest.fixture
def job(tmp_path):
    make_kit(tmp_path / "brand" / "test")
    (tmp_path / "footage").mkdir()
    for n in ("port.mov", "land.mov"):
        make_clip(tmp_path / "footage" / n, seconds=0.5)
    path = write_job(tmp_path, """\
        brand: brand/test
        footage: footage
        videos:
          - name: v
            clips:
              - {file: port.mov, start: 1.0, end: 3.0, lower_third: {name: Anna Schmidt, role: Azubi}}
              - {file: land.mov}
        """)
    return load_job(path)


def _infos(job, **land):
    port, land_path = (c.path for c in job.videos[0].clips)
    return {str(port): _info(port, 1080, 1920, rotation=90),
            str(land_path): _info(land_path, 1920, 1080, **land)}


def test_plan_segments_frames_and_cue_offsets(job):
    # Timed from the first clip frame: "zwei" is spoken 0.0-1.0 s into the second clip.
    cues = [Cue(0.5, 1.5, "eins"), Cue(2.0, 3.0, "zwei")]
    plan = make_plan(job, job.videos[0], _infos(job), cues, get_preset("tiktok"))
    kinds = [(s.kind, s.frames, s.reframe) for s in plan.segments]
    # intro card 1 s, portrait clip trimmed to 2 s (fills: crop), landscape 4 s (blur), outro.
    assert kinds == [("card", 30, "crop"), ("media", 60, "crop"), ("media", 120, "blur"),
                     ("card", 30, "crop")]
    assert plan.duration == pytest.approx(8.0)
    # Cue times move into the output timeline: + the intro.
    assert plan.cues == (Cue(1.5, 2.5, "eins"), Cue(3.0, 4.0, "zwei"))


def test_shared_layout_makes_the_9_16_targets_one_picture(job):
    """The kit's default `layout: shared`: TikTok and Reels place everything inside both their
    safe zones, so their plans differ only in the name (one encode); `per-target` keeps each."""
    tiktok, reels = (make_plan(job, job.videos[0], _infos(job), [Cue(1.0, 2.0, "x")],
                               get_preset(n)) for n in ("tiktok", "reels"))
    assert replace(tiktok, target="") == replace(reels, target="")
    for name in ("tiktok", "reels"):
        own = get_preset(name).safe
        assert (tiktok.safe.top >= own.top and tiktok.safe.bottom >= own.bottom
                and tiktok.safe.left >= own.left and tiktok.safe.right >= own.right)
    apart = replace(job, brand=replace(job.brand, spec=job.brand.spec.model_copy(
        update={"layout": "per-target"})))
    assert make_plan(apart, job.videos[0], _infos(job), [], get_preset("reels")).safe == \
        get_preset("reels").safe


def test_logo_and_lower_third_inside_safe_zone(job):
    for name in ("tiktok", "reels"):
        preset = get_preset(name)
        plan = make_plan(job, job.videos[0], _infos(job), [], preset)
        s = plan.safe  # inside this target's own zone (the shared layout's is wider)
        assert (plan.logo.corner, plan.logo.dx, plan.logo.dy) == ("top-right", s.right, s.top)
        assert graph.overlay_position(plan.logo) == (f"main_w-overlay_w-{s.right}", str(s.top))
        # Shown over the clips only, not over the intro and outro cards.
        assert (plan.logo.start, plan.logo.end) == (1.0, 7.0)
        (lt,) = plan.segments[1].overlays
        assert (lt.corner, lt.dx) == ("bottom-left", s.left)
        lift = lt.dy
        assert lift > s.bottom  # above the bottom UI and above the caption block
        logo = next(a for a in plan.assets if a.kind == "logo")
        assert logo.width <= preset.width - s.left - s.right


def test_trim_beyond_clip_is_a_media_error(job):
    infos = _infos(job)
    port = job.videos[0].clips[0].path
    infos[str(port)] = _info(port, 1080, 1920, seconds=2.0)
    with pytest.raises(MediaError, match="end 3 s lies beyond the clip's end"):
        make_plan(job, job.videos[0], infos, [], get_preset("reels"))


def test_plan_json_round_trip(job):
    plan = make_plan(job, job.videos[0], _infos(job), [Cue(1.5, 2.0, "x")], get_preset("reels"))
    again = EditPlan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan


def _fixed_plan() -> dict:
    return json.loads((SNAPSHOTS / "plan.json").read_text())


def _check_snapshot(name: str, argv: list[str]) -> None:
    path = SNAPSHOTS / name
    text = "\n".join(argv) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text)
    assert text == path.read_text(), "argv changed; review and rerun with UPDATE_SNAPSHOTS=1"


def test_render_argv_snapshot():
    plan = EditPlan.from_json(_fixed_plan())
    scan = graph.Scan(15, (1080, 900, 0, 250), "cover-scan.txt")
    argv = graph.render_argv([graph.Output(plan, "/out/v.tiktok.mp4", "t0", scan)])
    _check_snapshot("render_argv.txt", argv)
    assert argv.count("-filter_complex") == 1
    # The cover's frames are measured in the same graph, written nowhere but the scan file.
    assert argv[-3:] == ["-f", "null", "-"] and "file:/out/v.tiktok.mp4" in argv
    inputs = [argv[i + 1] for i, a in enumerate(argv) if a == "-i"]
    assert all(i.startswith("file:") for i in inputs)
    assert "file:/footage/-odd name's clip.mov" in inputs  # never read as an option
    assert "file:t0/intro.png" in inputs  # each output's drawn assets in its own folder


def test_two_targets_decode_each_clip_once():
    plan = EditPlan.from_json(_fixed_plan())
    reels = replace(plan, target="reels", logo=replace(plan.logo, dy=300))
    outs = [graph.Output(plan, "/out/v.tiktok.mp4", "t0"),
            graph.Output(reels, "/out/v.reels.mp4", "t1")]
    argv = graph.render_argv(outs, filter_threads=1)
    _check_snapshot("render_argv_two.txt", argv)
    inputs = [argv[i + 1] for i, a in enumerate(argv) if a == "-i"]
    clips = [s.source for s in plan.segments if s.kind == "media"]
    for clip in clips:
        assert inputs.count("file:" + clip) == 1
    assert "-an" not in argv and "-c:a" not in argv  # picture only: the sound is made once
    graph_text = argv[argv.index("-filter_complex") + 1]
    assert graph_text.count("lut3d=") == 1  # tone-mapped once
    assert graph_text.count("boxblur") == 1  # one blurred fill for both
    assert graph_text.count("ass=") == 2 and "t1/captions.ass" in graph_text
    assert argv[:argv.index("-i")].count("-filter_complex_threads") == 1


def test_measure_argv_snapshot():
    plan = EditPlan.from_json(_fixed_plan())
    argv = graph.measure_argv(plan)
    _check_snapshot("measure_argv.txt", argv)
    assert argv[-3:] == ["-f", "null", "-"] and "-map" in argv
    # Only audio is measured: no video input (cards, logo) is opened.
    assert not any(a.endswith(".png") for a in argv)


def test_mux_copies_picture_and_sound_and_drops_tags():
    argv = graph.mux_argv("picture-0.mp4", "audio.m4a", "/out/.v.partial.mp4")
    assert argv[argv.index("-c") + 1] == "copy" and "+faststart" in argv
    assert argv[argv.index("-map_metadata") + 1] == "-1" and argv[-1] == "file:/out/.v.partial.mp4"
    assert ["-map", "0:v", "-map", "1:a"] == [a for a in argv if a in ("-map", "0:v", "1:a")]


def test_audio_argv_snapshot():
    plan = EditPlan.from_json(_fixed_plan())
    measured = LoudnessScan(input_i=-23.1, input_tp=-9.2, input_lra=5.0, input_thresh=-33.4,
                            target_offset=0.3)
    argv = graph.audio_argv(plan, measured, "audio.m4a")
    _check_snapshot("audio_argv.txt", argv)
    assert argv[-1] == "file:audio.m4a" and "linear=true" in argv[argv.index("-filter_complex") + 1]
    assert not any(a.endswith(".png") for a in argv)  # sound only


SPEECH = LoudnessScan(input_i=-24.0, input_tp=-12.0, input_lra=6.0, input_thresh=-34.0,
                      target_offset=0.2)


def test_linear_gain_is_loudnorms_static_gain_where_it_would_use_it():
    target = Loudness(i=-14.0, tp=-1.0, lra=11.0)
    assert graph.linear_gain(SPEECH, target) == pytest.approx(10.0)
    # +10 dB would take a -8 dBTP peak over -1 dBTP: loudnorm limits dynamically instead
    assert graph.linear_gain(replace(SPEECH, input_tp=-8.0), target) is None
    assert graph.linear_gain(replace(SPEECH, input_lra=14.0), target) is None  # too dynamic


def test_loudness_pass_two_uses_volume_or_loudnorm():
    plan = EditPlan.from_json(_fixed_plan())
    quiet = graph.audio_argv(plan, SPEECH, "audio.m4a")
    peaky = graph.audio_argv(plan, replace(SPEECH, input_tp=-2.0), "audio.m4a")
    assert "volume=10.00dB" in quiet[quiet.index("-filter_complex") + 1]
    assert "loudnorm=" in peaky[peaky.index("-filter_complex") + 1]
