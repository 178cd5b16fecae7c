#!/usr/bin/env python3
"""Make the screenshots in docs/: the render's terminal output and the example's page.

    python scripts/make_screenshots.py [--chromium /usr/bin/chromium]

Renders the shipped example in a terminal of 110 columns (tmux), as a press officer sees it,
into /tmp/musterstadt/ (its caption files there too), and takes both pictures with headless
Chromium (Debian's `chromium`); tmux and chromium from apt.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def shoot(chromium: str, page: Path, png: Path, size: str) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--window-size={size}",
                        f"--screenshot={png}", page.as_uri()], check=True,
                       capture_output=True)


def terminal(job: Path, output: Path) -> str:
    """What the terminal shows after `render JOB` has finished, with its colours."""
    render = Path(sys.executable).with_name("render")
    session = "pipeline-screenshot"
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "110", "-y", "60",
                    f"{render} {job} --output {output} --brands {ROOT / 'brand'}; "
                    "echo RENDER-DONE; sleep 600"], check=True)
    try:
        for _ in range(900):
            pane = subprocess.run(["tmux", "capture-pane", "-p", "-e", "-t", session],
                                  capture_output=True, text=True, check=True).stdout
            if "RENDER-DONE" in pane:
                return pane.split("RENDER-DONE")[0].rstrip()
            time.sleep(1)
        raise SystemExit("the example did not finish rendering in 15 minutes")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    work = Path("/tmp/musterstadt")
    shutil.rmtree(work, ignore_errors=True)
    (work / "jobs").mkdir(parents=True)
    job = work / "jobs" / "example.yaml"
    job.write_text((ROOT / "jobs" / "example.yaml").read_text(encoding="utf-8").replace(
        "../footage/example", str(ROOT / "footage" / "example")), encoding="utf-8")
    pane = terminal(job, work / "output")
    console = Console(record=True, width=110, file=open(os.devnull, "w"))
    console.print(Text.from_ansi(f"$ render jobs/example.yaml\n{pane}"))
    svg = work / "terminal.svg"
    console.save_svg(str(svg), title="render jobs/example.yaml")
    rows = pane.count("\n") + 2
    shoot(args.chromium, svg, DOCS / "render-terminal.png", f"1400,{rows * 25 + 90}")
    shoot(args.chromium, work / "output" / "example" / "index.html", DOCS / "gallery.png",
          "1280,1600")


if __name__ == "__main__":
    main()
