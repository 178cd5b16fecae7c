"""Marking the words a person should check, and where the marks end up."""

from __future__ import annotations

from pipeline.edit.cues import attach_words, build_cues
from pipeline.edit.lexicon import load_lexicon
from pipeline.edit.uncertain import (
    PROBABILITY_THRESHOLD,
    mark_uncertain,
    uncertain_words,
)
from pipeline.model.captions import Word


def _words(*items: tuple[str, float]) -> list[Word]:
    return [Word(i * 0.5, i * 0.5 + 0.4, t, p) for i, (t, p) in enumerate(items)]


def test_low_probability_and_unknown_words_are_marked_with_their_reason():
    lex = load_lexicon(["Musterstadt"])
    low = PROBABILITY_THRESHOLD / 2
    words = mark_uncertain(_words(("Willkommen", 0.95), ("im", 0.9), ("Bügerbüro", 0.9),
                                  ("Musterstadt.", low), ("Xyzzyq", low)), lex)
    assert [w.uncertain for w in words] == [None, None, "dictionary", "probability",
                                            "probability,dictionary"]


def test_glossary_names_compounds_and_numbers_are_not_marked():
    lex = load_lexicon(["Landesamt für Denkmalpflege"])
    words = mark_uncertain(_words(("Denkmalpflege", 0.9), ("Bürgerbüros,", 0.9),
                                  ("Personalausweisantrag", 0.9), ("14:30", 0.9), ("2026.", 0.9)),
                           lex)
    assert [w.uncertain for w in words] == [None] * 5


def test_each_marked_word_is_listed_once_as_the_cue_shows_it_and_inside_it():
    lex = load_lexicon()
    words = mark_uncertain(_words(("Das", 0.9), ("Bügerbüro", 0.9), ("hat", 0.9), ("heute", 0.2),
                                  ("geöffnet.", 0.9)), lex)
    cues = build_cues(words)
    listed = uncertain_words(cues)
    assert [(u.text, u.why) for u in listed] == [("Bügerbüro", "dictionary"),
                                                 ("heute", "probability")]
    for u in listed:
        cue = next(c for c in cues if c.start <= u.start < c.end)
        assert u.text in cue.text.split() and u.end >= u.start


def test_a_corrected_word_loses_its_mark_an_unchanged_one_keeps_it():
    lex = load_lexicon()
    words = mark_uncertain(_words(("Das", 0.9), ("Bügerbüro", 0.9), ("hat", 0.3),
                                  ("geöffnet.", 0.9)), lex)
    (cue,) = build_cues(words)
    edited = cue.__class__(cue.start, cue.end, cue.text.replace("Bügerbüro", "Bürgerbüro"))
    (back,) = attach_words([edited], words)
    assert [(w.text, w.uncertain) for w in back.words] == [
        ("Das", None), ("Bürgerbüro", None), ("hat", "probability"), ("geöffnet.", None)]
    assert [u.text for u in uncertain_words([back])] == ["hat"]
