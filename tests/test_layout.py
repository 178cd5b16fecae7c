"""The package layout shows the data flow: imports run one way, no cycles, nothing at import."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"
# Lowest first: a module imports only from its own subpackage or from one earlier here.
LAYERS = ("model", "system", "config", "formats", "analysis", "edit", "render", "publish",
          "engine", "apps")


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
            .removesuffix(".__init__"): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """The package's own modules that `name` imports (relative imports resolved)."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(here[:len(here) - node.level + 1]) if node.level else ""
            mod = ".".join(x for x in (base, node.module or "") if x)
            found |= {f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules() else mod
                      for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m == "pipeline" or m.startswith("pipeline.")}


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[1])


def test_every_module_lives_in_a_layer() -> None:
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert loose == [], "modules outside the subpackages"
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} == set(LAYERS)


def test_imports_run_one_way() -> None:
    wrong = []
    for name, path in modules().items():
        if name in ("pipeline", "pipeline.__main__"):
            continue
        for dep in imports_of(name, path):
            if dep == "pipeline":
                continue  # the version string
            same = dep.split(".")[1] == name.split(".")[1]
            if not same and layer(dep) >= layer(name):
                wrong.append(f"{name} imports {dep}")
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = {n: imports_of(n, p) - {"pipeline"} for n, p in modules().items()}
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        state[n] = 1
        for d in sorted(graph.get(n, ())):
            assert state.get(d) != 1, " -> ".join([*trail, n, d])
            if d not in state:
                visit(d, [*trail, n])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [])


def test_importing_the_package_changes_nothing_in_the_process() -> None:
    """No environment written, no thread or child started, at import time."""
    names = [n for n in modules() if n != "pipeline.__main__"]
    code = ("import json, os, sys, threading; before = dict(os.environ); "
            f"[__import__(n) for n in {names!r}]; "
            "print(json.dumps([dict(os.environ) == before, threading.active_count()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    assert json.loads(out.stdout) == [True, 1]
