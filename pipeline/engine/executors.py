"""Where units of work run: threads of this process, or an existing Dask distributed cluster.

Both take a unit function and its record and hand back futures; progress and the cancel flag
reach a running unit through its `Context`: in-process here, through the scheduler's events
there. Nothing here schedules, queues or retries by itself: Dask does that on a cluster.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from ..model.errors import JobError, PipelineError

# How often a unit on the cluster asks the scheduler whether the job was cancelled.
CANCEL_POLL_SECONDS = 1.0


class Events(Protocol):
    """The job's side of progress: what a unit reports reaches this."""

    def progress(self, label: str, seconds: float) -> None: ...
    def debug(self, line: str) -> None: ...


class Executor(Protocol):
    where: str

    def submit(self, fn: Callable[..., Any], unit: Any, *, kind: str) -> Any: ...
    def first_done(self, futures: list[Any]) -> Any: ...
    def result(self, future: Any) -> Any: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...


# --- in this process ------------------------------------------------------------------------

@dataclass
class _LocalContext:
    events: Events
    stop: threading.Event

    def progress(self, label: str, seconds: float) -> None:
        self.events.progress(label, seconds)

    def debug(self, line: str) -> None:
        self.events.debug(line)

    def stopped(self) -> bool:
        return self.stop.is_set()


class LocalExecutor:
    """`workers` units at once in threads of this process (their work is in ffmpeg and
    Whisper child processes). With `overlap`, transcriptions run on a thread of their own,
    beside the renders; else every unit waits its turn, in the order it was submitted."""

    def __init__(self, events: Events, workers: int = 1, overlap: bool = False) -> None:
        self.where = "this computer"
        self._ctx = _LocalContext(events, threading.Event())
        self._render = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unit")
        self._transcribe = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
                            if overlap else self._render)

    def submit(self, fn: Callable[..., Any], unit: Any, *, kind: str) -> Future:
        pool = self._transcribe if kind in ("transcribe", "faces") else self._render
        return pool.submit(fn, unit, self._ctx)

    def first_done(self, futures: list[Future]) -> Future:
        """The first of `futures` (in their order) that is done, waiting for one if none is."""
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return next(f for f in futures if f in done)

    def result(self, future: Future) -> Any:
        return future.result()

    def cancel(self) -> None:
        """Units not yet started never start; running ones end their ffmpeg at its next
        progress report."""
        self._ctx.stop.set()
        for pool in {self._render, self._transcribe}:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        for pool in {self._render, self._transcribe}:
            pool.shutdown(wait=True)  # again after a first close: returns at once


# --- on a Dask cluster ------------------------------------------------------------------------

class ClusterContext:
    """Rebuilt on the worker from its names, it reports through the scheduler's event log."""

    def __init__(self, topic: str, cancel_event: str) -> None:
        self.topic, self.cancel_event = topic, cancel_event
        self._asked = (0.0, False)  # the scheduler's last answer, asked at most once a second

    def __reduce__(self):
        return ClusterContext, (self.topic, self.cancel_event)

    def progress(self, label: str, seconds: float) -> None:
        _worker().log_event(self.topic, ("progress", label, seconds))

    def debug(self, line: str) -> None:
        _worker().log_event(self.topic, ("debug", line, 0.0))

    def stopped(self) -> bool:
        now = time.monotonic()
        if now - self._asked[0] >= CANCEL_POLL_SECONDS:
            from distributed import Event
            self._asked = (now, Event(self.cancel_event).is_set())
        return self._asked[1]


def _worker():
    from distributed import get_worker
    return get_worker()


def _run_on_worker(fn: Callable[..., Any], unit: Any, ctx: ClusterContext) -> Any:
    return fn(unit, ctx)


class DaskExecutor:
    """Units as tasks of an existing cluster (`dask scheduler`, `dask worker`), which retries
    a unit whose worker died on another worker."""

    def __init__(self, address: str, events: Events, client: Any) -> None:
        self.where = f"cluster {address}"
        self._client = client
        job = uuid.uuid4().hex[:12]
        self._ctx = ClusterContext(f"pipeline-{job}", f"pipeline-cancel-{job}")
        self._futures: list[Any] = []
        client.subscribe_topic(self._ctx.topic, lambda event: _forward(events, event))

    def submit(self, fn: Callable[..., Any], unit: Any, *, kind: str) -> Any:
        future = self._client.submit(_run_on_worker, fn, unit, self._ctx, pure=False,
                                     key=f"{kind}-{getattr(unit, 'video', 'unit')}-"
                                         f"{uuid.uuid4().hex[:8]}")
        self._futures.append(future)
        return future

    def first_done(self, futures: list[Any]) -> Any:
        ready = threading.Event()
        for f in futures:
            f.add_done_callback(lambda _: ready.set())
        while not any(f.done() for f in futures):
            ready.wait(0.5)
            ready.clear()
        return next(f for f in futures if f.done())

    def result(self, future: Any) -> Any:
        from distributed import KilledWorker
        try:
            return future.result()
        except KilledWorker:
            raise PipelineError(None, f"{future.key}: every worker that ran it died; check "
                                      "the workers' memory and disk, then render again") from None

    def cancel(self) -> None:
        if self._client.status != "running":
            return
        from distributed import Event
        Event(self._ctx.cancel_event, client=self._client).set()
        self._client.cancel(self._futures)

    def close(self) -> None:
        if self._client.status == "running":
            self._client.unsubscribe_topic(self._ctx.topic)
            self._client.close()


def _forward(events: Events, event: Any) -> None:
    _, (kind, text, seconds) = event
    if kind == "progress":
        events.progress(text, seconds)
    else:
        events.debug(text)


def connect(address: str, timeout: float = 10.0) -> Any:
    """A client of the cluster at `address`, or the one-line error saying how to start one."""
    try:
        from distributed import Client
    except ImportError:
        raise JobError(None, f"cluster {address}: Dask distributed is not installed; "
                             "pip install -e . installs it") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        raise JobError(None, f"cluster {address}: cannot connect ({reason[:160]}); start it "
                             f"with `dask scheduler` and `dask worker {address}`, or render "
                             "without --cluster") from None


@contextmanager
def executor_for(cluster: str | None, workers: int, overlap: bool,
                 events: Events) -> Iterator[LocalExecutor | DaskExecutor]:
    """The executor a run uses, cancelled on Ctrl-C (or any error) and closed after."""
    ex: LocalExecutor | DaskExecutor
    ex = DaskExecutor(cluster, events, connect(cluster)) if cluster else \
        LocalExecutor(events, workers, overlap)
    try:
        yield ex
    except BaseException:
        ex.cancel()
        raise
    finally:
        ex.close()
