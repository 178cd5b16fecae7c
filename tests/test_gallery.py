"""The gallery page, made from a manifest: links, escaping, platform warnings, German text."""

from __future__ import annotations

import re

from pipeline.model.captions import Cue
from pipeline.model.manifest import Manifest, OutputEntry, Platform
from pipeline.publish.manifest import platform
from pipeline.publish.page import (
    Sidecars,
    de_bytes,
    de_seconds,
    header_colours,
    page,
    track_url,
    warnings,
)


def _entry(video: str, target: str, *, duration: float = 13.6, size: int = 5_200_000,
           title: str = "Willkommen in Musterstadt", captions: str = "burned in") -> OutputEntry:
    settings = {"size": "1080x1920", "fps": 30, "x264_preset": "veryfast", "crf": 16,
                "audio_bitrate": "192k", "sample_rate": 48000, "loudness_target": {},
                "loudness_measured_input": {}, "captions": captions, "plan_version": 3}
    return OutputEntry.model_validate({
        "video": video, "title": title, "target": target, "platform": platform(target),
        "file": f"{video}.{target}.mp4", "sha256": "0" * 64, "bytes": size,
        "duration": duration, "cover": {"file": f"{video}.{target}.jpg", "time": 5.0},
        "captions": {"srt": f"{video}.srt", "vtt": f"{video}.vtt"},
        "probe": {"width": 1080, "height": 1920, "fps": 30.0, "duration": duration},
        "settings": settings,
    })


def _manifest(*entries: OutputEntry, **extra) -> Manifest:
    return Manifest.model_validate({
        "job": "example", "brand": "Stadt Musterstadt", "written": "2026-11-27T10:05:00+01:00",
        "brand_colors": {"primary": "#003366", "accent": "#FFCC00", "text": "#FFFFFF"},
        "outputs": list(entries), "failures": [], **extra})


def test_page_lists_every_output_with_relative_links():
    m = _manifest(_entry("willkommen", "tiktok"), _entry("willkommen", "reels"),
                  _entry("denkmal", "reels", title="Ausbildung beim Landesamt"))
    html = page(m, {})
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    for e in m.outputs:
        assert f'src="{e.file}"' in html and f'href="{e.file}" download' in html
        assert f'href="{e.cover.file}"' in html
    for f in ("willkommen.srt", "willkommen.vtt", "denkmal.srt", "denkmal.vtt"):
        assert f'href="{f}" download' in html
    assert html.count("<video ") == 3
    # Only relative links: no scheme, no absolute path, nothing from the network.
    for link in re.findall(r'(?:src|href|poster)="([^"]*)"', html):
        assert not re.match(r"^(?:[a-z]+:|/)", link), link
    assert "Ausbildung beim Landesamt" in html and "TikTok" in html and "Instagram Reels" in html


VTT = "WEBVTT\n\n00:00:02.400 --> 00:00:04.000\nGrüße & <Hallo>\n"


def test_every_cover_has_alt_text_and_each_video_a_caption_track():
    html = page(_manifest(_entry("a", "tiktok"), _entry("a", "reels")), {"a": Sidecars([], VTT)})
    assert re.search(r'<img src="a\.tiktok\.jpg"[^>]* alt="Titelbild für TikTok: Willkommen', html)
    # The .vtt's own text, inline: a page opened from a share cannot load a track file.
    track = f'<track kind="captions" src="{track_url(VTT)}" srclang="de" label="Deutsch">'
    assert html.count(track) == 2
    assert track_url(VTT).startswith("data:text/vtt;charset=utf-8,WEBVTT%0A%0A00%3A00")
    assert "<Hallo>" not in html


def test_track_is_shown_by_default_only_when_captions_are_not_burned_in():
    e = _entry("a", "tiktok", captions="none")
    assert 'srclang="de" label="Deutsch" default>' in page(_manifest(e), {"a": Sidecars([], VTT)})


def test_titles_and_caption_text_are_escaped():
    evil = 'Tag der <script>alert("x")</script> & offenen Tür'
    cues = [Cue(2.4, 4.0, "Bürgerbüro <b>jetzt</b>\nzweite Zeile")]
    html = page(_manifest(_entry("a", "reels", title=evil)), {"a": Sidecars(cues)})
    assert "<script>alert" not in html
    assert "Tag der &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; offenen Tür" in html
    assert "Bürgerbüro &lt;b&gt;jetzt&lt;/b&gt;<br>zweite Zeile" in html
    assert html.count("<script>") == 1  # the page's own small script only


def test_warning_for_a_reel_longer_than_three_minutes():
    long = _entry("lang", "reels", duration=205.0)
    assert warnings(long) == ["Zu lang für Instagram Reels: 3:25 min, erlaubt sind höchstens "
                              "3:00 min. Kürzen Sie das Video (start/end in der Auftragsdatei) "
                              "und rendern Sie neu."]
    html = page(_manifest(long, _entry("kurz", "reels")), {})
    assert 'class="warn" role="alert">Zu lang für Instagram Reels' in html
    assert "1 von 2 Dateien überschreiten die Grenzen" in html


def test_warning_for_a_file_too_large_and_none_within_limits():
    big = _entry("gross", "tiktok", size=300_000_000)
    assert warnings(big) == ["Zu groß für TikTok: 300,0 MB, erlaubt sind höchstens 287,0 MB."]
    assert warnings(_entry("ok", "tiktok", duration=599.0)) == []
    unknown = _entry("x", "tiktok").model_copy(update={"platform": Platform(name="Neu")})
    assert warnings(unknown) == []


def test_platform_notes_list_each_targets_limits():
    html = page(_manifest(_entry("a", "tiktok"), _entry("a", "reels")), {})
    assert re.search(r"<th scope=\"row\">TikTok</th><td>10:00 min</td><td>287,0 MB</td>", html)
    assert re.search(r"<th scope=\"row\">Instagram Reels</th><td>3:00 min</td><td>4,0 GB</td>",
                     html)


def test_readability_report_and_caption_text_are_shown():
    report = {"cues": 3, "over_limits": 1, "slowest_cps": 21.4, "language": "de",
              "language_probability": 0.98, "confidence": 0.912, "source": "whisper",
              "model": "base", "caption_file": "/jobs/example.captions/a.srt"}
    html = page(_manifest(_entry("a", "reels"), captions={"a": report}),
                {"a": Sidecars([Cue(2.4, 4.0, "Willkommen in Musterstadt")])})
    for text in ("Einblendungen</dt><dd>3", "1, bitte prüfen", "21 Zeichen/s", "de (98 %)",
                 "91 % sicher", "Whisper, Modell base", "/jobs/example.captions/a.srt",
                 '<span class="zeit">0:02,4</span> Willkommen in Musterstadt'):
        assert text in html, text


def test_failures_and_an_empty_folder_are_said_plainly():
    html = page(_manifest(failures=["footage/x.mov: file is empty"]), {})
    assert "Nicht erstellt" in html and "footage/x.mov: file is empty" in html
    assert "noch keine fertigen Videos" in html


def test_german_number_formats():
    assert de_seconds(13.6) == "13,6 s" and de_seconds(185) == "3:05 min"
    assert de_bytes(5_234_567) == "5,2 MB" and de_bytes(4e9) == "4,0 GB"


def test_header_text_colour_keeps_contrast():
    assert header_colours("#003366") == ("#003366", "#FFFFFF")
    assert header_colours("#FFCC00") == ("#FFCC00", "#000000")
