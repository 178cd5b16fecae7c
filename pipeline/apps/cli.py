"""The `render` command: progress display, summary, and the one place where errors become
messages and exit codes (0 all written · 1 some videos failed · 2 job/brand file invalid)."""

from __future__ import annotations

import signal
import sys
import traceback
import webbrowser
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..engine.job import Options, Result, run_job
from ..model.errors import FFmpegError, JobError, PipelineError
from ..model.manifest import CaptionReport
from ..publish.manifest import read as read_manifest

EXIT_OK, EXIT_SOME_FAILED, EXIT_INVALID = 0, 1, 2


class RichReporter:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.percentage:>3.0f} %"), TimeRemainingColumn(),
                                 console=console, transient=False)
        self.tasks: dict[str, int] = {}

    def start(self, label: str, seconds: float) -> Callable[[float], None]:
        task = self.progress.add_task(label, total=max(seconds, 0.001))
        self.tasks[label] = task
        return lambda done: self.progress.update(task, completed=min(done, seconds))

    def finish(self, label: str) -> None:
        task = self.tasks[label]
        self.progress.update(task, completed=self.progress.tasks[task].total)

    def debug(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def warn(self, line: str) -> None:
        self.console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("job_file", type=click.Path(path_type=Path))
@click.option("--output", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder for the finished videos.")
@click.option("--brands", type=click.Path(path_type=Path), default=Path("brand"),
              show_default=True, help="Folder holding the brand kits.")
@click.option("--only", multiple=True, metavar="VIDEO", help="Render only this video (repeatable).")
@click.option("--target", "targets", multiple=True, metavar="NAME",
              help="Render only this target, e.g. tiktok or reels (repeatable).")
@click.option("--fast", is_flag=True,
              help="Quick preview (540x960, fast encoder) into <job>-preview/, to check "
                   "captions and layout.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Videos rendered at once on this computer.")
@click.option("--cluster", metavar="tcp://HOST:8786", envvar="PIPELINE_CLUSTER",
              help="Render on this Dask cluster (or set PIPELINE_CLUSTER); footage, kit and "
                   "output must be under the same paths on every worker.")
@click.option("--debug", is_flag=True, help="Show each ffmpeg command line and full tracebacks.")
@click.option("--open", "open_page", is_flag=True,
              help="When done, open the job's page (index.html) in the default browser.")
def render(job_file: Path, output: Path, brands: Path, only: tuple[str, ...],
           targets: tuple[str, ...], fast: bool, workers: int, cluster: str | None,
           debug: bool, open_page: bool) -> None:
    """Render JOB_FILE: one upload-ready video per clip (or per `videos:` entry) and target."""
    console = Console(stderr=True)
    options = Options(output=output, brands=brands, only=only, targets=targets, debug=debug,
                      fast=fast, workers=workers, cluster=cluster or None)
    sys.exit(main_guarded(job_file, options, console, open_page))


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) is handled like Ctrl-C: ffmpeg is stopped and partial files removed."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def main_guarded(job_file: Path, options: Options, console: Console,
                 open_page: bool = False) -> int:
    _stop_on_sigterm()
    reporter = RichReporter(console)
    try:
        with reporter.progress:
            result = run_job(job_file, options, reporter)
    except JobError as exc:
        _error(console, exc, options.debug)
        return EXIT_INVALID
    except PipelineError as exc:
        _error(console, exc, options.debug)
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        console.print("stopped: nothing half-written was left under a final name", style="yellow")
        return 130
    except Exception as exc:  # noqa: BLE001 - the one boundary: no traceback without --debug
        if options.debug:
            raise
        console.print(f"error: unexpected {exc.__class__.__name__}: {exc} "
                      "(run again with --debug and report the output)", style="red",
                      markup=False, highlight=False)
        return EXIT_SOME_FAILED
    _summary(console, result)
    for exc in result.failures:
        _error(console, exc, options.debug)
    if open_page:
        _open_page(console, result.folder / "index.html")
    return EXIT_SOME_FAILED if result.failures else EXIT_OK


def _open_page(console: Console, page: Path) -> None:
    """--open: the press officer's view of the run, in the default browser."""
    page = page.resolve()
    if not (page.is_file() and webbrowser.open(page.as_uri())):
        console.print(f"open {page} in a browser to see the videos", style="yellow",
                      markup=False, highlight=False, soft_wrap=True)


def _error(console: Console, exc: PipelineError, debug: bool) -> None:
    console.print(f"error: {exc.message()}", style="red", markup=False, highlight=False,
                  soft_wrap=True)
    if debug:
        if isinstance(exc, FFmpegError):
            console.print(exc.stderr_tail, markup=False, highlight=False)
        console.print("".join(traceback.format_exception(exc)), markup=False, highlight=False)


def _summary(console: Console, result: Result) -> None:
    if not result.outputs:
        return  # nothing written: the error lines below say why
    # From the manifest, like the page: every file in the folder, not only this run's.
    written = read_manifest(result.folder)
    entries = [(e.video, e.target, e.duration, e.bytes, e.file) for e in written.outputs] \
        if written else [(o.video, o.target, o.duration, o.size, o.path.name)
                         for o in result.outputs]
    table = Table(title=f"{result.job.name}: {len(entries)} file(s) in {result.folder}")
    for col in ("video", "target", "duration", "size"):
        table.add_column(col)
    table.add_column("path", overflow="fold")  # the press officer needs all of it
    for video, target, duration, size, file in entries:
        table.add_row(video, target, f"{duration:.2f} s", f"{size / 1e6:.1f} MB",
                      str(result.folder / file))
    console.print(table)
    if result.captions:
        console.print(_caption_table(result.captions))


def _caption_table(reports: dict[str, CaptionReport]) -> Table:
    """What to check before publishing: readability and how sure Whisper was."""
    table = Table(title="Captions (correct them in the caption file, then render again)")
    for col in ("video", "cues", "over limits", "to check", "slowest", "language",
                "confidence"):
        table.add_column(col)
    table.add_column("caption file", overflow="fold")
    for video, r in reports.items():
        lang = r.language or "?"
        if r.language_probability is not None:
            lang += f" ({r.language_probability:.0%})"
        conf = f"{r.confidence:.0%}" if r.confidence is not None else "-"
        table.add_row(video, str(r.cues), str(r.over_limits), str(len(r.uncertain)),
                      f"{r.slowest_cps:.0f} cps",
                      lang, conf, r.caption_file or "")
    return table


def main() -> None:
    render(prog_name="render")
