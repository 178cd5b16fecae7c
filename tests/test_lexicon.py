"""The German dictionary check for caption words: real words (inflected, compound, numbers,
names, acronyms) pass, Whisper's misspellings and non-German words are flagged."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from pipeline.edit.lexicon import UNKNOWN, Lexicon, check, german_words, load_lexicon

GLOSSARY = ("Musterstadt", "Tag des offenen Denkmals", "Müller-Lüdenscheidt", "Zeche Zollern")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(GLOSSARY)


def flagged(lexicon: Lexicon, text: str) -> list[str]:
    return [t for t in text.split() if check(lexicon, t) is not None]


# --- words that must pass ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    # compounds the list lacks, and their inflections
    ("Bürgerbüro Bürgerbüros Personalausweisantrag Personalausweisanträge Ausbildungsplätze "
     "Feuerwehrleute Stadtverwaltung Ordnungsamt Berufsfeuerwehr Müllabfuhr Bewerbungsfrist "
     "Rathausplatz Einwohnermeldeamt Schulweg Schulwegsicherung Wahlbenachrichtigung "
     "Sperrmüllabholung Hundesteueranmeldung Kindergartenplatz Grünflächenamt Impfangebot"),
    # inflections
    "Straße Straßen Gebäude Gebäudes Führungen Ämtern Anträgen Kitas Teams Videos",
    # umlauts and ß in every case
    "ÄMTER Ämter ämter Öffnungszeiten ÖFFNUNGSZEITEN Übergabe ÜBERGABE Straße STRASSE GRÜẞE",
    # imperatives, with the strong verbs' e → i
    "bewirb Bewirb gib nimm sieh lies hilf iss sprich triff wirf vergiss mach komm meld",
    # hyphenated: every part known
    "Kita-Platz E-Mail-Adresse E-Mail U-Bahn DRK-Kleiderkammer 5-jährige Bewerbungs-",
    # loanwords the German list has, and the few added
    "Team online Job Newsletter App Apps Livestream Hashtag Workshop Feedback",
    # current spelling
    "musste dass Schloss Fluss muss",
])
def test_real_german_words_pass(lexicon: Lexicon, text: str) -> None:
    assert flagged(lexicon, text) == []


@pytest.mark.parametrize("token", [
    "14:30", "3.", "2026", "1.000", "50%", "3,5", "10–12", "20er", "B27", "0800-1234567",
    "€", "§",
])
def test_numbers_and_codes_pass(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) is None


@pytest.mark.parametrize("token", [
    "Bürgerbüros,", "„Hallo“", "„Hallo", "(Stadt)", "Straße.", "Ende!", "«Kita»", "‚Amt‘",
    "Wirklich?", "Rathaus;", "„Bürgerbüro“,", "[Musik]", "...Ordnungsamt",
])
def test_punctuation_around_a_word_is_ignored(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) is None


@pytest.mark.parametrize("token", ["„Bügerbüro“,", "(Fuerwehr)", "Lallelu...", "«the»"])
def test_punctuation_does_not_hide_a_wrong_word(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) == UNKNOWN


@pytest.mark.parametrize("token", [
    "z.B.", "u.a.", "usw.", "bzw.", "Nr.", "Str.", "ca.", "Dr.", "Prof.", "d.h.", "ggf.",
    "z.", "B.",   # "z. B." with its space, and initials
])
def test_abbreviations_pass(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) is None


@pytest.mark.parametrize("token", ["ÖPNV", "DRK", "THW", "IHK", "PKWs", "IT", "US"])
def test_acronyms_in_capitals_pass(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) is None


def test_an_all_caps_word_longer_than_an_acronym_is_still_checked(lexicon: Lexicon) -> None:
    assert check(lexicon, "STADTVERWALTUNG") is None
    assert check(lexicon, "STADTFERWALTUNG") == UNKNOWN


@pytest.mark.parametrize("token", [
    "geht's", "gibt’s", "Bürger*innen", "Mitarbeiter:innen", "und/oder", "BürgerInnen",
])
def test_contractions_and_gender_forms_pass(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) is None


# --- the glossary ------------------------------------------------------------------------------

def test_glossary_names_pass_single_and_multi_word(lexicon: Lexicon) -> None:
    assert flagged(lexicon, "Musterstadt MUSTERSTADT Musterstadts Tag des offenen Denkmals "
                            "Müller-Lüdenscheidt Lüdenscheidt Zeche Zollern Zollern.") == []


def test_glossary_belongs_to_its_lexicon() -> None:
    plain = load_lexicon()
    assert check(plain, "Zollern") == UNKNOWN
    assert check(plain, "Lüdenscheidt") == UNKNOWN
    assert check(load_lexicon(["Zeche Zollern"]), "Zollern") is None
    assert plain.words is load_lexicon(["Zeche Zollern"]).words   # one list, read once


def test_a_near_miss_of_a_glossary_name_is_not_covered_by_it(lexicon: Lexicon) -> None:
    assert check(lexicon, "Müller-Lüdenscheid") == UNKNOWN


# --- words that must be flagged ----------------------------------------------------------------

@pytest.mark.parametrize("token", [
    # what Whisper base writes for German words
    "Bügerbüro", "mußtestat", "Persohnalausweis", "Fuerwehr", "Ausbilldung",
    "Stadtferwaltung", "Bürgerbühro", "Ordnugsamt", "Feuerwer", "Stadverwaltung",
    "Einwohnermeldeammt", "Rathhausplatz", "Müllabfur", "Personalauswies", "Bewerbunksfrist",
    "Kitta-Platz", "Ausbildunsplätze", "Strase", "Gebeude", "Fürungen", "Anmeltung",
    "Willkommmen", "Bewirp",
    # a compound without the linking -s that -ung always takes
    "Öffnungzeiten",
    # nonsense
    "Lallelu", "Xyzzyq",
])
def test_misspellings_are_flagged(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) == UNKNOWN


def test_bewerb_is_flagged_as_the_wrong_imperative(lexicon: Lexicon) -> None:
    """"Bewerb" is an Austrian noun (a contest), and Whisper writes it for "Bewirb dich";
    German captions mean the imperative, so it is flagged unless a glossary names it."""
    assert check(lexicon, "Bewerb") == UNKNOWN
    assert check(lexicon, "Bewerb,") == UNKNOWN
    assert flagged(lexicon, "Bewirb bewerben Bewerbung bewirbt") == []
    assert check(load_lexicon(["Bewerb"]), "Bewerb") is None


@pytest.mark.parametrize("token", ["mußte", "daß", "muß", "Schloß", "Fluß", "mußten"])
def test_old_spelling_is_flagged(lexicon: Lexicon, token: str) -> None:
    """Public bodies write the current spelling: "musste", "dass"."""
    assert check(lexicon, token) == UNKNOWN


@pytest.mark.parametrize("token", [
    "the", "because", "and", "you", "with", "of", "is", "The",
    "new", "at", "it", "us",   # in the German list only through names such as "New York"
])
def test_english_function_words_are_flagged(lexicon: Lexicon, token: str) -> None:
    assert check(lexicon, token) == UNKNOWN


def test_an_empty_token_is_fine(lexicon: Lexicon) -> None:
    assert check(lexicon, "") is None
    assert check(lexicon, "–") is None


# --- the compound rules on a lexicon of their own ----------------------------------------------

TINY = Lexicon(frozenset({"haus", "tür", "schloss", "garten", "schule", "weg", "bewerbung",
                          "frist", "amt", "ordnung", "bill", "dung", "aus", "hof", "lag",
                          "diese", "eis"}))


@pytest.mark.parametrize("word", [
    "Haustür", "Haustürschloss", "Gartenhaustürschloss",   # up to four parts
    "Schulweg",          # modifier without its -e
    "Bewerbungsfrist",   # linking -s
    "Ordnungsamt", "Gartenhof", "Haustüren", "Gartenhauses",
    "Hofamt",            # two short parts, both in the list of usable 3-letter words
])
def test_compounds_of_known_parts(word: str) -> None:
    assert check(TINY, word) is None


@pytest.mark.parametrize("word", [
    "Gartenhaustürschlosshof",   # five parts: too many to be a word
    "Ordnungamt",                # -ung without its linking -s
    "Ausbilldung",               # "aus" + "bill" + "dung": "aus" is no part
    "Dieseis",                   # "diese" + "eis": function words are no parts
    "Lagamt",                    # "lag" is listed, but no 3-letter part outside SHORT_PARTS
    "Hausgarte",                 # a head must be a word
    "Schuleen", "Hausn", "Gartenhauss", "Schulees",   # endings after the wrong sounds
])
def test_compounds_beyond_the_rules_are_flagged(word: str) -> None:
    assert check(TINY, word) == UNKNOWN


def test_the_word_list_is_read_on_first_use_not_at_import() -> None:
    code = ("import pipeline.edit.lexicon as m; "
            "print(m.german_words.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_the_lexicon_is_immutable_and_the_list_large() -> None:
    lexicon = load_lexicon()
    with pytest.raises(dataclasses.FrozenInstanceError):
        lexicon.words = frozenset()  # type: ignore[misc]
    assert len(german_words()) > 300_000
