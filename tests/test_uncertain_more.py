"""The marks through the timeline: clip joins, the intro offset, a trim, the gap, the page."""

from __future__ import annotations

from pipeline.edit.cues import (
    CueRules,
    attach_words,
    build_cues,
    over_limits,
    place,
    readability,
)
from pipeline.edit.lexicon import load_lexicon
from pipeline.edit.uncertain import mark_uncertain, uncertain_words
from pipeline.formats.ass import AssStyle, to_ass
from pipeline.formats.srt import parse_srt, to_srt
from pipeline.model.captions import Cue, Word
from pipeline.model.manifest import CaptionReport, Manifest, OutputEntry
from pipeline.publish.page import page

RULES = CueRules()


def test_a_short_last_word_cut_out_by_the_gap_keeps_its_cue_and_marks():
    words = [Word(0.0, 0.4, "Kommen", 0.3), Word(0.4, 0.9, "Sie", 0.9),
             Word(0.9, 0.95, "vorbei.", 0.9), Word(0.96, 1.5, "Heute", 0.9),
             Word(1.5, 2.0, "ist", 0.9), Word(2.0, 2.5, "offen.", 0.9)]
    cues = build_cues(mark_uncertain(words, load_lexicon()), RULES)
    back = attach_words(parse_srt(to_srt(cues)), mark_uncertain(words, load_lexicon()))
    assert [u.text for u in uncertain_words(back)] == ["Kommen"]
    assert all(len(c.text.split()) == len(c.words) for c in back)


def test_a_cue_cut_by_the_trim_keeps_the_marks_of_the_words_still_inside():
    words = mark_uncertain([Word(0.0, 0.4, "Das", 0.2), Word(0.5, 0.9, "Xyzzy", 0.9),
                            Word(1.0, 1.5, "Ende.", 0.9)], load_lexicon())
    (cue,) = build_cues(words, RULES)
    shown = place([cue], 0.0, 1.2, 2.0)  # trimmed at 1.2 s, after a 2 s intro
    listed = uncertain_words(shown)
    assert [(u.text, u.why) for u in listed] == [("Das", "probability"), ("Xyzzy", "dictionary")]
    assert all(shown[0].start <= u.start < shown[0].end for u in listed)


def test_the_gap_between_cues_is_a_limit_and_survives_srt_and_ass_rounding():
    close = [Cue(0.0, 1.98, "Eins zwei drei."), Cue(2.0, 4.0, "Vier fünf sechs.")]
    assert over_limits(close[0], RULES, close[1])
    # 39 ms apart: within the norm; to the nearest centisecond ASS would make it 30 ms.
    spaced = [Cue(0.0, 1.966, "Eins zwei drei."), Cue(2.005, 4.0, "Vier fünf sechs.")]
    again = parse_srt(to_srt(spaced))  # milliseconds
    assert readability(again, RULES).over_limits == 0
    style = AssStyle(1080, 1920, "Atkinson Hyperlegible", True, 64, "#FFFFFF", "#000000", 4,
                     False, 43, 170, 420)
    times = [line.split(",")[1:3] for line in to_ass(again, style).splitlines()
             if line.startswith("Dialogue:")]
    end, start = times[0][1], times[1][0]
    gap = float(start.split(":")[-1]) - float(end.split(":")[-1])
    assert gap >= 1 / 30, times  # a frame without captions at 30 fps


def _entry(target: str, same_as: str | None = None) -> OutputEntry:
    return OutputEntry.model_validate({
        "video": "v", "target": target, "platform": {"name": target}, "file": f"v.{target}.mp4",
        "sha256": "0" * 64, "bytes": 1000, "duration": 5.0, "same_as": same_as,
        "captions": {"srt": "v.srt"}})


def test_the_page_lists_the_words_to_check_and_marks_the_right_one():
    report = CaptionReport(norm="ard", max_chars=37, max_cps=15, uncertain=[
        {"start": 2.5, "end": 2.8, "text": "die", "why": "probability"},
        {"start": 3.1, "end": 3.5, "text": "Bügerbüro", "why": "dictionary"}])
    m = Manifest(outputs=[_entry("tiktok"), _entry("reels", "v.tiktok.mp4")],
                 captions={"v": report})
    from pipeline.publish.page import Sidecars
    html = page(m, {"v": Sidecars([Cue(2.0, 4.0, "Das ist die\nBügerbüro-Seite Bügerbüro")])})
    assert "Bitte prüfen: 2 Wörter" in html and "ARD/ZDF (37 Zeichen, 15 Zeichen/s)" in html
    assert "<mark>die</mark> <span class=\"klein\">(undeutlich gehört)</span>" in html
    assert "Das ist <mark>die</mark><br>Bügerbüro-Seite <mark>Bügerbüro</mark>" in html
    assert html.count("<video ") == 1 and "Für tiktok und reels" in html


def test_an_unreadable_caption_report_drops_only_itself_from_an_earlier_manifest(tmp_path):
    import json

    from pipeline.publish.manifest import read
    entry = _entry("tiktok").model_dump(mode="json")
    (tmp_path / "manifest.json").write_text(json.dumps({
        "job": "j", "outputs": [entry, {"target": "x"}],
        "captions": {"v": {"cues": 2, "uncertain": []}, "w": {"cues": "many"}}}))
    m = read(tmp_path)
    assert [e.file for e in m.outputs] == ["v.tiktok.mp4"] and list(m.captions) == ["v"]


def test_a_caption_file_from_before_the_marks_gets_them_on_read_but_not_corrected_words(
        tmp_path):
    import json

    from pipeline.publish.caption_file import meta_path, read_caption_file
    srt = tmp_path / "v.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,500\nDas Bürgerbüro hat offen.\n",
                   encoding="utf-8")  # a person corrected "Bügerbüro"
    words = [{"start": 0.0, "end": 0.3, "text": "Das", "probability": 0.2},
             {"start": 0.3, "end": 0.8, "text": "Bügerbüro", "probability": 0.9},
             {"start": 0.8, "end": 1.1, "text": "hat", "probability": 0.9},
             {"start": 1.1, "end": 1.5, "text": "offen.", "probability": 0.9}]
    meta_path(srt).write_text(json.dumps({"version": 1, "cut": [], "words": words}))
    lex = load_lexicon()
    (cue,) = read_caption_file(srt, [], mark=lambda ws: mark_uncertain(ws, lex)).cues
    assert [(w.text, w.uncertain) for w in cue.words] == [
        ("Das", "probability"), ("Bürgerbüro", None), ("hat", None), ("offen.", None)]
    meta_path(srt).write_text('{"version": 2, "words": [{"start": "x"}]}')  # damaged
    (cue,) = read_caption_file(srt, []).cues
    assert [w.text for w in cue.words] == ["Das", "Bürgerbüro", "hat", "offen."]
