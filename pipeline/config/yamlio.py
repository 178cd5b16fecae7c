"""Read a YAML file into a pydantic model, reporting problems with key path and line.

Shared by the job file (`spec.py`) and the brand kit (`brand.py`): both are written by hand
by people who are not programmers, so every message names the file, where in it, and what
to do.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from ..model.errors import JobError

M = TypeVar("M", bound=pydantic.BaseModel)


def read_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse `path`; return the data and a map from key path to 1-based line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JobError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JobError(path, f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise JobError(path, f"{where}invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise JobError(path, f"invalid YAML: {exc}") from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, path: tuple, out: dict[tuple, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = path + (key.value,)
            out[sub] = key.start_mark.line + 1
            _index_lines(value, sub, out)
            out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), out)


def load_model(path: Path, model: type[M], data: Any, lines: dict[tuple, int]) -> M:
    """Validate `data` against `model`; the first problem becomes a JobError."""
    if data is None:
        raise JobError(path, "the file is empty")
    if not isinstance(data, dict):
        raise JobError(path, "must be a mapping of `key: value` lines at the top level")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise JobError(path, describe(exc.errors()[0], model, lines, data)) from None


def describe(err: dict, model: type[pydantic.BaseModel], lines: dict[tuple, int],
             data: Any = None) -> str:
    """One line for one pydantic error: `line N, key a.b[0].c: what is wrong`."""
    loc = _data_loc(err["loc"], data)
    key = _key_text(loc) or "(top level)"
    line = _line_for(loc, lines)
    where = f"line {line}, " if line else ""
    if err["type"] == "extra_forbidden":
        hint = _did_you_mean(loc, model)
        return f"{where}unknown key '{key}'{hint}"
    if err["type"] == "missing":
        return f"{where}missing required key '{key}'"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}key '{key}': {msg}"


def _data_loc(loc: tuple, data: Any) -> tuple:
    """The part of pydantic's location that is a path in the document.

    pydantic adds union branch names ('FontSpec', 'str', 'function-after[...]') to a location;
    following the data keeps only real keys and indexes, whatever they are called."""
    out: list = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(part, str) and not isinstance(node, list):
            out.append(part)  # a missing key: not in the data, but it is what to name
    return tuple(out)


def _key_text(loc: tuple) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _line_for(loc: tuple, lines: dict[tuple, int]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _did_you_mean(loc: tuple, model: type[pydantic.BaseModel]) -> str:
    if not loc:
        return ""
    target = _model_at(model, loc[:-1])
    if target is None:
        return ""
    known = list(target.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (known keys: {', '.join(known)})"


def _model_at(model: type[pydantic.BaseModel], loc: tuple) -> type[pydantic.BaseModel] | None:
    """The nested model class that a location points into, for listing its keys."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        current = _first_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, pydantic.BaseModel) else None


def _first_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def at(lines: dict[tuple, int], key: str) -> str:
    """'line N, ' for a dotted key path such as 'videos.0.clips.1.file', or '' if unknown."""
    parts = tuple(int(p) if p.isdigit() else p for p in key.split("."))
    line = _line_for(parts, lines) if parts[:1] in lines else None
    return f"line {line}, " if line else ""
