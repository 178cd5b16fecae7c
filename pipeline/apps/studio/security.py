"""The studio's guards: who may talk to it, which requests may change things, and which
paths it may touch. Pure checks plus one ASGI middleware; no I/O beyond reading the token."""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

TOKEN_COOKIE = "studio_token"
MAKE_TOKEN = ('python -c "import secrets; print(secrets.token_urlsafe(32))" > studio.token')
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_UPLOAD_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class Refused(Exception):
    """The studio must not start: one line saying why and what to do."""


def is_loopback(host: str) -> bool:
    if host.strip("[]") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(host: str, token_file: Path | None) -> str | None:
    """The token every request must carry, or None (loopback without a token file).
    Raises Refused when the studio would be reachable from elsewhere without one."""
    if token_file is None:
        if is_loopback(host):
            return None
        raise Refused(f"--host {host} makes the studio reachable from other computers: give "
                      f"--token-file FILE; make one with: {MAKE_TOKEN}")
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"{token_file}: cannot read the token file ({exc.__class__.__name__}); "
                      f"make one with: {MAKE_TOKEN}") from None
    if len(token) < 16:
        raise Refused(f"{token_file}: the token is shorter than 16 characters; make one with: "
                      f"{MAKE_TOKEN}")
    return token


def valid_id(name: str) -> bool:
    """Job ids are plain ASCII slugs: they become file names in jobs/, footage/ and output/."""
    return _ID.fullmatch(name) is not None


def safe_part(name: str) -> bool:
    """One path component that cannot climb, hide or alias: no separators, no NUL or control
    characters, no leading dot, and unchanged by NFKC (fullwidth dots, ligatures)."""
    return (0 < len(name) <= 255 and "/" not in name and "\\" not in name
            and not name.startswith(".") and unicodedata.normalize("NFKC", name) == name
            and not any(unicodedata.category(c)[0] == "C" for c in name))


def contained(root: Path, *parts: str) -> Path | None:
    """root/parts resolved (symlinks followed), or None when any part is unsafe or the result
    lies outside root."""
    if not all(safe_part(p) for p in parts):
        return None
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    return path if path.is_relative_to(base) and path != base else None


def upload_name(filename: str) -> str:
    """A safe file name for an upload: the client's base name in ASCII letters, digits, `._-`."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFKC", filename or ""))[-1]
    ascii_ = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UPLOAD_UNSAFE.sub("_", ascii_).lstrip("._-")[-120:]
    return cleaned or "clip"


@dataclass(frozen=True)
class Guard:
    """The settings the middleware enforces."""
    token: str | None          # None: loopback, no login
    loopback_only: bool        # the Host header must be a loopback name (DNS rebinding)


def _host_name(host_header: str) -> str:
    return (urlsplit(f"//{host_header}").hostname or "") if host_header else ""


def bearer_ok(headers: dict[str, str], token: str | None) -> bool:
    auth = headers.get("authorization", "")
    return token is not None and auth.startswith("Bearer ") and \
        hmac.compare_digest(auth[7:].strip().encode(), token.encode())


def cookie_ok(cookie_header: str, token: str | None) -> bool:
    if token is None:
        return False
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE and hmac.compare_digest(value.encode(), token.encode()):
            return True
    return False


def same_origin(headers: dict[str, str]) -> bool:
    """A state-changing browser request must come from the studio's own page: its Origin (or,
    without one, its Referer) names the host the request was sent to."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    own = headers.get("host", "")
    source = headers.get("origin") or headers.get("referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc == own


def check(guard: Guard, method: str, path: str, headers: dict[str, str]) -> tuple[int, str] | None:
    """(status, reason) when the request must be refused, else None."""
    if guard.loopback_only and not is_loopback(_host_name(headers.get("host", ""))):
        return 400, "the studio answers only on 127.0.0.1 or localhost"
    bearer = bearer_ok(headers, guard.token)
    public = path == "/login" or (method in _SAFE_METHODS and path.startswith("/static/"))
    if guard.token is not None and not bearer and not public and \
            not cookie_ok(headers.get("cookie", ""), guard.token):
        return 401, "log in first: the studio needs its token"
    if method not in _SAFE_METHODS and not bearer:
        if not same_origin(headers):
            return 403, "refused: a request that changes something must come from the studio's page"
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if path.startswith("/api/") and kind not in ("application/json", "multipart/form-data"):
            return 415, "send JSON (Content-Type: application/json)"
    return None


class GuardMiddleware:
    """ASGI middleware applying `check` to every HTTP request before any route sees it."""

    def __init__(self, app, guard: Guard, login_page: str) -> None:
        self.app, self.guard, self.login_page = app, guard, login_page

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refused = check(self.guard, scope["method"], scope["path"], headers)
        if refused is None:
            return await self.app(scope, receive, send)
        status, reason = refused
        api = scope["path"].startswith("/api/") or scope["method"] not in _SAFE_METHODS
        if status == 401 and not api:
            body, kind = self.login_page.encode(), b"text/html; charset=utf-8"
        else:
            body, kind = json.dumps({"error": reason}).encode(), b"application/json"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
