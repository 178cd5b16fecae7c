"""Numbers and clock times in captions by the ARD/ZDF Untertitel-Standards, as a named pure
step over words. No I/O here.

The standard writes counts from one to twelve as words ("drei Kinder") and 13 and up as digits
("13 Feuerwehrleute", "2026"), but keeps digits with units, percent, money, dates and clock
times ("5 Prozent", "3. Mai", "14:30 Uhr"). Whisper writes either form; `normalise_numbers`
rewrites its words to the standard and keeps their timing. It runs only when the brand kit
sets `captions.norm: ard`.

Rules, in the order they are tried at each word:

1. Clock time: a number directly followed by "Uhr" (or by "bis 12 Uhr", "und 12 Uhr") is an
   hour and is written in digits: "neun Uhr" → "9 Uhr", "14.30 Uhr" → "14:30 Uhr",
   "14 Uhr 30" / "vierzehn Uhr dreißig" → "14:30 Uhr"; "9 Uhr" and "14:30 Uhr" stay.
2. Spelled numbers of 13 and up become digits, merging a number Whisper split in two:
   "dreizehn." → "13.", "zweihundert fünfzig" → "250". Spelled 0-12 stay words, except
   before a unit ("fünf Prozent" → "5 Prozent").
3. Digits 2-12 counting something become words: "3 Kinder" → "drei Kinder".

Left as written: articles ("ein", "eine", "einen", …), digit 1 and 0 (ein/eine/einen depends
on the noun), ordinals and dates ("3." anywhere, "3 Mai"), decimals ("2,5", anything next to
"Komma"), digits with a leading zero, next to other digits (phone numbers) or after a label
or street ("Nummer 3", "Seite 3", "Hauptstraße 3"), numbers before a unit in `UNITS`
("3 km", "5 %", "5 Euro"; "drei Minuten" is a count), "halb drei", "Viertel nach drei", and a
clock time without "Uhr" ("um 14.30": could be a date, a score or a price).

A digit turned word at the start of a sentence is capitalised ("Drei Kinder"); spelled numbers
from 10000 up take a dot between thousands ("250.000"), as Whisper writes them. Not told apart:
a count right after "Uhr" before a lowercase word ("um 10 Uhr zwei weitere Termine" gives
"10:02 Uhr"); before a capitalised noun it stays a count ("um 9 Uhr drei Kinder").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.captions import Word

# --- German number words -------------------------------------------------------------------

_ONES = {"ein": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
         "sieben": 7, "acht": 8, "neun": 9}
_BELOW_20 = {"eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
             "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
             "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17,
             "achtzehn": 18, "neunzehn": 19}
_TENS = {"zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60,
         "siebzig": 70, "achtzig": 80, "neunzig": 90}
_WORDS = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
          "zehn", "elf", "zwölf")

# Indefinite articles: "ein Kind" is never a number to rewrite.
ARTICLES = frozenset({"ein", "eine", "einen", "einem", "einer", "eines"})


def german_number(text: str) -> int | None:
    """The value of a German number word 0..999999 ("dreizehn", "zweihundertfünfzig",
    "dreitausendvierhundert", "neunzehnhundertneunzig"), or None; case-insensitive, the text
    without punctuation. Articles are not numbers: "ein" and "eine" give None, "eins" gives 1."""
    s = text.strip().lower().replace("ss", "ß").replace("ue", "ü").replace("oe", "ö")
    if s == "null":
        return 0
    if "tausend" not in s:
        return _below_1000(s, years=True)
    head, _, tail = s.partition("tausend")
    thousands = 1 if head in ("", "ein") else _below_1000(head, years=False)
    rest = _rest(tail, lambda r: _below_1000(r, years=False))
    return None if thousands is None or rest is None else thousands * 1000 + rest


def _below_1000(s: str, years: bool) -> int | None:
    if "hundert" not in s:
        return _below_100(s)
    head, _, tail = s.partition("hundert")
    if head in ("", "ein"):
        hundreds: int | None = 1
    elif head in _ONES:
        hundreds = _ONES[head]
    else:  # "neunzehnhundertneunzig" is how years are said, never with a thousands part
        hundreds = _below_100(head) if years else None
        hundreds = hundreds if hundreds is not None and hundreds >= 10 else None
    rest = _rest(tail, _below_100)
    return None if hundreds is None or rest is None else hundreds * 100 + rest


def _rest(tail: str, parse) -> int | None:
    """What follows "hundert" or "tausend": nothing, or a number, optionally after "und"."""
    if not tail:
        return 0
    tail = tail.removeprefix("und")  # "hundertundzwei"
    return parse(tail) if tail else None


def _below_100(s: str) -> int | None:
    if s in _BELOW_20:
        return _BELOW_20[s]
    if s in _TENS:
        return _TENS[s]
    one, und, ten = s.partition("und")
    return _ONES[one] + _TENS[ten] if und and one in _ONES and ten in _TENS else None


def number_words(n: int) -> str:
    """0..12 as the word the standard writes: 3 → "drei"."""
    if not 0 <= n <= 12:
        raise ValueError(f"only 0 to 12 are written as words, not {n}")
    return _WORDS[n]


# --- context -------------------------------------------------------------------------------

# Units, percent and money keep digits (ARD); time spans such as "Minuten" are counts.
UNITS = frozenset({
    "%", "‰", "prozent", "promille", "€", "euro", "cent", "ct", "$", "dollar", "km",
    "kilometer", "m", "meter", "cm", "zentimeter", "mm", "millimeter", "km/h",
    "stundenkilometer", "kg", "kilo", "kilogramm", "g", "gramm", "t", "tonne", "tonnen", "l",
    "liter", "ml", "milliliter", "°", "°c", "grad", "ha", "hektar", "qm", "m²", "quadratmeter",
    "m³", "kubikmeter", "kw", "kwh", "mw", "watt", "volt",
})
# Passed over on the way to the unit: "3 Millionen Euro" is money.
_SCALES = frozenset({"million", "millionen", "mio", "milliarde", "milliarden", "mrd"})
# "3 bis 5 Prozent", "9 bis 12 Uhr": the first number shares the second one's unit.
_RANGE = frozenset({"bis", "und", "oder", "-", "–"})
_MONTHS = frozenset({
    "januar", "jänner", "februar", "märz", "maerz", "april", "mai", "juni", "juli", "august",
    "september", "oktober", "november", "dezember", "jan", "feb", "mär", "apr", "jun", "jul",
    "aug", "sep", "sept", "okt", "nov", "dez",
})
# A number after these names a thing rather than counting it: "Seite 3", "Gleis 3".
_LABELS = frozenset({
    "nummer", "nr", "seite", "s", "kapitel", "paragraf", "paragraph", "§", "artikel", "art",
    "absatz", "abs", "gleis", "bahnsteig", "linie", "bus", "zimmer", "raum", "haus", "tor",
    "halle", "stufe", "klasse", "teil", "folge", "ausgang", "punkt", "top",
})
_STREETS = ("straße", "strasse", "str", "weg", "allee", "gasse", "platz", "ring", "damm",
            "ufer", "chaussee", "markt")
# Digits stay before these: a unit, a month ("3 Mai") or a clock time ("9 Uhr").
_KEEP_DIGITS = UNITS | _MONTHS | {"uhr"}
_LEAD = "\"'„“‚‘«»(["
_TRAIL = ".,;:!?…\"'“”‘’«»)]"
_PARTS = re.compile(f"([{re.escape(_LEAD)}]*)(.*?)([{re.escape(_TRAIL)}]*)", re.DOTALL)
_DIGITS = re.compile(r"[0-9]+")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-4])[.:]([0-5][0-9])")
_SENTENCE_END = re.compile(r"[.!?…][\"'“”»«)]*$")


@dataclass(frozen=True)
class _Token:
    lead: str    # opening quotes and brackets
    core: str    # the word itself
    trail: str   # its punctuation, kept on the rewritten word

    @property
    def key(self) -> str:
        return self.core.lower()

    @property
    def digits(self) -> bool:
        return bool(_DIGITS.fullmatch(self.core))


def _token(text: str) -> _Token:
    m = _PARTS.fullmatch(text)
    assert m is not None  # every string matches: each group may be empty
    return _Token(m[1], m[2], m[3])


def _is_number(t: _Token) -> bool:
    return t.digits or bool(_CLOCK.fullmatch(t.core)) or german_number(t.core) is not None


def _described(toks: list[_Token], i: int) -> int | None:
    """The index of the word the number ending at `i` belongs to, past "bis 5"-style ranges and
    "Millionen"; None at the end or when punctuation comes between."""
    j = i + 1
    while (j + 1 < len(toks) and not toks[j - 1].trail and toks[j].key in _RANGE
           and not toks[j].trail and _is_number(toks[j + 1])):
        j += 2
    while j < len(toks) and not toks[j - 1].trail and toks[j].key in _SCALES:
        j += 1
    return j if j < len(toks) and not toks[j - 1].trail and not toks[j].lead else None


def _described_key(toks: list[_Token], i: int) -> str:
    j = _described(toks, i)
    return "" if j is None else toks[j].key


def _merged(group: list[Word], text: str) -> Word:
    """Several spoken words shown as one: their whole span, the least certain probability."""
    return Word(group[0].start, group[-1].end, text, min(w.probability for w in group))


# --- the rules -----------------------------------------------------------------------------

Rewrite = tuple[list[Word], int]   # the words shown, and the index of the next word to read


def _clock_time(words: list[Word], toks: list[_Token], i: int) -> Rewrite | None:
    """An hour before "Uhr" in digits, with its minutes: "vierzehn Uhr dreißig" → "14:30 Uhr"."""
    t = toks[i]
    clock = _CLOCK.fullmatch(t.core)
    hour = _hour(t)
    if t.trail or (hour is None and clock is None):
        return None
    u = _described(toks, i)
    if u is None or toks[u].key != "uhr":
        return None
    if clock is not None:
        return [_merged([words[i]], t.lead + t.core.replace(".", ":"))], i + 1
    assert hour is not None
    minute = _minute(toks, u + 1) if u == i + 1 and not toks[u].trail else None
    if minute is not None:
        p = min(words[k].probability for k in (i, u, u + 1))
        # Two tokens in spoken order: the time over the hour word, "Uhr" over "Uhr dreißig".
        return [Word(words[i].start, words[i].end, f"{t.lead}{hour}:{minute:02d}", p),
                Word(words[u].start, words[u + 1].end, toks[u].core + toks[u + 1].trail, p)
                ], u + 2
    return [_merged([words[i]], t.lead + (t.core if t.digits else str(hour)))], i + 1


def _hour(t: _Token) -> int | None:
    """0..24 as digits or a word; "ein" counts here, since "ein Uhr" is one o'clock."""
    n = int(t.core) if t.digits else 1 if t.key == "ein" else german_number(t.core)
    return n if n is not None and 0 <= n <= 24 else None


def _minute(toks: list[_Token], k: int) -> int | None:
    """The minutes after "Uhr", unless the number counts the noun after it ("Uhr drei Kinder")."""
    if k >= len(toks) or toks[k].lead or toks[k].key == "null":
        return None
    n = int(toks[k].core) if toks[k].digits else german_number(toks[k].core)
    if n is None or n > 59:
        return None
    after = toks[k + 1] if k + 1 < len(toks) else None
    counts = (after is not None and not toks[k].trail
              and (after.core[:1].isupper() or after.key in UNITS))
    return None if counts else n


def _spelled(words: list[Word], toks: list[_Token], i: int) -> Rewrite | None:
    """Spelled 13 and up, or any spelled number before a unit, in digits."""
    found = _longest_number(toks, i)
    if found is None:
        return None
    j, n = found
    if _near_komma(toks, i, j):
        return None
    if n <= 12 and _described_key(toks, j) not in UNITS:
        return None  # a count up to twelve: the standard wants the word
    return [_merged(words[i:j + 1], toks[i].lead + _grouped(n) + toks[j].trail)], j + 1


def _grouped(n: int) -> str:
    """Digits as German writes them: "2026", "250.000" (a dot between thousands from 10000 up,
    as Whisper writes them too)."""
    return f"{n:,}".replace(",", ".") if n >= 10000 else str(n)


def _longest_number(toks: list[_Token], i: int) -> tuple[int, int] | None:
    """The last index and value of the longest spelled number starting at `i`, joining words
    only at "hundert"/"tausend" ("zweihundert fünfzig"), so "drei zehn" stays two numbers."""
    best, joined = None, ""
    for j in range(i, len(toks)):
        t = toks[j]
        if not t.core.isalpha() or (j > i and (toks[j - 1].trail or t.lead
                                              or not _joins(joined, t.key))):
            break
        joined += t.key
        n = german_number(joined)
        if n is not None and joined not in ARTICLES:
            best = (j, n)
    return best


def _joins(left: str, right: str) -> bool:
    return left.endswith(("hundert", "tausend")) or right.startswith(("hundert", "tausend"))


def _near_komma(toks: list[_Token], i: int, j: int) -> bool:
    """ "zwei Komma fünf" is a decimal: neither part is a count."""
    return (i > 0 and toks[i - 1].key == "komma") or (j + 1 < len(toks)
                                                     and toks[j + 1].key == "komma")


def _digit_count(words: list[Word], toks: list[_Token], i: int) -> Rewrite | None:
    """Digits 2..12 counting something as words: "3 Kinder" → "drei Kinder"."""
    t = toks[i]
    if not t.digits or t.core.startswith("0") or not 2 <= int(t.core) <= 12:
        return None
    if t.trail[:1] == "." and t.trail[:2] != "..":
        return None  # "am 3. Mai", "der 3. Platz": an ordinal
    prev = toks[i - 1] if i > 0 else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if prev is not None and (prev.digits or prev.key in _LABELS or prev.key == "komma"
                             or prev.key.endswith(_STREETS)):
        return None  # a phone number, "Seite 3", "Hauptstraße 3", "2 Komma 5"
    if after is not None and (after.digits or after.key == "komma"):
        return None
    if _described_key(toks, i) in _KEEP_DIGITS:
        return None  # "3 km", "3 Mai", "9 Uhr"
    word = number_words(int(t.core))
    if i == 0 or (_SENTENCE_END.search(words[i - 1].text) and prev is not None
                  and not prev.digits):
        word = word.capitalize()
    return [_merged([words[i]], t.lead + word + t.trail)], i + 1


_RULES = (_clock_time, _spelled, _digit_count)


def normalise_numbers(words: list[Word]) -> list[Word]:
    """Words (in time order) with numbers and clock times written by the ARD/ZDF standard.

    A word rewritten alone keeps its timing. Words merged into one ("zweihundert fünfzig")
    take the first one's start, the last one's end and the lowest probability;
    "vierzehn Uhr dreißig" becomes "14:30" over "vierzehn" and "Uhr" over "Uhr dreißig", both
    with the lowest probability. Applying it twice changes nothing more.
    """
    toks = [_token(w.text) for w in words]
    out: list[Word] = []
    i = 0
    while i < len(words):
        for rule in _RULES:
            done = rule(words, toks, i)
            if done is not None:
                shown, i = done
                out += shown
                break
        else:
            out.append(words[i])
            i += 1
    return out
