"""Job and brand files: what a hand-written mistake looks like to the user."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_kit, run_cli, write_job
from media import make_clip

from pipeline.config.job import load_job
from pipeline.config.presets import _load, get_preset
from pipeline.model.errors import JobError


@pytest.fixture
def footage(tmp_path: Path) -> Path:
    f = tmp_path / "footage"
    f.mkdir()
    make_clip(f / "b.mov", seconds=1.0)
    make_clip(f / "a.mov", seconds=1.0)
    (f / "a.srt").write_text("", encoding="utf-8")  # sidecars are not clips
    return f


def _job(tmp_path: Path, body: str) -> Path:
    make_kit(tmp_path / "brand" / "test")
    return write_job(tmp_path, "brand: brand/test\nfootage: footage\n" + body)


def _error(path: Path) -> str:
    with pytest.raises(JobError) as info:
        load_job(path)
    return info.value.message()


def test_defaults_one_video_per_clip_sorted(tmp_path, footage):
    job = load_job(_job(tmp_path, ""))
    assert [v.name for v in job.videos] == ["a", "b"]
    assert job.name == "job" and job.targets == ("tiktok", "reels")
    assert job.reframe == "blur" and job.language == "de"
    assert job.caption_style.limit("max_chars") == 42 and job.caption_style.norm == "social"


def test_times_and_glossary_layered(tmp_path, footage):
    kit = make_kit(tmp_path / "brand" / "test", "glossary: [Testhausen]\n")
    assert kit.is_dir()
    path = write_job(tmp_path, """\
        brand: brand/test
        footage: footage
        captions: {glossary: [Landesamt für Denkmalpflege]}
        videos:
          - name: v
            clips: [{file: a.mov, start: "00:00.2", end: 0.8}]
        """)
    job = load_job(path)
    clip = job.videos[0].clips[0]
    assert (clip.start, clip.end) == (0.2, 0.8)
    assert job.glossary == ("Testhausen", "Landesamt für Denkmalpflege")


def test_unknown_key_names_line_and_suggests(tmp_path, footage):
    msg = _error(_job(tmp_path, "targets: [tiktok]\nreframe_mode: crop\n"))
    assert "line 4" in msg and "reframe_mode" in msg and "did you mean 'reframe'" in msg


def test_nested_unknown_key(tmp_path, footage):
    msg = _error(_job(tmp_path, "videos:\n  - name: v\n    clips:\n      - {file: a.mov, strat: 1}\n"))
    assert "videos[0].clips[0].strat" in msg and "did you mean 'start'" in msg
    assert "line 6" in msg


def test_wrong_type(tmp_path, footage):
    msg = _error(_job(tmp_path, "captions: {burn_in: maybe}\n"))
    assert "captions.burn_in" in msg and "line 3" in msg


def test_unknown_target_lists_known(tmp_path, footage):
    msg = _error(_job(tmp_path, "targets: [tiktok, youtube]\n"))
    assert "unknown target 'youtube'" in msg and "tiktok" in msg and "reels" in msg


def test_the_tests_small_targets_exist_only_where_a_presets_file_adds_them(
        tmp_path, footage, monkeypatch):
    monkeypatch.delenv("PIPELINE_PRESETS")
    msg = _error(_job(tmp_path, "targets: [tiktok-small]\n"))
    assert msg.endswith("known targets: tiktok, reels, shorts, feed, square, landscape, "
                        "tiktok-fast, reels-fast, shorts-fast, feed-fast, square-fast, "
                        "landscape-fast"), msg
    extra = tmp_path / "presets.yaml"
    extra.write_text("site: {like: reels, width: 720}\n", encoding="utf-8")
    monkeypatch.setenv("PIPELINE_PRESETS", str(extra))
    preset = get_preset("site")
    assert (preset.width, preset.height, preset.base) == (720, 1280, "reels")
    assert preset.safe.bottom == round(get_preset("reels").safe.bottom * 720 / 1080)
    extra.write_text("site: {like: youtube, width: 720}\n", encoding="utf-8")
    monkeypatch.setenv("PIPELINE_PRESETS", str(tmp_path / "presets.yaml"))
    _load.cache_clear()
    with pytest.raises(JobError, match="like 'youtube' is not a built-in target"):
        get_preset("site")


def test_missing_clip_file(tmp_path, footage):
    msg = _error(_job(tmp_path, "videos:\n  - name: v\n    clips: [{file: nope.mov}]\n"))
    assert "nope.mov" in msg and "not found" in msg and "line 5" in msg


def test_missing_brand_kit(tmp_path, footage):
    path = write_job(tmp_path, "brand: nowhere\nfootage: footage\n")
    assert "brand kit 'nowhere' not found" in _error(path)


def test_bad_colour_and_missing_logo(tmp_path, footage):
    kit = make_kit(tmp_path / "brand" / "test")
    text = (kit / "brand.yaml").read_text()
    (kit / "brand.yaml").write_text(text.replace('"#003366"', '"navy-ish"'))
    msg = _error(write_job(tmp_path, "brand: brand/test\nfootage: footage\n"))
    assert "brand.yaml" in msg and "colors.primary" in msg and "#RRGGBB" in msg
    (kit / "brand.yaml").write_text(text)
    (kit / "logo.png").unlink()
    msg = _error(write_job(tmp_path, "brand: brand/test\nfootage: footage\n"))
    assert "logo.file" in msg and "logo.png" in msg and "not found" in msg


def test_font_family_not_installed(tmp_path, footage):
    kit = make_kit(tmp_path / "brand" / "test")
    text = (kit / "brand.yaml").read_text()
    (kit / "brand.yaml").write_text(text.replace("captions: {family: Atkinson Hyperlegible",
                                                 "captions: {family: Comic Neue Pro"))
    msg = _error(write_job(tmp_path, "brand: brand/test\nfootage: footage\n"))
    assert "pip install fontpkg-comic-neue-pro" in msg


def test_invalid_yaml_names_line_and_column(tmp_path, footage):
    msg = _error(_job(tmp_path, "targets: [tiktok\nreframe: crop\n"))
    assert "invalid YAML" in msg and "line" in msg and "column" in msg


def test_empty_footage_folder(tmp_path):
    (tmp_path / "footage").mkdir()
    msg = _error(_job(tmp_path, ""))
    assert "holds no video clips" in msg


def test_cli_job_error_is_one_line_exit_2(tmp_path, footage):
    code, out = run_cli(_job(tmp_path, "reframe: zoom\n"), "--output", tmp_path / "out")
    assert code == 2
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "reframe" in lines[0]
    assert "Traceback" not in out
    assert not (tmp_path / "out" / "job").exists() or not any((tmp_path / "out" / "job").iterdir())


def test_caption_norm_sets_the_limits_and_a_wrong_one_is_named(tmp_path, footage):
    make_kit(tmp_path / "brand" / "test", "captions: {norm: ard, max_cps: 14}\n")
    job = load_job(write_job(tmp_path, "brand: brand/test\nfootage: footage\n"))
    st = job.caption_style
    assert (st.limit("max_chars"), st.limit("min_seconds"), st.limit("max_cps")) == (37, 1.0, 14)
    make_kit(tmp_path / "brand" / "test", "captions: {norm: zdf}\n")
    msg = _error(write_job(tmp_path, "brand: brand/test\nfootage: footage\n"))
    assert "brand.yaml" in msg and "captions.norm" in msg and "'social' or 'ard'" in msg
