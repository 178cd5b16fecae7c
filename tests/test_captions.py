from pipeline.edit.cues import place
from pipeline.formats.ass import AssStyle, ass_text, to_ass
from pipeline.formats.srt import parse_srt, to_srt, to_vtt
from pipeline.model.captions import Cue

SRT = """\ufeff1
00:00:01,000 --> 00:00:02,500
Grüße aus <i>Musterstadt</i>

2
00:00:03,000 --> 00:00:04,000
Straße
und Fähre

3
no timing here
"""


def test_parse_srt_keeps_umlauts_and_lines_drops_tags():
    cues = parse_srt(SRT)
    assert cues == [Cue(1.0, 2.5, "Grüße aus Musterstadt"), Cue(3.0, 4.0, "Straße\nund Fähre")]


def test_srt_and_vtt_round_trip():
    cues = parse_srt(SRT)
    assert parse_srt(to_srt(cues)) == cues
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nGrüße aus Musterstadt\n")


def test_place_trims_and_offsets():
    cues = [Cue(0.5, 1.5, "a"), Cue(2.0, 3.0, "b"), Cue(5.0, 6.0, "c")]
    # Clip trimmed to [1.0, 2.5), placed after a 2 s intro.
    placed = place(cues, 1.0, 2.5, 2.0)
    assert placed == [Cue(2.0, 2.5, "a"), Cue(3.0, 3.5, "b")]


def test_ass_escapes_override_braces_and_breaks_lines():
    assert ass_text("a {\\b1} b\nc") == "a (⧵b1) b\\Nc"


def test_ass_style_carries_font_margins_and_colours():
    style = AssStyle(width=1080, height=1920, font="Atkinson Hyperlegible", bold=True, size=64,
                     color="#FFCC00", outline_color="#000000", outline=4, box=False,
                     margin_l=65, margin_r=170, margin_v=420)
    ass = to_ass([Cue(1.0, 2.0, "Straße")], style)
    assert "PlayResX: 1080\nPlayResY: 1920" in ass
    assert "Style: Default,Atkinson Hyperlegible,64,&H0000CCFF," in ass
    assert ",1,4,0,2,65,170,420,1" in ass  # outline border, bottom-centre, safe-zone margins
    assert "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Straße" in ass
