"""Generated job documents: each one either loads or is the project's own JobError."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import make_kit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from media import make_clip

from pipeline.config.job import Job, load_job
from pipeline.model.errors import JobError

KEYS = ["name", "brand", "footage", "language", "targets", "reframe", "captions",
        "transcription", "videos", "burn_in", "style", "glossary", "model", "clips", "file",
        "start", "end", "lower_third", "title", "role", "seconds"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["footage", "brand/test", "tiktok", "reels", "blur", "word",
                                     "a.mov", "00:01.5", "-1", "de", "auto"]))
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=20)
documents = st.dictionaries(keys, values, max_size=9).map(
    lambda d: {"brand": "brand/test", "footage": "footage", **d} if len(d) % 2 else d)


def _setup(root: Path) -> None:
    if not (root / "footage").is_dir():
        make_kit(root / "brand" / "test")
        (root / "footage").mkdir()
        make_clip(root / "footage" / "a.mov", seconds=1.0)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=documents)
def test_any_document_loads_or_is_a_job_error(tmp_path, doc):
    _setup(tmp_path)
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        assert isinstance(load_job(path), Job)
    except JobError as exc:
        assert exc.message().startswith(str(path)) and "\n" not in exc.reason


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_text_loads_or_is_a_job_error(tmp_path, text):
    _setup(tmp_path)
    path = tmp_path / "job.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_job(path)
    except JobError:
        pass
