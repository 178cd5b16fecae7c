"""The `studio` command: a local web app where the press officer reviews, corrects and
approves every video. The same engine and the same files as `render`; the one error boundary
of this app is `_errors` (a PipelineError becomes its one line)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
import uuid
import webbrowser
import zipfile
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import StreamingResponse

from ...analysis.probe import probe
from ...config.job import VIDEO_EXTENSIONS, load_job
from ...engine.job import Options
from ...model.errors import MediaError, PipelineError
from . import captions, jobs, videos
from .queue import TERMINAL, Approvals, RenderQueue
from .security import (
    TOKEN_COOKIE,
    Guard,
    GuardMiddleware,
    Refused,
    bearer_ok,
    contained,
    is_loopback,
    read_token,
    valid_id,
)
from .upload import BadUpload, TooLarge, free_name, receive

STATIC = Path(__file__).parent / "static"
EXIT_INVALID = 2


@dataclass(frozen=True)
class Settings:
    data: Path
    token: str | None = None
    loopback_only: bool = True
    max_upload: int = 2048 << 20     # bytes


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class RenderBody(BaseModel):
    fast: bool = False


class ApproveBody(BaseModel):
    approved: bool = True


class GlossaryBody(BaseModel):
    word: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")


def create_app(settings: Settings) -> FastAPI:
    folder = jobs.Folder(settings.data.resolve())
    queue = RenderQueue(folder.root, lambda fast: Options(
        output=folder.output, brands=folder.brands, fast=fast))
    approvals = Approvals(folder.studio / "approved.json")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        _remove_leftovers(folder)
        queue.start()  # the worker thread: here, never at import
        yield
        queue.stop()

    # /docs and /redoc load Swagger from a CDN: off; /openapi.json stays.
    app = FastAPI(title="Studio", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.queue = queue
    _errors(app)
    app.add_middleware(GuardMiddleware, guard=Guard(settings.token, settings.loopback_only),
                       login_page=(STATIC / "login.html").read_text(encoding="utf-8"))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def job_or_404(job: str) -> str:
        if not valid_id(job) or not folder.job_file(job).is_file():
            raise ApiError(404, f"no job '{job}'")
        return job

    def video_or_404(job: str, video: str) -> Path:
        found = jobs.video_of(folder, job_or_404(job), video)
        if found is None:
            raise ApiError(404, f"job '{job}' has no video '{video}'")
        return found[0]

    def job_view(job: str) -> jobs.JobView:
        return jobs.view(folder, job, queue.get(job).model_dump(), approvals.of(job))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/login", include_in_schema=False)
    def login_page() -> FileResponse:
        return FileResponse(STATIC / "login.html")

    @app.post("/login", include_in_schema=False)
    async def login(request: Request):
        form = await request.form()
        token = str(form.get("token", ""))
        if settings.token is None or not bearer_ok({"authorization": f"Bearer {token}"},
                                                   settings.token):
            return HTMLResponse((STATIC / "login.html").read_text(encoding="utf-8"), 401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.get("/api/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/api/kits")
    def kits() -> list[dict]:
        return jobs.kits(folder)

    @app.get("/api/targets")
    def targets() -> list[dict]:
        return jobs.targets()

    @app.get("/api/jobs")
    def list_jobs() -> list[dict]:
        return [{"id": j, "status": queue.get(j).status} for j in jobs.job_ids(folder)]

    @app.post("/api/jobs", status_code=201)
    def create_job(body: jobs.NewJob) -> dict:
        return {"id": jobs.create(folder, body)}

    @app.get("/api/jobs/{job}")
    def get_job(job: str) -> jobs.JobView:
        return job_view(job_or_404(job))

    @app.post("/api/jobs/{job}/clips", status_code=201)
    async def upload_clip(job: str, request: Request) -> dict:
        target = folder.footage / job_or_404(job)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_upload + (1 << 20):
            raise ApiError(413, f"the clip is larger than {settings.max_upload >> 20} MB "
                                "(the studio's --max-upload-mb)")
        target.mkdir(parents=True, exist_ok=True)
        partial = target / f".{uuid.uuid4().hex}.upload.partial"
        try:
            name = await receive(request.stream(), request.headers.get("content-type", ""),
                                 partial, settings.max_upload)
        except TooLarge:
            raise ApiError(413, f"the clip is larger than {settings.max_upload >> 20} MB "
                                "(the studio's --max-upload-mb)") from None
        except BadUpload as exc:
            raise ApiError(400, str(exc)) from None
        return {"name": await asyncio.to_thread(_accept_clip, folder, job, partial, name)}

    @app.post("/api/jobs/{job}/render", status_code=202)
    def render(job: str, body: RenderBody | None = None) -> dict:
        job_or_404(job)
        load_job(folder.job_file(job), folder.brands)  # an invalid job is said now, in one line
        if not queue.enqueue(job, (body or RenderBody()).fast):
            raise ApiError(409, "this job is already queued or rendering")
        return {"status": "queued"}

    @app.get("/api/jobs/{job}/events")
    async def events(job: str, request: Request) -> StreamingResponse:
        job_or_404(job)
        return StreamingResponse(_event_stream(queue, job, request),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.get("/api/jobs/{job}/videos/{video}/captions")
    def get_captions(job: str, video: str) -> captions.CaptionsBody:
        srt = video_or_404(job, video)
        if not srt.is_file():
            raise ApiError(404, "no captions yet: render the video once (a quick preview is "
                                "enough) to transcribe it")
        return captions.read(srt)

    @app.put("/api/jobs/{job}/videos/{video}/captions")
    def put_captions(job: str, video: str, body: captions.CaptionsBody) -> captions.CaptionsBody:
        srt = video_or_404(job, video)
        if not srt.is_file():
            raise ApiError(404, "no captions yet: render the video once to transcribe it")
        try:
            saved = captions.write(srt, body)
        except captions.Conflict:
            raise ApiError(409, "the captions were saved by someone else in the meantime; "
                                "load them again and repeat your change") from None
        approvals.set(job, video, False)  # approval was for the text as it was
        return saved

    def not_rendering(job: str) -> None:
        if queue.get(job).status in ("queued", "running"):
            raise ApiError(409, "the job is rendering; change it once the render is done")

    @app.get("/api/jobs/{job}/videos/{video}")
    def get_video(job: str, video: str) -> videos.VideoEditView:
        try:
            return videos.get(folder.root, job, folder.job_file(job_or_404(job)), video,
                              folder.brands)
        except videos.NotFound:
            raise ApiError(404, f"job '{job}' has no video '{video}'") from None

    @app.put("/api/jobs/{job}/videos/{video}")
    def put_video(job: str, video: str, body: videos.VideoEdit) -> videos.SavedVideo:
        path = folder.job_file(job_or_404(job))
        not_rendering(job)
        try:
            saved, changed, stale = videos.put(folder.root, job, path, video, body,
                                               folder.brands)
        except videos.NotFound:
            raise ApiError(404, f"job '{job}' has no video '{video}'") from None
        except videos.Refused as exc:
            raise ApiError(422, str(exc)) from None
        if changed:
            approvals.set(job, video, False)  # approval was for the video as it was cut
        return videos.SavedVideo(**saved.model_dump(), changed=changed)

    @app.post("/api/jobs/{job}/videos/{video}/retranscribe")
    def retranscribe(job: str, video: str) -> dict:
        if not videos.has(folder.job_file(job_or_404(job)), video):
            raise ApiError(404, f"job '{job}' has no video '{video}'")
        not_rendering(job)
        removed = videos.forget_captions(folder.job_file(job), video)
        if removed:
            approvals.set(job, video, False)
        return {"removed": removed}

    @app.post("/api/jobs/{job}/videos/{video}/approve")
    def approve(job: str, video: str, body: ApproveBody | None = None) -> dict:
        video_or_404(job, video)
        wanted = (body or ApproveBody()).approved
        if wanted and not any(not o.preview for v in job_view(job).videos if v.name == video
                              for o in v.outputs):
            raise ApiError(409, "render the video (not only the quick preview) before "
                                "approving it")
        approvals.set(job, video, wanted)
        return {"approved": wanted}

    @app.post("/api/jobs/{job}/glossary")
    def glossary(job: str, body: GlossaryBody) -> dict:
        job_or_404(job)
        word = body.word.strip()
        words = jobs.add_glossary(folder, job, word)
        srts = (folder.jobs / f"{job}.captions").glob("*.srt")
        unmarked = sum(captions.clear_marks(s, word) for s in srts if not s.name.startswith("."))
        return {"glossary": words, "unmarked": unmarked}

    @app.get("/api/jobs/{job}/download.zip")
    def download(job: str) -> FileResponse:
        view = job_view(job_or_404(job))
        files = _approved_files(folder, view)
        if not files:
            raise ApiError(409, "no approved video with a finished render yet")
        zip_path = _zip(folder, files)
        return FileResponse(zip_path, media_type="application/zip",
                            filename=f"{job}.zip", background=BackgroundTask(zip_path.unlink))

    @app.get("/files/{out}/{name}")
    def files(out: str, name: str) -> FileResponse:
        path = contained(folder.output, out, name)
        if path is None or not path.is_file():
            raise ApiError(404, "no such file")
        return FileResponse(path)

    @app.get("/footage/{job}/{name}")
    def footage(job: str, name: str) -> FileResponse:
        """A source clip for scrubbing in the page: read-only, with Range support."""
        path = contained(folder.footage, job, name) if valid_id(job) else None
        if path is None or not path.is_file() or path.suffix.lower() not in VIDEO_EXTENSIONS:
            raise ApiError(404, "no such clip")
        return FileResponse(path)

    return app


def _errors(app: FastAPI) -> None:
    """The boundary: every failure is one JSON line, {"error": "..."}; never a traceback."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, exc.status)

    @app.exception_handler(PipelineError)
    async def pipeline_error(request: Request, exc: PipelineError) -> JSONResponse:
        return JSONResponse({"error": exc.message()}, 422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return JSONResponse({"error": f"{where}: {msg}" if where else msg}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"unexpected {exc.__class__.__name__}: {exc}"}, 500)


def _accept_clip(folder: jobs.Folder, job: str, partial: Path, name: str) -> str:
    """Probe the uploaded file; a clip gets its final (free) name, anything else is removed
    and refused with the reason the CLI would give."""
    shown = f"footage/{job}/{name}"
    try:
        try:
            probe(partial)
        except MediaError as exc:
            raise MediaError(shown, exc.reason) from None
        if Path(name).suffix.lower() not in VIDEO_EXTENSIONS:
            raise MediaError(shown, "not a clip file name: render takes files ending in "
                                    f"{' '.join(sorted(VIDEO_EXTENSIONS))}; rename it")
        final = free_name(folder.footage / job, name)
        os.link(partial, final)  # fails rather than replace a clip of the same name
        videos.add_upload(folder.job_file(job), final.name)
        return final.name
    finally:
        partial.unlink(missing_ok=True)


def _remove_leftovers(folder: jobs.Folder) -> None:
    """What a stopped studio left: half-written uploads (hidden: render never saw them)."""
    for p in [*folder.footage.glob("*/.*.upload.partial"),
              *(folder.studio / "downloads").glob("*.zip")]:  # and ZIPs it did not finish sending
        p.unlink(missing_ok=True)


async def _event_stream(queue: RenderQueue, job: str, request: Request):
    """Server-sent events: the job's status and progress per output at each change; the
    stream ends once the job is not queued or rendering."""
    seen, quiet = -1, 0.0
    while not await request.is_disconnected():
        if queue.version != seen:
            seen = queue.version
            s = queue.get(job)
            data = {"status": s.status, "progress": s.progress, "errors": s.errors}
            yield f"event: progress\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            if s.status in TERMINAL:
                return
            quiet = 0.0
        await asyncio.sleep(0.25)
        quiet += 0.25
        if quiet >= 15 or queue.stopping:
            if queue.stopping:
                return
            yield ": keep-alive\n\n"
            quiet = 0.0


def _approved_files(folder: jobs.Folder, view: jobs.JobView) -> list[Path]:
    """The approved videos' final outputs with their covers, SRT and VTT."""
    files: list[Path] = []
    out_dir = folder.output / view.id
    for v in view.videos:
        finals = [o for o in v.outputs if not o.preview]
        if not (v.approved and finals):
            continue
        for o in finals:
            mp4 = out_dir / o.url.rsplit("/", 1)[1]
            files += [mp4, *[p for p in (mp4.with_suffix(".jpg"),) if p.is_file()]]
        files += [p for p in (out_dir / f"{v.name}.srt", out_dir / f"{v.name}.vtt") if p.is_file()]
    return list(dict.fromkeys(files))


def _zip(folder: jobs.Folder, files: list[Path]) -> Path:
    """The files in a ZIP under .studio/ (stored: H.264 and JPEG do not compress)."""
    tmp = folder.studio / "downloads"
    tmp.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".zip", dir=tmp)
    os.close(fd)
    with zipfile.ZipFile(name, "w", zipfile.ZIP_STORED) as z:
        for f in files:
            z.write(f, f.name, compress_type=zipfile.ZIP_DEFLATED
                    if f.suffix in (".srt", ".vtt") else zipfile.ZIP_STORED)
    return Path(name)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="Working folder holding jobs/, footage/, brand/, output/.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --token-file.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False),
              help="File holding the token every request must carry.")
@click.option("--max-upload-mb", type=click.IntRange(1, 1 << 20), default=2048,
              show_default=True, help="Largest clip accepted.")
@click.option("--open", "open_browser", is_flag=True, help="Open the studio in the browser.")
def studio(data: Path, host: str, port: int, token_file: Path | None, max_upload_mb: int,
           open_browser: bool) -> None:
    """Review, correct and approve the videos in the browser (http://127.0.0.1:8765)."""
    try:
        token = read_token(host, token_file)
    except Refused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    if not data.is_dir():
        click.echo(f"error: {data}: working folder not found; give --data DIR", err=True)
        sys.exit(EXIT_INVALID)
    import uvicorn

    app = create_app(Settings(data, token, is_loopback(host) and token is None,
                              max_upload_mb << 20))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    click.echo(f"Studio: {url} (Strg-C beendet)", err=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    # Event streams are left after 2 s at Ctrl-C rather than holding the shutdown.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


def main() -> None:
    studio(prog_name="studio")
