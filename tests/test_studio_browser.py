"""The studio in real headless Chromium (Debian's, through Playwright; no browser download):
the press officer's whole flow, from a new job to the ZIP holding the corrected word."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, make_kit
from media import ffmpeg, make_clip
from test_studio_api import start_studio, stop

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the "
                               "test extra) for the studio's browser test")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed "
                                "(apt-get install chromium) - the studio's browser test needs it")
WAIT = 240_000  # ms: Whisper and two renders on a busy two-core machine


def speech_clip(path: Path) -> Path:
    """Five seconds of the committed German speech under a test picture."""
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=5",
           "-i", str(ROOT / "tests" / "data" / "speech_de.wav"), "-t", "5",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.fixture
def studio(tmp_path):
    data = tmp_path / "data"
    make_kit(data / "brand" / "test")
    proc, port = start_studio(data)
    yield data, f"http://127.0.0.1:{port}/"
    stop(proc)


def test_create_upload_correct_rerender_approve_download(studio, tmp_path):
    data, url = studio
    clips = [speech_clip(tmp_path / "rede.mp4"),
             make_clip(tmp_path / "ansicht.mp4", size="192x108", seconds=1.0, audio=False)]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            flow(page, data, clips)
            assert errors == []
        finally:
            browser.close()


def unlabelled(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, button, video, [contenteditable]')].filter(e =>
        !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()
        && !e.classList.contains('visually-hidden')).map(e => e.outerHTML)""")


def clock(t: float) -> str:
    """The page's time format: 0:03,1."""
    tenths = round(t * 10)
    m, rest = divmod(tenths, 600)
    return f"{m}:{rest / 10:04.1f}".replace(".", ",")


WHY = {"probability": "undeutlich gehört", "dictionary": "nicht im Wörterbuch"}


def flow(page, data: Path, clips: list[Path]) -> None:
    expect = sync_api.expect
    # A new job: name, kit from the select, one small target, each shown by its platform.
    page.get_by_label("Name").fill("presse")
    page.get_by_label("Markenpaket").select_option("test")
    assert "TikTok" in page.locator("#job-targets").inner_text()
    assert "tiktok" not in page.locator("#job-targets").inner_text()  # the names stay values
    for box in page.locator("#job-targets input").all():
        box.set_checked(box.get_attribute("value") == "tiktok-small")
    page.get_by_role("button", name="Auftrag anlegen").click()
    expect(page.locator("#job-title")).to_have_text("Auftrag presse")
    expect(page.locator("#new-job-message")).to_have_text("Auftrag „presse“ angelegt.")
    assert (data / "jobs" / "presse.yaml").is_file()
    assert unlabelled(page) == []

    # Two clips through the file input; each upload shows its own progress and result.
    page.set_input_files("#clip-input", [str(c) for c in clips])
    expect(page.locator("#uploads li", has_text="hochgeladen")).to_have_count(2, timeout=60_000)
    expect(page.locator("#videos li")).to_have_count(2)
    expect(page.get_by_role("link", name="Freigegebene Videos als ZIP herunterladen")).to_be_hidden()

    # Quick preview: Whisper hears the speech, the cues appear beside the preview.
    page.get_by_role("button", name="Schnellvorschau rendern").click()
    expect(page.locator("#job-status")).to_have_text("fertig", timeout=WAIT)
    # Progress per output under the video's title and the platform, not "rede.tiktok-fast".
    expect(page.locator("#render-progress")).to_contain_text("rede – Vorschau TikTok")
    page.get_by_role("button", name="rede prüfen und bearbeiten").click()
    first = page.locator(".cue .text").first
    expect(first).not_to_be_empty(timeout=30_000)
    assert "-preview/" in page.locator("#player").get_attribute("src")
    assert page.get_by_role("button", name="Video freigeben").is_disabled()
    # Doubtful words are marked in the cues and listed first, as many as the API counts, each
    # with its reason in German; the glossary button only for words the dictionary lacks.
    api = page.request.get(page.url.split("#")[0] + "api/jobs/presse/videos/rede/captions").json()
    job = page.request.get(page.url.split("#")[0] + "api/jobs/presse").json()
    offset = next(v["offset"] for v in job["videos"] if v["name"] == "rede")
    assert offset == pytest.approx(1.0)  # the test kit's intro card
    doubtful = [w for c in api["cues"] for w in c["words"] if w["uncertain"]]
    marks = page.locator(".cue mark").count()
    assert page.locator("#check-list li").count() == marks == len(doubtful)
    assert page.locator("#check-box").is_visible() == (marks > 0)
    for item, w in zip(page.locator("#check-list li").all(), doubtful):
        reasons = w["uncertain"].split(",")
        assert item.locator(".why").inner_text() == " und ".join(WHY[r] for r in reasons)
        assert item.locator(".time").inner_text() == clock(w["start"] + offset)
        glossary = item.get_by_role("button", name="zum Glossar hinzufügen")
        assert glossary.count() == ("dictionary" in reasons)
    for title in page.locator(".cue mark").evaluate_all("ms => ms.map(m => m.title)"):
        assert title.startswith("Bitte prüfen: ") and "probability" not in title

    # A cue's time is the player's (the intro included); a click seeks the player there, to
    # the moment the cue is shown, and highlights the cue.
    time, cue = page.locator(".cue .time").first, api["cues"][0]
    assert time.inner_text() == clock(cue["start"] + offset)
    time.click()
    shown = page.locator("#player").evaluate("p => p.currentTime")
    assert cue["start"] + offset <= shown < min(cue["end"], cue["start"] + 0.5) + offset
    expect(page.locator(".cue").first).to_have_class("cue current", timeout=20_000)

    # A word the dictionary lacks goes into the glossary as it is, without its punctuation;
    # the confirmation stays, the word is no longer listed.
    glossary = page.locator("#check-list li").filter(
        has=page.get_by_role("button", name="zum Glossar hinzufügen"))
    if glossary.count():
        before = page.locator("#check-list li").count()
        word = glossary.first.locator("mark").inner_text().strip(".,;:!?…„“\"'()»«")
        glossary.first.get_by_role("button").last.click()
        expect(page.locator("#save-message")).to_have_text(
            f"„{word}“ steht jetzt im Glossar dieses Auftrags.")
        assert page.locator("#check-list li").count() < before
        assert word in (data / "jobs" / "presse.yaml").read_text()

    # Correct one word and save.
    words = first.inner_text().split()
    words[0] = "Musterwort"
    first.fill(" ".join(words))
    page.get_by_role("button", name="Untertitel speichern").click()
    expect(page.locator("#save-message")).to_contain_text("Gespeichert")
    assert "Musterwort" in (data / "jobs" / "presse.captions" / "rede.srt").read_text()

    # Render for publishing, approve, and download the approved videos as a ZIP.
    page.get_by_role("button", name="Für die Veröffentlichung rendern").click()
    # (the status said "fertig" before the click already: wait for the finished video)
    expect(page.locator("#player-note")).to_have_text("Fertiges Video für TikTok (216 px).",
                                                      timeout=WAIT)
    expect(page.locator("#job-status")).to_have_text("fertig")
    # What was done about faces, as the page beside the videos says it (no face in testsrc2).
    expect(page.locator("#faces-note")).to_have_text(re.compile(
        r"^Datenschutz: 0 Gesichter erkannt, davon keines unkenntlich gemacht\. Bitte vor dem "
        r"Veröffentlichen ansehen"))
    expect(page.locator("#downloads")).to_contain_text(
        re.compile(r"TikTok \(216 px\) \(MP4, \d+,\d (kB|MB)\)"))
    page.get_by_role("button", name="Video freigeben").click()
    expect(page.locator("#approve-message")).to_have_text("Freigegeben.")
    # The ZIP link both beside the approve button and in the job's list of videos.
    expect(page.locator("#zip")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#zip-video").click()
    body = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        names = set(z.namelist())
        assert {"rede.tiktok-small.mp4", "rede.tiktok-small.jpg", "rede.srt", "rede.vtt"} <= names
        assert not any(n.startswith("ansicht") for n in names)  # not approved
        assert "Musterwort" in z.read("rede.srt").decode("utf-8")

    # A title in "Bearbeiten": saved into the job file and shown in the list. The cut is as
    # render made the caption file for, so the captions still fit.
    assert unlabelled(page) == []
    page.get_by_label("Titel", exact=True).fill("Tag der offenen Tür")
    page.get_by_role("button", name="Schnitt speichern").click()
    expect(page.locator("#edit-message")).to_contain_text("Gespeichert")
    expect(page.locator("#videos li", has_text="Tag der offenen Tür")).to_have_count(1)
    expect(page.locator("#editor-title")).to_have_text("Video: Tag der offenen Tür")
    expect(page.locator("#stale")).to_be_hidden()
    assert "title: Tag der offenen Tür" in (data / "jobs" / "presse.yaml").read_text()

    # Faces: the kit's privacy default is what "as in the job" means; another choice for this
    # video goes into the job file, and undoes the approval (the video will look different).
    faces = page.get_by_label("Gesichter", exact=True)
    assert faces.locator("option:checked").inner_text() == \
        "Wie im Auftrag (Unbeteiligte unkenntlich machen (die sprechende Person bleibt sichtbar))"
    faces.select_option(label="Alle Gesichter unkenntlich machen")
    expect(page.locator("#edit-message")).to_have_text("Ungespeicherte Änderungen am Schnitt.")
    page.get_by_role("button", name="Schnitt speichern").click()
    expect(page.locator("#edit-message")).to_contain_text("Gespeichert")
    assert "faces: blur\n" in (data / "jobs" / "presse.yaml").read_text()
    expect(page.get_by_role("button", name="Video freigeben")).to_be_visible()

    # Another job: nothing of this one's uploads, progress or messages is left on the page.
    page.get_by_label("Name").fill("zweiter")
    page.get_by_role("button", name="Auftrag anlegen").click()
    expect(page.locator("#job-title")).to_have_text("Auftrag zweiter")
    expect(page.locator("#uploads li")).to_have_count(0)
    expect(page.locator("#render-progress li")).to_have_count(0)
    expect(page.locator("#editor")).to_be_hidden()
    page.locator("#job-list a", has_text="presse").click()
    expect(page.locator("#job-title")).to_have_text("Auftrag presse")
    expect(page.locator("#new-job-message")).to_be_empty()
