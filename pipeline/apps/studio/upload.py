"""A clip upload: the multipart body is parsed as it streams in and its `file` part written in
chunks to a hidden partial file in the job's footage folder; it never sits whole in memory,
and the size limit stops the writing the moment it is passed."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from .security import upload_name

_DRAIN = 16 << 20  # bytes read and dropped past the limit, so the client hears the 413


class TooLarge(Exception):
    pass


class BadUpload(Exception):
    """The request is not a multipart form with a `file` part."""


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field: bytes = b""
    value: bytes = b""


class _Sink:
    """The parser's callbacks: the `file` part goes into `partial`, other parts are skipped."""

    def __init__(self, partial: Path, limit: int) -> None:
        self.partial, self.limit = partial, limit
        self.part = _Part()
        self.out = None
        self.written = 0
        self.filename: str | None = None
        self.over = False

    def callbacks(self) -> dict:
        return {"on_part_begin": self._begin, "on_header_field": self._field,
                "on_header_value": self._value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done, "on_part_data": self._data,
                "on_part_end": self._end}

    def _begin(self) -> None:
        self.part = _Part()

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.part.field += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.part.value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers[self.part.field.lower()] = self.part.value
        self.part.field = self.part.value = b""

    def _headers_done(self) -> None:
        _, params = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        if params.get(b"name") == b"file" and self.filename is None and b"filename" in params:
            self.filename = params[b"filename"].decode("utf-8", "replace")
            self.out = open(self.partial, "xb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.out is None or self.over:
            return
        self.written += end - start
        if self.written > self.limit:
            self.over = True  # stop writing now; the rest of the body is read and dropped
            return
        self.out.write(data[start:end])

    def _end(self) -> None:
        if self.out is not None and not self.out.closed:
            self.out.close()


def boundary_of(content_type: str) -> bytes:
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise BadUpload("send the clip as multipart/form-data with a field named 'file'")
    return params[b"boundary"]


async def receive(chunks: AsyncIterator[bytes], content_type: str, partial: Path,
                  limit: int) -> str:
    """Stream the body into `partial`; the client's file name made safe. The partial file is
    removed on any failure."""
    sink = _Sink(partial, limit)
    parser = MultipartParser(boundary_of(content_type), sink.callbacks())
    try:
        received = 0
        async for chunk in chunks:
            received += len(chunk)
            if sink.over and received > 2 * limit + _DRAIN:
                break  # read what a slow mistake sends, but not forever
            parser.write(chunk)
        if sink.over:
            raise TooLarge()
        parser.finalize()
        if sink.filename is None:
            raise BadUpload("the form has no field 'file' with a file in it")
        return upload_name(sink.filename)
    except BaseException:
        _drop(sink, partial)
        raise
    finally:
        if sink.out is not None:
            sink.out.close()


def _drop(sink: _Sink, partial: Path) -> None:
    if sink.out is not None:
        sink.out.close()
    try:
        os.unlink(partial)
    except FileNotFoundError:
        pass


def free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or name-2, name-3 …: an upload never replaces a clip."""
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = folder / name, 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{dot}{ext}"
        n += 1
    return candidate
