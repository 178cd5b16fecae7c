"""`index.html`: the page the press officer opens to watch each video and download it.

Made from the manifest alone (plus the caption text from the `.srt` sidecars), so it always
lists what is in the folder. Self-contained: relative links to the files beside it, inline CSS,
no fonts, scripts or anything else from the network, so it opens from a network share without
a server. Every text from a job or caption file goes through `html.escape`.
"""

from __future__ import annotations

import html
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..formats.srt import parse_srt
from ..model.captions import Cue
from ..model.manifest import (
    BrandColors,
    CaptionReport,
    FaceReport,
    Manifest,
    OutputEntry,
    Platform,
    UncertainWord,
)

PAGE = "index.html"


@dataclass(frozen=True)
class Sidecars:
    """A video's caption files as the page uses them."""

    cues: list[Cue]           # from the .srt: the caption text shown on the page
    vtt: str | None = None    # the .vtt as written: the previews' caption track


def caption_texts(folder: Path, manifest: Manifest) -> dict[str, Sidecars]:
    """Each listed video's caption sidecars, read from the output folder."""
    out: dict[str, Sidecars] = {}
    for e in manifest.outputs:
        if e.video not in out and e.captions:
            out[e.video] = Sidecars(parse_srt(_read(folder, e.captions.srt) or ""),
                                    _read(folder, e.captions.vtt))
    return out


def _read(folder: Path, name: str | None) -> str | None:
    try:
        return (folder / name).read_text(encoding="utf-8-sig") if name else None
    except (OSError, UnicodeDecodeError):
        return None


def page(manifest: Manifest, texts: dict[str, Sidecars]) -> str:
    """The whole page as one HTML string."""
    outputs = manifest.outputs
    videos: dict[str, list[OutputEntry]] = {}
    for e in outputs:
        videos.setdefault(e.video, []).append(e)
    body = [_failures(manifest.failures), _platform_notes(outputs)]
    body += [_video(name, entries, manifest.captions.get(name),
                    texts.get(name, Sidecars([])), manifest.faces.get(name))
             for name, entries in videos.items()]
    if not outputs:
        body.append('<p class="leer">In diesem Ordner sind noch keine fertigen Videos.</p>')
    title = f"Kurzvideos: {manifest.job}"
    return (f'<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="color-scheme" content="light">\n<title>{_e(title)}</title>\n'
            f'<style>{_css(manifest.brand_colors)}</style>\n</head>\n<body>\n'
            f"{_header(manifest, len(videos), len(outputs))}\n<main>\n"
            + "\n".join(b for b in body if b) + f"\n</main>\n{_SCRIPT}\n</body>\n</html>\n")


# --- formatting (German) ------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def de_number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def de_seconds(seconds: float) -> str:
    """13,6 s below a minute, else 3:05 min."""
    if seconds < 60:
        return f"{de_number(seconds)} s"
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d} min"


def de_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{de_number(n / size)} {unit}"
    return f"{int(n)} Byte"


def _timecode(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}".replace(".", ",")


# --- platform limits ------------------------------------------------------------------------


def warnings(entry: OutputEntry) -> list[str]:
    """What stops this file from being uploaded to one of its platforms as it is (German)."""
    out = []
    for p in entry.platforms or [entry.platform]:
        out += _over(entry, p)
    return out


def _over(entry: OutputEntry, p: Platform) -> list[str]:
    out = []
    if p.max_seconds and entry.duration > p.max_seconds:
        out.append(f"Zu lang für {p.name}: {de_seconds(entry.duration)}, erlaubt sind "
                   f"höchstens {de_seconds(p.max_seconds)}. Kürzen Sie das Video "
                   "(start/end in der Auftragsdatei) und rendern Sie neu.")
    if p.max_bytes and entry.bytes > p.max_bytes:
        out.append(f"Zu groß für {p.name}: {de_bytes(entry.bytes)}, erlaubt sind höchstens "
                   f"{de_bytes(p.max_bytes)}.")
    return out


def _platform_notes(outputs: list[OutputEntry]) -> str:
    rows = []
    for target in dict.fromkeys(e.target for e in outputs):
        entries = [e for e in outputs if e.target == target]
        for p in entries[0].platforms or [entries[0].platform]:
            bad = sum(bool(_over(e, p)) for e in entries)
            state = (f'<span class="warn-text">{bad} von {len(entries)} Dateien überschreiten '
                     f'die Grenzen</span>' if bad else f"alle {len(entries)} Dateien passen")
            rows.append(f"<tr><th scope=\"row\">{_e(p.name)}</th>"
                        f"<td>{_limit(p.max_seconds, de_seconds)}</td>"
                        f"<td>{_limit(p.max_bytes, de_bytes)}</td><td>{state}</td></tr>")
    if not rows:
        return ""
    return ('<section class="hinweise" aria-labelledby="h-plattformen">\n'
            '<h2 id="h-plattformen">Plattform-Hinweise</h2>\n<table>\n<thead><tr>'
            '<th scope="col">Plattform</th><th scope="col">Länge höchstens</th>'
            '<th scope="col">Dateigröße höchstens</th><th scope="col">Diese Dateien</th>'
            "</tr></thead>\n<tbody>" + "".join(rows) + "</tbody>\n</table>\n"
            '<p class="klein">Grenzen beim Hochladen in der App, Stand November 2026; die '
            "Plattformen ändern sie gelegentlich.</p>\n</section>")


def _limit(value, fmt) -> str:
    return fmt(value) if value else "–"


# --- sections -------------------------------------------------------------------------------


def _header(m: Manifest, videos: int, files: int) -> str:
    when = ""
    try:
        when = datetime.fromisoformat(m.written or "").strftime("Stand: %d.%m.%Y, %H:%M Uhr · ")
    except ValueError:
        pass
    return (f'<header>\n<p class="absender">{_e(m.brand)}</p>\n'
            f"<h1>Kurzvideos: {_e(m.job)}</h1>\n"
            f'<p class="stand">{when}{videos} Video{"s" if videos != 1 else ""} in '
            f"{files} Datei{'en' if files != 1 else ''}</p>\n"
            "<p>Jedes Video lässt sich hier ansehen und herunterladen: die MP4-Datei zum "
            "Hochladen, das Titelbild (JPG) und die Untertitel als SRT- und VTT-Datei.</p>\n"
            "</header>")


def _failures(failures: list[str]) -> str:
    if not failures:
        return ""
    items = "".join(f"<li><code>{_e(f)}</code></li>" for f in failures)
    return (f'<section class="fehler" role="alert"><h2>Nicht erstellt</h2>'
            f"<p>Diese Videos konnten beim letzten Lauf nicht erstellt werden:</p>"
            f"<ul>{items}</ul></section>")


def _video(name: str, entries: list[OutputEntry], report: CaptionReport | None,
           sidecars: Sidecars, faces: FaceReport | None = None) -> str:
    title = entries[0].title or name
    # A file that is the same as another (a shared 9:16 layout) is shown once, for all.
    cards = "\n".join(_target(e, title, sidecars.vtt,
                               [c for c in entries if c.same_as == e.file])
                       for e in entries if not e.same_as or
                       not any(o.file == e.same_as for o in entries))
    return (f'<article id="video-{_e(name)}" aria-labelledby="t-{_e(name)}">\n'
            f'<h2 id="t-{_e(name)}">{_e(title)}</h2>\n'
            f'<p class="klein">Video <code>{_e(name)}</code></p>\n'
            f"{_faces(faces)}"
            f'<div class="ziele">\n{cards}\n'
            f"{_captions(entries[0], report, sidecars.cues)}\n</div>\n"
            "</article>")


def faces_text(f: FaceReport | None) -> str | None:
    """What was done about faces, for the press office to check bystanders before
    publishing (the page and the studio); None when the clips were not scanned."""
    if f is None or f.mode == "off":
        return None
    seen = "1 Gesicht" if f.tracks == 1 else f"{f.tracks} Gesichter"
    blurred = "keines" if not f.blurred else ("eines" if f.blurred == 1 else str(f.blurred))
    follow = " Der Bildausschnitt folgt der sprechenden Person." if f.follow else ""
    return (f"Datenschutz: {seen} erkannt, davon {blurred} unkenntlich gemacht.{follow} "
            "Bitte vor dem Veröffentlichen ansehen: Gesichter, die die Erkennung übersieht, "
            "bleiben sichtbar.")


def _faces(f: FaceReport | None) -> str:
    text = faces_text(f)
    return f'<p class="gesichter">{_e(text)}</p>\n' if text else ""


def _names(names: list[str]) -> str:
    """"TikTok, Instagram Reels und YouTube Shorts"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} und {names[-1]}"


def _target(e: OutputEntry, title: str, vtt: str | None, copies: list[OutputEntry]) -> str:
    platform = _names([x.platform.name for x in (e, *copies)])
    cover = e.cover.file if e.cover else None
    burned = e.settings is not None and e.settings.captions == "burned in"
    # The track is the .vtt's text in a data: URL: a page opened as a file may not load a
    # track from a file beside it (Chromium treats every file as its own origin). Captions
    # burned into the picture already show; shown by default, the track would double them.
    track = (f'<track kind="captions" src="{_e(track_url(vtt))}" srclang="de" '
             f'label="Deutsch"{"" if burned else " default"}>') if vtt else ""
    # The cover as poster: the video's own first frame is the black start of the intro fade.
    poster = f' poster="{_e(cover)}"' if cover else ""
    notes = "".join(f'<p class="warn" role="alert">{_e(w)}</p>'
                    for x in (e, *copies) for w in warnings(x))
    heading = f"Für {platform}" if copies else platform
    return (f'<section class="ziel" aria-label="{_e(platform)}">\n'
            f"<h3>{_e(heading)}</h3>\n<div class=\"medien\">\n"
            f'<figure><video controls preload="metadata"{poster} src="{_e(e.file)}" '
            f'width="162" height="288" aria-label="Vorschau {_e(platform)}: {_e(title)}">'
            f"{track}</video>"
            f'<p class="abspielfehler" hidden>Die Vorschau lässt sich in diesem Browser nicht '
            f"abspielen; die Datei selbst ist davon nicht betroffen.</p></figure>\n"
            f'<div class="info">{_facts(e)}{notes}\n{_downloads(e, copies, cover, title)}'
            "</div>\n</div>\n</section>")


def track_url(vtt: str) -> str:
    return "data:text/vtt;charset=utf-8," + urllib.parse.quote(vtt)


def _facts(e: OutputEntry) -> str:
    p = e.probe
    size = f"{p.width}×{p.height}" if p else "–"
    fps = f"{de_number(p.fps, 0)} fps" if p else "–"
    return ('<dl class="fakten">'
            f"<dt>Dauer</dt><dd>{de_seconds(e.duration)}</dd>"
            f"<dt>Größe</dt><dd>{de_bytes(e.bytes)}</dd>"
            f"<dt>Bild</dt><dd>{size}</dd><dt>Bildrate</dt><dd>{fps}</dd></dl>")


def _downloads(e: OutputEntry, copies: list[OutputEntry], cover: str | None,
               title: str) -> str:
    """The file under each target's own name (the same bytes), and the cover."""
    video = "".join(f'<li><a href="{_e(x.file)}" download>Video'
                    f'{f" für {_e(x.platform.name)}" if copies else ""} (MP4, '
                    f"{de_bytes(x.bytes)})</a></li>" for x in (e, *copies))
    image = (f'<li><a href="{_e(cover)}" download class="titelbild"><img src="{_e(cover)}" '
             f'width="54" height="96" alt="Titelbild für {_e(e.platform.name)}: {_e(title)}">'
             "<span>Titelbild (JPG)</span></a></li>") if cover else ""
    return f'<ul class="downloads">{video}{image}</ul>'


def _captions(e: OutputEntry, r: CaptionReport | None, cues: list[Cue]) -> str:
    files = {"srt": e.captions.srt, "vtt": e.captions.vtt} if e.captions else {}
    links = "".join(f'<li><a href="{_e(f)}" download>Untertitel ({ext.upper()})</a></li>'
                    for ext, f in files.items() if f)
    doubtful = r.uncertain if r else []
    lines = "".join(f'<li><span class="zeit">{_timecode(c.start)}</span> '
                    f"{_marked(c, doubtful)}</li>" for c in cues)
    text = (f'<ol class="untertitel">{lines}</ol>' if lines
            else '<p class="klein">Keine Untertitel (keine Sprache erkannt).</p>')
    return ('<section class="bericht" aria-label="Untertitel">\n<h3>Untertitel</h3>\n'
            f"{_report(r)}\n{_check_list(doubtful)}{text}\n"
            f'{f"<ul class=downloads>{links}</ul>" if links else ""}\n</section>')


NORM_NAMES = {"social": "Social Media", "ard": "ARD/ZDF"}


def _norm(r: CaptionReport) -> str:
    """The norm and the limits the cues were counted against (a kit may set its own)."""
    name = NORM_NAMES.get(r.norm or "", r.norm or "–")
    if r.max_chars is None or r.max_cps is None:
        return _e(name)
    return _e(f"{name} ({r.max_chars} Zeichen, {de_number(r.max_cps, 0)} Zeichen/s)")
# What each reason means to the person checking (manifest `why`, see edit/uncertain.py).
WHY = {"probability": "undeutlich gehört", "dictionary": "nicht im Wörterbuch"}


def _why(why: str) -> str:
    return " und ".join(WHY.get(w, w) for w in why.split(","))


def _check_list(doubtful: list[UncertainWord]) -> str:
    """The words to check, with their time in the video, before the full caption text."""
    if not doubtful:
        return ""
    items = "".join(f'<li><span class="zeit">{_timecode(u.start)}</span> '
                    f'<mark>{_e(u.text)}</mark> <span class="klein">({_why(u.why)})</span></li>'
                    for u in doubtful)
    return (f'<p class="warn-text">Bitte prüfen: {len(doubtful)} '
            f'{"Wort" if len(doubtful) == 1 else "Wörter"}</p>\n'
            f'<ul class="pruefen">{items}</ul>\n')


def _marked(c: Cue, doubtful: list[UncertainWord]) -> str:
    """A cue's text with its doubtful words highlighted, line breaks kept."""
    todo = [u.text for u in doubtful if c.start - 0.0015 <= u.start < c.end]
    lines = []
    for line in c.text.split("\n"):
        tokens = []
        for token in line.split(" "):
            if token in todo:
                todo.remove(token)
                tokens.append(f"<mark>{_e(token)}</mark>")
            else:
                tokens.append(_e(token))
        lines.append(" ".join(tokens))
    return "<br>".join(lines)


def _report(r: CaptionReport | None) -> str:
    """The readability report: what to check before publishing."""
    if r is None:
        return ""
    over = r.over_limits
    lang = _e(r.language or "?")
    if r.language_probability is not None:
        lang += f" ({de_number(100 * r.language_probability, 0)} %)"
    conf = r.confidence
    source = (f"Whisper, Modell {_e(r.model or '')}" if r.source == "whisper"
              else "Untertitel-Datei")
    rows = [("Einblendungen", str(r.cues)),
            ("Über Grenzwerten", f'<span class="warn-text">{over}, bitte prüfen</span>'
             if over else "0"),
            ("Norm", _norm(r)),
            ("Unsichere Wörter", f'<span class="warn-text">{len(r.uncertain)}</span>'
             if r.uncertain else "0"),
            ("Lesetempo max.", f"{de_number(r.slowest_cps, 0)} Zeichen/s"),
            ("Sprache", lang),
            ("Erkennung", f"{de_number(100 * conf, 0)} % sicher" if conf is not None else "–"),
            ("Quelle", source)]
    fix = (f'<p class="klein">Korrekturen in <code>{_e(r.caption_file)}</code>, danach '
           "neu rendern.</p>") if r.caption_file else ""
    return ('<dl class="lesbarkeit">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
            + f"</dl>{fix}")


# --- style and the one small script --------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of "#RRGGBB"."""
    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def header_colours(primary: str) -> tuple[str, str]:
    """The kit's primary colour as header background, with black or white text, whichever
    reads better (a light brand colour must not get white text)."""
    try:
        lum = _luminance(primary)
    except (ValueError, TypeError, IndexError):
        return "#003366", "#FFFFFF"
    return primary, "#FFFFFF" if (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) else "#000000"


def _css(colors: BrandColors) -> str:
    bg, fg = header_colours(colors.primary)
    accent = colors.accent
    return f"""
:root {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1b1f24; background: #eef1f4; line-height: 1.45; }}
body {{ margin: 0; }}
header {{ background: {bg}; color: {fg}; padding: 20px 32px 16px;
  border-bottom: 6px solid {accent}; }}
header h1 {{ margin: 2px 0 4px; font-size: 1.7rem; }}
header p {{ margin: 2px 0; }}
.absender {{ font-size: .85rem; letter-spacing: .04em; text-transform: uppercase; }}
main {{ margin: 0 32px 32px; }}
section.hinweise, section.fehler, article, .leer {{ margin: 20px 0; }}
section.hinweise, section.fehler, article {{ background: #fff; border-radius: 8px;
  padding: 16px 20px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
h2 {{ margin: 0 0 4px; font-size: 1.3rem; }}
h3 {{ margin: 0 0 8px; font-size: 1.05rem; }}
table {{ border-collapse: collapse; }}
th, td {{ text-align: left; padding: 4px 18px 4px 0; border-bottom: 1px solid #d5dbe1; }}
.klein {{ font-size: .85rem; color: #4a5560; margin: 4px 0 8px; }}
.ziele {{ display: flex; flex-wrap: wrap; gap: 16px; margin-top: 8px; }}
.ziel, .bericht {{ border: 1px solid #d5dbe1; border-radius: 6px; padding: 12px 14px; }}
.ziel {{ flex: 0 1 auto; }}
.bericht {{ flex: 1 1 280px; min-width: 0; }}
.medien {{ display: flex; gap: 12px; }}
figure {{ margin: 0; }}
figcaption {{ font-size: .8rem; color: #4a5560; }}
video {{ display: block; width: 162px; height: 288px; background: #1b1f24;
  border-radius: 4px; }}
.info {{ width: 190px; }}
.downloads a.titelbild {{ display: flex; align-items: center; gap: 10px; padding: 4px 10px 4px 4px;
  background: #fff; color: #0b4f8a; border: 1px solid #0b4f8a; }}
.downloads a.titelbild:hover, .downloads a.titelbild:focus {{ background: #e8f0f8; }}
.titelbild img {{ display: block; width: 54px; height: 96px; border-radius: 2px; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0 0 10px; }}
dt {{ color: #4a5560; }} dd {{ margin: 0; }}
.downloads {{ list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap;
  gap: 8px; }}
.info .downloads {{ flex-direction: column; align-items: flex-start; }}
.downloads a {{ display: inline-block; padding: 5px 10px; border-radius: 4px;
  background: #0b4f8a; color: #fff; text-decoration: none; font-size: .9rem; }}
.downloads a:hover, .downloads a:focus {{ background: #083a66; text-decoration: underline; }}
a:focus-visible {{ outline: 3px solid {accent}; outline-offset: 2px; }}
.warn {{ background: #fff4ce; border-left: 4px solid #8a6d00; color: #3d3000;
  padding: 6px 10px; margin: 10px 0 0; max-width: 300px; font-size: .9rem; }}
.warn-text {{ color: #8a4b00; font-weight: 600; }}
.fehler {{ border-left: 6px solid #b3261e; }}
.untertitel {{ list-style: none; padding: 0; margin: 8px 0; max-height: 14em; overflow: auto;
  border-top: 1px solid #d5dbe1; padding-top: 6px; }}
.untertitel li {{ break-inside: avoid; margin-bottom: 4px; }}
.zeit {{ font-variant-numeric: tabular-nums; color: #4a5560; font-size: .85rem; }}
mark {{ background: #ffe9a8; color: inherit; padding: 0 2px; border-radius: 2px; }}
.pruefen {{ list-style: none; padding: 0; margin: 4px 0 8px; }}
.abspielfehler {{ color: #b3261e; max-width: 162px; font-size: .8rem; }}
code {{ font-size: .85em; word-break: break-all; }}
"""


# Marks each preview and its caption track as loaded or failed (a test reads the marks), shows
# a note next to a preview this browser cannot play, and loads the caption track (hidden: the
# player's caption menu shows it). It only reads the page's own video elements.
_SCRIPT = """<script>
for (const v of document.querySelectorAll("video")) {
  const loaded = () => { v.dataset.state = "loaded"; v.dataset.duration = v.duration.toFixed(2); };
  const failed = () => { v.dataset.state = "error";
    v.parentElement.querySelector(".abspielfehler").hidden = false; };
  v.addEventListener("loadedmetadata", loaded);
  v.addEventListener("error", failed);
  if (v.readyState >= 1) loaded(); else if (v.error) failed();
  for (const t of v.querySelectorAll("track")) {
    const cues = () => { v.dataset.cues = t.track.cues ? t.track.cues.length : 0; };
    t.addEventListener("load", cues);
    t.addEventListener("error", () => { v.dataset.cues = "error"; });
    if (t.track.mode === "disabled") t.track.mode = "hidden";
    if (t.readyState === 2) cues();
  }
}
</script>"""
