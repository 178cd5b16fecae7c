"""Words → cues: each named step on its own, then the whole chain against subtitle norms."""

from __future__ import annotations

import pytest

from pipeline.edit.cues import (
    CueRules,
    break_lines,
    build_cues,
    extend_for_reading,
    remove_overlaps,
    split_at_pauses,
    split_at_sentences,
    split_to_fit,
)
from pipeline.formats.ass import AssStyle, to_ass, word_events
from pipeline.model.captions import Cue, Word

RULES = CueRules()


def words(text: str, start: float = 0.0, dur: float = 0.3, gap: float = 0.05) -> list[Word]:
    out, t = [], start
    for tok in text.split():
        out.append(Word(round(t, 3), round(t + dur, 3), tok))
        t += dur + gap
    return out


def texts(groups) -> list[str]:
    return [" ".join(w.text for w in g) for g in groups]


def test_split_at_sentences_but_not_after_ordinals():
    g = words("Am 1. Mai ist Tag der Arbeit. Das Bürgerbüro bleibt zu! Wirklich?")
    assert texts(split_at_sentences([g], RULES)) == [
        "Am 1. Mai ist Tag der Arbeit.", "Das Bürgerbüro bleibt zu!", "Wirklich?"]


def test_split_at_pauses():
    g = words("Herzlich willkommen") + words("in Musterstadt", start=2.0)
    assert texts(split_at_pauses([g], RULES)) == ["Herzlich willkommen", "in Musterstadt"]


def test_split_to_fit_prefers_comma_and_conjunction():
    g = words("Wir suchen Auszubildende für das Bürgerbüro, die Feuerwehr und das "
              "Standesamt der Stadt Musterstadt in Niedersachsen")
    parts = texts(split_to_fit([g], RULES))
    assert len(parts) == 2
    assert parts[0].endswith("Bürgerbüro,") or parts[1].startswith("und")
    assert all(len(p) <= 2 * RULES.max_chars + 1 for p in parts)


def test_split_to_fit_respects_max_seconds():
    g = words("eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf", dur=0.8)
    for part in split_to_fit([g], RULES):
        assert part[-1].end - part[0].start <= RULES.max_seconds


def test_break_lines_at_conjunction_with_umlauts_and_eszett():
    g = words("Die Straße zur Fähre wird gesperrt und die Grünfläche am Fluß gemäht")
    lines = break_lines(g, RULES)
    assert lines == ["Die Straße zur Fähre wird gesperrt", "und die Grünfläche am Fluß gemäht"]


def test_break_lines_never_inside_a_long_compound():
    compound = "Grundstücksverkehrsgenehmigungszuständigkeit"  # 44 characters, one word
    g = words(f"Die {compound} liegt beim Landkreis")
    lines = break_lines(g, RULES)
    assert any(compound in ln.split() for ln in lines)  # whole: longer than a line, not cut
    assert " ".join(lines) == " ".join(w.text for w in g)


def test_thirty_character_compound_fits_on_a_line():
    compound = "Straßenverkehrsordnungsbehörde"
    assert len(compound) == 30
    cues = build_cues(words(f"Zuständig ist die {compound} im Rathaus am Markt"))
    lines = [ln for c in cues for ln in c.text.split("\n")]
    assert all(len(ln) <= 42 for ln in lines) and any(compound in ln for ln in lines)


def test_numbers_stay_with_their_noun():
    g = words("Das Landesamt öffnet am Sonntag ab zehn Uhr genau 25 historische Gebäude")
    lines = break_lines(g, RULES)
    assert not lines[0].endswith("25") and not lines[0].endswith("am")


def test_glossary_names_are_not_broken():
    rules = CueRules(keep_together=("Landesamt für Denkmalpflege",))
    g = words("Morgen öffnet das Landesamt für Denkmalpflege seine Türen für alle Gäste")
    # Two lines would fit only by cutting the name, so the text becomes two cues instead.
    cues = build_cues(g, rules)
    lines = [ln for c in cues for ln in c.text.split("\n")]
    assert any("Landesamt für Denkmalpflege" in ln for ln in lines), lines
    assert len(build_cues(g)) == 1  # without the glossary: one cue, the name cut


def test_extend_for_reading_uses_the_gap_but_not_the_next_cue():
    cues = [Cue(0.0, 0.5, "Ein ziemlich langer Satz zum Lesen"), Cue(1.2, 1.5, "Ja")]
    out = extend_for_reading(cues, RULES)
    assert out[0].end == pytest.approx(1.2 - RULES.gap)
    assert out[1].end == pytest.approx(1.2 + RULES.min_seconds)


def test_remove_overlaps_leaves_a_frame_between_cues():
    out = remove_overlaps([Cue(0.0, 2.0, "a"), Cue(1.5, 3.0, "b")], RULES)
    assert out[0].end == pytest.approx(1.5 - RULES.gap) and out[1].start == 1.5
    assert RULES.gap >= 1 / 25  # at least one frame at 25 fps and above


def test_build_cues_meets_the_norms():
    text = ("Willkommen bei der Stadt Musterstadt. Wir suchen Auszubildende für das "
            "Bürgerbüro, die Straßenverkehrsordnungsbehörde und das Standesamt. Bewirb dich "
            "bis zum 1. Mai 2026, wir freuen uns auf dich und deine Fragen zur Ausbildung!")
    cues = build_cues(words(text, dur=0.25, gap=0.03))
    assert " ".join(c.text.replace("\n", " ") for c in cues) == text
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start  # never overlapping
    for c in cues:
        lines = c.text.split("\n")
        assert len(lines) <= 2 and all(len(ln) <= 42 for ln in lines)
        assert c.end - c.start <= 7.0
        assert c.end - c.start >= 0.7 or c is not cues[-1] and c.end == pytest.approx(
            cues[cues.index(c) + 1].start - RULES.gap)


def test_word_style_highlights_each_spoken_word_in_chunks_of_up_to_three():
    cues = build_cues(words("Grüße aus der schönen Stadt Musterstadt."))
    style = AssStyle(1080, 1920, "Atkinson Hyperlegible", True, 64, "#FFFFFF", "#000000", 4,
                     False, 65, 65, 420, highlight="#FFCC00", words=True)
    events = word_events(cues, style)
    assert len(events) == 6  # one event per spoken word
    assert events[0][2] == "{\\c&H00CCFF&}Grüße{\\r} aus der"
    assert events[3][2] == "{\\c&H00CCFF&}schönen{\\r} Stadt Musterstadt."
    for (s1, e1, _), (s2, _, _) in zip(events, events[1:]):
        assert e1 <= s2 + 1e-9
    assert "Dialogue: 0,0:00:00.00," in to_ass(cues, style)
