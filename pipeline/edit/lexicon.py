"""German dictionary check for caption words: which displayed words are not German as written
(a misheard or misspelt word, an invented compound, the pre-1996 spelling), so the press
officer is asked to look at them. Pure: the word list is read on first use, not at import.

The list is pyspellchecker's German word-frequency map (~339k lowercase forms, full
inflection paradigms included). Its counts are not used: every entry has at least 50 (95 %
exactly 50, the dictionary's own words) and nouns sit at the floor (`stadt` 67, `amt` 50), so
no cut-off separates typos from words. What the list lacks — new compounds ("Bürgerbüro"),
plurals of names, imperatives such as "bewirb" — the rules below rebuild, strictly enough that
Whisper's mistakes ("Bügerbüro", "Fuerwehr", "Bewerb" for "Bewirb") are still flagged.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

UNKNOWN = "unknown"   # the reason code: not a German word as written

MIN_PART = 3          # letters in each part of a compound, so only words of 6 or more split
MAX_PARTS = 4

# Suffixes that always take the linking -s in a compound: "Öffnungszeiten", not "Öffnungzeiten".
NEEDS_S = ("ung", "heit", "keit", "schaft", "ion", "ität", "tum", "ling")

# The only 3-letter words that may be a part of a compound ("Ordnungs-amt", "Schul-weg"): the
# list's other short words are mostly abbreviations and names ("anm", "gst", "jan").
SHORT_PARTS = frozenset({
    "amt", "bad", "bau", "bus", "eis", "ort", "rat", "tag", "tor", "tür", "uhr", "weg", "zug",
    "hof", "see", "tal", "zoo", "tee", "ski", "job", "app", "bio", "öko", "abo", "art", "akt",
    "arm", "typ", "rad", "maß", "mut", "tat", "ruf", "hut", "fuß", "tod", "gas", "eck", "eid",
    "ton", "box", "not", "ast", "kur", "ohr", "erz", "dom", "lob", "pol", "wut", "wal", "axt",
    "ost", "süd", "fan", "mix", "web", "uni", "neu", "alt", "gut", "rot", "nah", "roh",
})

# Never a part of a split compound: with them typos split into real words ("Ausbilldung" =
# "aus" + "bill" + "dung"); the compounds that really start so are in the list.
FUNCTION_WORDS = frozenset({
    "aus", "ein", "eine", "einer", "einem", "einen", "eines", "und", "oder", "der", "die", "das",
    "den", "dem", "des", "dass", "mit", "von", "bei", "für", "vor", "nach", "auf", "über", "unter",
    "zum", "zur", "ins", "vom", "beim", "ist", "sind", "war", "wer", "wie", "was", "wo", "ob",
    "aber", "als", "auch", "nur", "noch", "schon", "sich", "sie", "ihr", "ihm", "ihn", "ihre",
    "uns", "euch", "mich", "dich", "mir", "dir", "wir", "ich", "man", "nicht", "kein", "keine",
    "doch", "denn", "weil", "wenn", "bis", "seit", "ohne", "gegen", "durch", "dies", "diese",
    "dieser",
})

# Words of public bodies' social media that the list (older than they are) lacks.
EXTRA_WORDS = frozenset({
    "app", "event", "stream", "livestream", "hashtag", "follower", "influencer", "carsharing",
    "homeoffice", "selfie", "scooter", "tablet", "reel", "community", "azubi", "newsletter",
    "upload", "emoji", "corona", "queer", "inklusiv", "gendern",
})

# English words the German list holds only through names and titles ("New York"); in a German
# caption they are English, so flagged. "IT" and "US" in capitals pass as acronyms.
NOT_GERMAN = frozenset({"at", "it", "us", "new"})

# Strong verbs with e → i in the imperative: "bewirb" is right, "bewerb" is not.
IMPERATIVES = {
    "gib": "geben", "nimm": "nehmen", "sieh": "sehen", "lies": "lesen", "hilf": "helfen",
    "iss": "essen", "sprich": "sprechen", "triff": "treffen", "wirf": "werfen",
    "vergiss": "vergessen", "wirb": "werben", "stirb": "sterben", "brich": "brechen",
    "stiehl": "stehlen", "befiehl": "befehlen", "empfiehl": "empfehlen", "miss": "messen",
    "tritt": "treten", "stich": "stechen", "friss": "fressen", "verdirb": "verderben",
    "birg": "bergen", "schmilz": "schmelzen",
}

# Abbreviations as written in captions, with their dots (lowercase).
ABBREVIATIONS = frozenset({
    "z.b.", "u.a.", "usw.", "bzw.", "nr.", "str.", "ca.", "dr.", "prof.", "d.h.", "u.ä.", "o.ä.",
    "s.o.", "s.u.", "evtl.", "ggf.", "inkl.", "zzgl.", "vgl.", "bspw.", "etc.", "tel.", "abs.",
    "abt.", "jh.", "mio.", "mrd.", "std.", "min.", "max.", "mind.", "geb.", "hr.", "fr.", "mo.",
    "di.", "mi.", "do.", "sa.", "so.", "jan.", "feb.", "febr.", "apr.", "jun.", "jul.", "aug.",
    "sept.", "okt.", "nov.", "dez.",
})

_INITIAL = re.compile(r"\w\.")                   # "z. B." with its space, "Peter M."
_ACRONYM = re.compile(r"[A-ZÄÖÜ]{2,5}s?")        # ÖPNV, DRK, THW; PKWs
_SEPARATORS = re.compile(r"[-‐‑/.*:_'’]+")        # E-Mail, und/oder, Bürger*innen, geht's
_KEPT_AT_END = ".%€"                               # for the abbreviation and number checks
_VOWELS = tuple("aeiouäöüy")
_DIPHTHONGS = ("au", "ei", "eu")


@dataclass(frozen=True)
class Lexicon:
    """Known lowercase German forms plus the lowercase words of the job's glossary."""

    words: frozenset[str]
    glossary: frozenset[str] = frozenset()


@cache
def german_words() -> frozenset[str]:
    """The German word list, read once from the installed pyspellchecker."""
    raw = resources.files("spellchecker").joinpath("resources", "de.json.gz").read_bytes()
    return (frozenset(json.loads(gzip.decompress(raw))) | EXTRA_WORDS) - NOT_GERMAN


def glossary_words(glossary: Sequence[str]) -> frozenset[str]:
    """Each entry's words, lowercased ("Tag des offenen Denkmals" → tag, des, offenen, …),
    and the parts of hyphenated names ("Müller-Lüdenscheidt")."""
    out: set[str] = set()
    for entry in glossary:
        for word in entry.split():
            core = _core(word).rstrip(_KEPT_AT_END).lower()
            out |= {core, *_SEPARATORS.split(core)} - {""}
    return frozenset(out)


def load_lexicon(glossary: Sequence[str] = ()) -> Lexicon:
    """The German word list with the job's glossary names."""
    return Lexicon(german_words(), glossary_words(glossary))


def check(lexicon: Lexicon, token: str) -> str | None:
    """None if a displayed word ("Bürgerbüros,", "„Hallo", "14:30") is fine, else why not:
    "unknown", not a German word as written."""
    core = _core(token)
    if not core or core.lower() in ABBREVIATIONS or _INITIAL.fullmatch(core):
        return None
    return None if known_token(lexicon, core.rstrip(_KEPT_AT_END)) else UNKNOWN


def _core(token: str) -> str:
    """The token without the quotes, brackets and punctuation around it ("„Hallo“," → Hallo);
    a final dot, % or € is kept."""
    start, end = 0, len(token)
    while start < end and not token[start].isalnum():
        start += 1
    while end > start and not (token[end - 1].isalnum() or token[end - 1] in _KEPT_AT_END):
        end -= 1
    return token[start:end]


def known_token(lexicon: Lexicon, word: str) -> bool:
    """A word as written, with its case and any inner hyphens, slashes or dots."""
    if not word or any(c.isdigit() for c in word):
        return True   # numbers, times, dates, "B27", "3D": nothing a dictionary can judge
    if _ACRONYM.fullmatch(word):
        return True
    parts = [p for p in _SEPARATORS.split(word) if p]
    if len(parts) > 1:   # "Kita-Platz", "E-Mail-Adresse", "U-Bahn": every longer part known
        return all(len(p) == 1 or known_token(lexicon, p) for p in parts)
    return any(known_word(lexicon, w) for w in _spellings(word))


def _spellings(word: str) -> tuple[str, ...]:
    """Lowercase readings of a word: in capitals "SS" may stand for ß ("STRASSE")."""
    low = word.lower()
    return (low, low.replace("ss", "ß")) if word.isupper() and "ss" in low else (low,)


def known_word(lexicon: Lexicon, word: str) -> bool:
    """Whether a lowercase word is German: listed, a glossary word, a plural or genitive of
    one, an imperative, or a compound of listed words."""
    return (is_form(lexicon, word) or is_imperative(lexicon.words, word)
            or is_compound(lexicon, word, MAX_PARTS, {}))


def is_form(lexicon: Lexicon, word: str) -> bool:
    """Listed as it stands, or a noun ending added to a listed word ("Musterstadts")."""
    return any(w in lexicon.words or w in lexicon.glossary for w in (word, *_stems(word)))


def _stems(word: str) -> Iterator[str]:
    """What a noun ending may have been added to, by the sounds it follows in German:
    Straße-n, Regel-n, Antrag-en, Frau-en, Amt-es, Kita-s (the list has most paradigms; this is
    for names, new words and compound heads)."""
    def stem(n: int) -> str:
        return word[:-n] if len(word) - n >= MIN_PART else ""

    if word.endswith("n") and stem(1).endswith(("e", "el", "er")):
        yield stem(1)
    before_en = stem(2) if word.endswith("en") else ""   # a consonant or a diphthong
    if before_en.endswith(_DIPHTHONGS) or (
            before_en and not before_en.endswith((*_VOWELS, "el", "er", "en"))):
        yield before_en
    if word.endswith("es") and stem(2) and not stem(2).endswith(_VOWELS):
        yield stem(2)
    if word.endswith("s") and stem(1) and not stem(1).endswith(("s", "ß", "x", "z")):
        yield stem(1)


def is_imperative(words: frozenset[str], word: str) -> bool:
    """An imperative the list lacks: "bewirb" (be + wirb, as "bewerben" is listed), or a weak
    verb's bare stem ("meld", "informier"), but not the e-form of a strong verb ("bewerb")."""
    for imp, infinitive in IMPERATIVES.items():
        if word.endswith(imp) and (word == imp or word[:-len(imp)] + infinitive in words):
            return True
    verb = word + "en"
    return (len(word) >= MIN_PART and verb in words
            and (word + "t" in words or word + "et" in words)
            and not verb.endswith(tuple(IMPERATIVES.values())))


def is_compound(lexicon: Lexicon, word: str, parts: int, memo: dict[tuple[str, int], bool]
                ) -> bool:
    """Whether `word` is modifier + … + head in at most `parts` parts: the head a listed word
    (or a noun form of one), each modifier a listed word, with a linking element or without
    its final -e ("Schul-weg")."""
    key = (word, parts)
    if key not in memo:
        memo[key] = parts > 1 and any(
            _is_modifier(lexicon, word[:i])
            and (_is_head(lexicon, word[i:]) or is_compound(lexicon, word[i:], parts - 1, memo))
            for i in range(MIN_PART, len(word) - MIN_PART + 1))
    return memo[key]


def _part(lexicon: Lexicon, w: str) -> bool:
    """A listed word that can stand in a compound: long enough, not a function word."""
    return ((len(w) > MIN_PART or w in SHORT_PARTS) and w not in FUNCTION_WORDS
            and (w in lexicon.words or w in lexicon.glossary))


def _is_head(lexicon: Lexicon, w: str) -> bool:
    return _part(lexicon, w) or any(_part(lexicon, s) for s in _stems(w))


def _is_modifier(lexicon: Lexicon, w: str) -> bool:
    """A compound's first or middle part: a word, a word + link, or a word minus its -e."""
    return ((_part(lexicon, w) and not w.endswith(NEEDS_S))
            or (len(w) > MIN_PART and _part(lexicon, w + "e"))
            or any(_part(lexicon, s) for s in _unlinked(w)))


def _unlinked(w: str) -> Iterator[str]:
    """What a linking element may follow: the noun endings' sounds ("Bewerbung-s-", not
    "Rettung-n-"), and -e or -er after a consonant ("Hund-e-steuer", "Bild-er-buch")."""
    yield from _stems(w)
    for link in ("e", "er"):
        if w.endswith(link) and len(w) - len(link) >= MIN_PART \
                and not w[:-len(link)].endswith(_VOWELS):
            yield w[:-len(link)]
