"""Numbers and clock times by the ARD/ZDF standard: parsing, each rule and its exceptions,
the timing of merged words, and that the step is pure and idempotent."""

from __future__ import annotations

from itertools import pairwise

import pytest

from pipeline.edit.numbers import german_number, normalise_numbers, number_words
from pipeline.model.captions import Word, text_of


def words(text: str, start: float = 0.0, dur: float = 0.3, gap: float = 0.05) -> list[Word]:
    out, t = [], start
    for k, tok in enumerate(text.split()):
        out.append(Word(round(t, 3), round(t + dur, 3), tok, round(0.9 - 0.01 * k, 2)))
        t += dur + gap
    return out


def shown(text: str) -> str:
    return text_of(normalise_numbers(words(text)))


# --- parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("null", 0), ("eins", 1), ("zwei", 2), ("zwo", 2), ("sechs", 6), ("sieben", 7),
    ("zehn", 10), ("elf", 11), ("zwölf", 12), ("dreizehn", 13), ("sechzehn", 16),
    ("siebzehn", 17), ("neunzehn", 19), ("zwanzig", 20), ("einundzwanzig", 21),
    ("dreißig", 30), ("dreissig", 30), ("fünfundzwanzig", 25), ("sechzig", 60),
    ("siebzig", 70), ("neunundneunzig", 99), ("hundert", 100), ("einhundert", 100),
    ("hunderteins", 101), ("hundertzwei", 102), ("hundertundzwei", 102),
    ("zweihundertfünfzig", 250), ("neunhundertneunundneunzig", 999), ("tausend", 1000),
    ("eintausend", 1000), ("tausendundeins", 1001), ("dreitausendvierhundert", 3400),
    ("zweitausendsechsundzwanzig", 2026), ("neunzehnhundertneunzig", 1990),
    ("elfhundert", 1100), ("zehntausend", 10000), ("zweihundertfünfzigtausend", 250000),
    ("hunderttausend", 100000),
    ("neunhundertneunundneunzigtausendneunhundertneunundneunzig", 999999),
    ("Dreizehn", 13), ("ZWÖLF", 12), ("fuenf", 5), ("zwoelf", 12), (" acht ", 8),
])
def test_german_number(text: str, value: int) -> None:
    assert german_number(text) == value


@pytest.mark.parametrize("text", [
    "ein", "eine", "einen", "einem", "einer", "eines", "Ein", "", "und", "hundertund",
    "sechszehn", "siebenzehn", "einshundert", "tausendtausend", "hunderthundert",
    "dreizehnte", "dritte", "Tausende", "hundertmal", "tausendundeine", "Kinder", "13",
    "zweidrei", "dreizehn.", "neunzehnhundertneunzigtausend", "undzwanzig",
])
def test_german_number_rejects(text: str) -> None:
    assert german_number(text) is None


@pytest.mark.parametrize(("n", "word"), [
    (0, "null"), (1, "eins"), (2, "zwei"), (3, "drei"), (4, "vier"), (5, "fünf"),
    (6, "sechs"), (7, "sieben"), (8, "acht"), (9, "neun"), (10, "zehn"), (11, "elf"),
    (12, "zwölf"),
])
def test_number_words_round_trip(n: int, word: str) -> None:
    assert number_words(n) == word
    assert german_number(word) == n


@pytest.mark.parametrize("n", [-1, 13, 100])
def test_number_words_only_up_to_twelve(n: int) -> None:
    with pytest.raises(ValueError, match="0 to 12"):
        number_words(n)


# --- the step ------------------------------------------------------------------------------

CASES = [
    # counts up to twelve as words
    ("Wir haben 3 Kinder", "Wir haben drei Kinder"),
    ("seit 12 Wochen", "seit zwölf Wochen"),
    ("nach 2 oder 3 Tagen", "nach zwei oder drei Tagen"),
    ("mit 3 bis 5 Kindern", "mit drei bis fünf Kindern"),
    ("drei Kinder und zwölf Wochen", "drei Kinder und zwölf Wochen"),
    ("in 5 Minuten", "in fünf Minuten"),
    ("Es waren 7, nicht 8!", "Es waren sieben, nicht acht!"),
    ("halb 3", "halb drei"),
    # 13 and up as digits
    ("dreizehn Feuerwehrleute", "13 Feuerwehrleute"),
    ("13 Feuerwehrleute", "13 Feuerwehrleute"),
    ("fünfundzwanzig Jahre", "25 Jahre"),
    ("zweihundertfünfzig Euro", "250 Euro"),
    ("zweihundert fünfzig Euro", "250 Euro"),
    ("zwei hundert Gäste", "200 Gäste"),
    ("ein hundert Jahre", "100 Jahre"),
    ("zweitausend sechsundzwanzig", "2026"),
    ("zwei tausend drei hundert Anträge", "2300 Anträge"),
    ("im Jahr zweitausendsechsundzwanzig", "im Jahr 2026"),
    ("neunzehnhundertneunzig", "1990"),
    ("hundert Menschen", "100 Menschen"),
    ("zweihundertfünfzigtausend Einwohner", "250.000 Einwohner"),
    ("zehntausend", "10.000"),
    ("Zwanzig Jahre", "20 Jahre"),
    ("drei zehn", "drei zehn"),                 # joined only at hundert/tausend
    ("zwanzig, dreißig Leute", "20, 30 Leute"),
    # clock times in digits with "Uhr"
    ("um 9 Uhr", "um 9 Uhr"),
    ("um neun Uhr", "um 9 Uhr"),
    ("um 14 Uhr", "um 14 Uhr"),
    ("um vierzehn Uhr", "um 14 Uhr"),
    ("um 14.30 Uhr", "um 14:30 Uhr"),
    ("um 9.05 Uhr", "um 9:05 Uhr"),
    ("um 14:30 Uhr", "um 14:30 Uhr"),
    ("um 14 Uhr 30", "um 14:30 Uhr"),
    ("um 14 Uhr 05 beginnt es", "um 14:05 Uhr beginnt es"),
    ("um vierzehn Uhr dreißig", "um 14:30 Uhr"),
    ("um vierzehn Uhr dreissig.", "um 14:30 Uhr."),
    ("um vierzehn Uhr 30", "um 14:30 Uhr"),
    ("um 14 Uhr fünfundvierzig", "um 14:45 Uhr"),
    ("um zehn Uhr fünf", "um 10:05 Uhr"),
    ("um zwölf Uhr", "um 12 Uhr"),
    ("um null Uhr", "um 0 Uhr"),
    ("um ein Uhr", "um 1 Uhr"),
    ("um ein Uhr dreißig", "um 1:30 Uhr"),
    ("von neun bis zwölf Uhr", "von 9 bis 12 Uhr"),
    ("zwischen 9 und 12 Uhr", "zwischen 9 und 12 Uhr"),
    ("von 9.30 bis 12 Uhr", "von 9:30 bis 12 Uhr"),
    ("ab 9 Uhr 3 Kinder", "ab 9 Uhr drei Kinder"),   # the 3 counts the noun after it
    ("um 12 Uhr dreißig Kinder", "um 12 Uhr 30 Kinder"),
    ("um 14 Uhr, dreißig Gäste", "um 14 Uhr, 30 Gäste"),
    ("Die Uhr tickt", "Die Uhr tickt"),
    ("Ich kaufe eine Uhr", "Ich kaufe eine Uhr"),
    ("um 14.30", "um 14.30"),                       # no "Uhr": could be a date or a score
    ("halb drei", "halb drei"),
    ("Viertel nach drei", "Viertel nach drei"),
    # articles are never numbers
    ("ein Kind", "ein Kind"),
    ("eine Frau und einen Antrag", "eine Frau und einen Antrag"),
    ("mit einem Ziel, einer Idee, eines Tages", "mit einem Ziel, einer Idee, eines Tages"),
    ("Ein Termin", "Ein Termin"),
    ("eine Million Euro", "eine Million Euro"),
    # ordinals, dates, years, decimals
    ("am 3. Mai", "am 3. Mai"),
    ("am 3 Mai", "am 3 Mai"),
    ("bis 12. Dezember", "bis 12. Dezember"),
    ("der 3. Platz", "der 3. Platz"),
    ("Es sind 3.", "Es sind 3."),                   # "3." reads as an ordinal: left
    ("im Jahr 2026", "im Jahr 2026"),
    ("2,5 Prozent", "2,5 Prozent"),
    ("2,5 Kinder", "2,5 Kinder"),
    ("zwei Komma fünf Prozent", "zwei Komma fünf Prozent"),
    ("3 Komma 5", "3 Komma 5"),
    # units, percent and money keep digits
    ("5 %", "5 %"),
    ("5 Prozent", "5 Prozent"),
    ("fünf Prozent", "5 Prozent"),
    ("3 km", "3 km"),
    ("drei Kilometer", "3 Kilometer"),
    ("5 Euro", "5 Euro"),
    ("zwei Euro", "2 Euro"),
    ("10 €", "10 €"),
    ("minus 4 Grad", "minus 4 Grad"),
    ("vier Grad", "4 Grad"),
    ("3 kg", "3 kg"),
    ("3 bis 5 Prozent", "3 bis 5 Prozent"),
    ("drei bis fünf Prozent", "3 bis 5 Prozent"),
    ("drei Millionen Euro", "3 Millionen Euro"),
    ("drei Millionen Menschen", "drei Millionen Menschen"),
    ("5%", "5%"),
    # labels, streets, phone numbers, leading zeros, 0 and 1
    ("Seite 3", "Seite 3"),
    ("Gleis 7", "Gleis 7"),
    ("Nr. 4", "Nr. 4"),
    ("§ 5", "§ 5"),
    ("Tagesordnung Punkt 2", "Tagesordnung Punkt 2"),
    ("Hauptstraße 3", "Hauptstraße 3"),
    ("Am Markt 5", "Am Markt 5"),
    ("Telefon 0511 12 34 56", "Telefon 0511 12 34 56"),
    ("die 05 gewinnt", "die 05 gewinnt"),
    ("1 Kind", "1 Kind"),
    ("0 Fehler", "0 Fehler"),
    # punctuation and case
    ("Es kamen dreizehn.", "Es kamen 13."),
    ("(dreizehn)", "(13)"),
    ("„3 Kinder“", "„Drei Kinder“"),
    ("Wir haben 4, sie 5!", "Wir haben vier, sie fünf!"),
    ("3 Kinder spielen.", "Drei Kinder spielen."),
    ("Gut. 3 Kinder spielen.", "Gut. Drei Kinder spielen."),
    ("Gut! 3 Kinder", "Gut! Drei Kinder"),
    ("Am 2. Mai kamen 3 Kinder", "Am 2. Mai kamen drei Kinder"),
    ("Mai. 3 Kinder", "Mai. Drei Kinder"),
    ("zweihundert, fünfzig", "200, 50"),          # a comma ends a number
    # nothing to do
    ("Herzlich willkommen in Musterstadt.", "Herzlich willkommen in Musterstadt."),
    ("", ""),
]


@pytest.mark.parametrize(("before", "after"), CASES)
def test_normalise_numbers(before: str, after: str) -> None:
    assert shown(before) == after


@pytest.mark.parametrize("before", [c[0] for c in CASES])
def test_normalising_twice_changes_nothing(before: str) -> None:
    once = normalise_numbers(words(before))
    assert normalise_numbers(once) == once


def test_normalised_text_is_a_fixed_point() -> None:
    """The standard's own spelling goes through unchanged, words and timing alike."""
    ws = words("Um 14:30 Uhr kommen drei Kinder, 13 Feuerwehrleute und 250 Gäste am 3. Mai.")
    assert normalise_numbers(ws) == ws


# --- timing --------------------------------------------------------------------------------

def test_a_single_rewritten_word_keeps_its_timing() -> None:
    ws = words("Es kamen dreizehn.")
    out = normalise_numbers(ws)
    assert [(w.start, w.end, w.probability) for w in out] == [
        (w.start, w.end, w.probability) for w in ws]
    assert out[2].text == "13."


def test_merged_words_span_first_start_to_last_end_with_lowest_probability() -> None:
    ws = [Word(1.0, 1.4, "zweihundert", 0.9), Word(1.5, 1.9, "fünfzig", 0.6),
          Word(2.0, 2.3, "Euro.", 0.8)]
    out = normalise_numbers(ws)
    assert out == [Word(1.0, 1.9, "250", 0.6), Word(2.0, 2.3, "Euro.", 0.8)]


def test_three_merged_words_take_the_last_ones_punctuation() -> None:
    ws = [Word(0.0, 0.3, "zwei", 0.7), Word(0.4, 0.7, "tausend", 0.9),
          Word(0.8, 1.2, "sechsundzwanzig.", 0.5)]
    assert normalise_numbers(ws) == [Word(0.0, 1.2, "2026.", 0.5)]


def test_spoken_time_becomes_two_tokens_over_the_three_words() -> None:
    ws = [Word(0.0, 0.2, "um", 0.99), Word(0.3, 0.7, "vierzehn", 0.9),
          Word(0.8, 1.0, "Uhr", 0.95), Word(1.1, 1.5, "dreißig.", 0.7)]
    out = normalise_numbers(ws)
    assert out == [Word(0.0, 0.2, "um", 0.99), Word(0.3, 0.7, "14:30", 0.7),
                   Word(0.8, 1.5, "Uhr.", 0.7)]
    assert out[1].start == ws[1].start and out[-1].end == ws[-1].end


def test_clock_time_from_digits_keeps_each_words_timing() -> None:
    ws = [Word(0.3, 0.7, "14.30", 0.8), Word(0.8, 1.0, "Uhr", 0.9)]
    assert normalise_numbers(ws) == [Word(0.3, 0.7, "14:30", 0.8), Word(0.8, 1.0, "Uhr", 0.9)]


def test_words_stay_in_time_order_without_overlaps() -> None:
    out = normalise_numbers(words("Ab vierzehn Uhr dreißig kommen zweihundert fünfzig Gäste "
                                  "und 3 Kinder, um sechzehn Uhr zwölf Feuerwehrleute."))
    assert text_of(out) == ("Ab 14:30 Uhr kommen 250 Gäste und drei Kinder, um 16 Uhr "
                            "zwölf Feuerwehrleute.")
    assert all(a.end <= b.start for a, b in pairwise(out))
    assert all(w.start < w.end for w in out)


# --- purity --------------------------------------------------------------------------------

def test_the_input_is_not_changed() -> None:
    ws = words("um vierzehn Uhr dreißig kommen 3 Kinder")
    copy = list(ws)
    normalise_numbers(ws)
    assert ws == copy


def test_no_words_give_no_words() -> None:
    assert normalise_numbers([]) == []


def test_words_without_numbers_are_returned_as_they_are() -> None:
    ws = words("Das Bürgerbüro bleibt am Montag geschlossen.")
    assert normalise_numbers(ws) == ws
