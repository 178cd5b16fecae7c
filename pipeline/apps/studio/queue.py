"""The render queue: one worker thread runs `run_job` for queued jobs one at a time, and the
queue's state (and the approvals) live in `<data>/.studio/*.json`, written atomically, so a
restart knows what was running (it shows "interrupted"; rendering again skips what is done)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ...engine.job import Options, run_job
from ...model.errors import PipelineError
from ...publish.folder import write_text

TERMINAL = ("idle", "done", "failed", "interrupted")
_SAVE_EVERY = 1.0  # seconds: progress is saved at most this often (the disk is not a log)


class JobState(BaseModel):
    status: str = "idle"     # idle | queued | running | done | failed | interrupted
    fast: bool = False
    errors: list[str] = []   # "error: <file>: <reason>", as the CLI prints them
    warnings: list[str] = []
    progress: dict[str, float] = {}   # "<video>.<target>" → 0..1
    updated: float = 0.0


class QueueFile(BaseModel):
    jobs: dict[str, JobState] = {}
    order: list[str] = []    # queued job ids, first to render first


def _read(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return model()


class Approvals:
    """Which videos the press officer approved: `{job: [video, …]}` in approved.json."""

    def __init__(self, path: Path) -> None:
        self.path, self.lock = path, threading.Lock()

    def _load(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(k): [str(v) for v in vs] for k, vs in data.items()}
        except (OSError, ValueError, AttributeError, TypeError):
            return {}

    def of(self, job: str) -> set[str]:
        with self.lock:
            return set(self._load().get(job, []))

    def set(self, job: str, video: str, approved: bool) -> None:
        with self.lock:
            data = self._load()
            videos = set(data.get(job, [])) - {video} | ({video} if approved else set())
            data[job] = sorted(videos)
            if not videos:
                del data[job]
            write_text(self.path, json.dumps(data, indent=1, ensure_ascii=False))


class _Reporter:
    """run_job's Reporter: progress per output into the job's state."""

    def __init__(self, queue: RenderQueue, job: str) -> None:
        self.queue, self.job = queue, job

    def start(self, label: str, seconds: float) -> Callable[[float], None]:
        self.queue.progress(self.job, label, 0.0)
        total = max(seconds, 0.001)
        return lambda done: self.queue.progress(self.job, label, min(done / total, 0.999))

    def finish(self, label: str) -> None:
        self.queue.progress(self.job, label, 1.0)

    def debug(self, line: str) -> None:
        pass

    def warn(self, line: str) -> None:
        self.queue.update(self.job, lambda s: s.warnings.append(line))


class RenderQueue:
    """Queued jobs rendered one at a time by a worker thread started with `start()`."""

    def __init__(self, data: Path, options: Callable[[bool], Options]) -> None:
        self.path = data / ".studio" / "queue.json"
        self.jobs_dir = data / "jobs"
        self.options = options
        self.cond = threading.Condition()
        self.state: QueueFile = _read(self.path, QueueFile)  # type: ignore[assignment]
        self.version = 0          # bumped on every change: the event streams watch it
        self.saved = 0.0
        self.stopping = False
        self.thread: threading.Thread | None = None
        for s in self.state.jobs.values():
            if s.status == "running":  # the studio stopped while it rendered
                s.status = "interrupted"
        self.state.order = [j for j in self.state.order
                            if self.state.jobs.get(j, JobState()).status == "queued"]
        self._save(force=True)

    # --- state -------------------------------------------------------------------------
    def get(self, job: str) -> JobState:
        with self.cond:
            return self.state.jobs.get(job, JobState()).model_copy(deep=True)

    def update(self, job: str, change: Callable[[JobState], object], force: bool = True) -> None:
        with self.cond:
            s = self.state.jobs.setdefault(job, JobState())
            change(s)
            s.updated = time.time()
            self.version += 1
            self._save(force)
            self.cond.notify_all()

    def progress(self, job: str, label: str, fraction: float) -> None:
        self.update(job, lambda s: s.progress.__setitem__(label, round(fraction, 3)),
                    force=fraction in (0.0, 1.0))

    def _save(self, force: bool) -> None:
        if force or time.monotonic() - self.saved >= _SAVE_EVERY:
            self.saved = time.monotonic()
            write_text(self.path, self.state.model_dump_json(indent=1))

    def wait_change(self, seen: int, timeout: float) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.version != seen or self.stopping, timeout)
            return self.version

    # --- queue -------------------------------------------------------------------------
    def enqueue(self, job: str, fast: bool) -> bool:
        """Queue a render; False when the job is already queued or rendering."""
        with self.cond:
            if self.state.jobs.get(job, JobState()).status in ("queued", "running"):
                return False
            self.state.jobs[job] = JobState(status="queued", fast=fast, updated=time.time())
            self.state.order.append(job)
            self.version += 1
            self._save(force=True)
            self.cond.notify_all()
            return True

    def start(self) -> None:
        self.thread = threading.Thread(target=self._work, name="studio-render", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """No new render starts; one running is left to die with the process (its ffmpeg
        children die with it) and shows "interrupted" at the next start."""
        with self.cond:
            self.stopping = True
            self._save(force=True)
            self.cond.notify_all()

    def _next(self) -> str | None:
        with self.cond:
            self.cond.wait_for(lambda: self.state.order or self.stopping)
            if self.stopping:
                return None
            job = self.state.order.pop(0)
            self.state.jobs[job].status = "running"
            self.version += 1
            self._save(force=True)
            return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            status, errors = self._render(job)

            def finish(s: JobState, status: str = status, errors: list[str] = errors) -> None:
                s.status, s.errors = status, errors
            self.update(job, finish)

    def _render(self, job: str) -> tuple[str, list[str]]:
        fast = self.get(job).fast
        try:
            result = run_job(self.jobs_dir / f"{job}.yaml", self.options(fast), _Reporter(self, job))
        except PipelineError as exc:
            return "failed", [f"error: {exc.message()}"]
        except Exception as exc:  # noqa: BLE001 - the worker must survive any one job
            return "failed", [f"error: unexpected {exc.__class__.__name__}: {exc}"]
        errors = [f"error: {e.message()}" for e in result.failures]
        return ("failed" if errors else "done"), errors
