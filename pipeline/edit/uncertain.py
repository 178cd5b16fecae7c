"""Words a person should check before the captions go out: pure, no I/O.

A word is marked when Whisper itself doubted it (its probability is low) or when it is not a
German word as written (the dictionary check in `lexicon`, which knows compounds, inflections,
numbers and the glossary). The marks travel with the words into the caption file's hidden word
file and into the manifest (`captions.<video>.uncertain`); a word a person corrected loses its
mark (`cues.attach_words`).
"""

from __future__ import annotations

from dataclasses import replace

from ..model.captions import Cue, Word
from ..model.manifest import UncertainWord
from .lexicon import Lexicon, check

# Below this probability Whisper's word is marked (chosen on the real-speech development set,
# benchmarks/README.md "Uncertain words").
PROBABILITY_THRESHOLD = 0.6
PROBABILITY = "probability"   # the reasons, as the manifest records them
DICTIONARY = "dictionary"


def reasons(word: Word, lexicon: Lexicon, threshold: float = PROBABILITY_THRESHOLD,
            dictionary: bool = True) -> str | None:
    """Why `word` should be checked ("probability", "dictionary" or both), or None. The
    dictionary is German: other languages are judged by the probability alone."""
    why = [PROBABILITY] if word.probability < threshold else []
    if dictionary and check(lexicon, word.text) is not None:
        why.append(DICTIONARY)
    return ",".join(why) or None


def mark_uncertain(words: list[Word], lexicon: Lexicon,
                   threshold: float = PROBABILITY_THRESHOLD,
                   dictionary: bool = True) -> list[Word]:
    """The words with `uncertain` set from their probability and the dictionary."""
    return [replace(w, uncertain=reasons(w, lexicon, threshold, dictionary)) for w in words]


def uncertain_words(cues: list[Cue]) -> list[UncertainWord]:
    """One entry per displayed word still marked, with the text as the cue shows it and its
    time inside that cue (cues in the exported video's timeline)."""
    out: list[UncertainWord] = []
    for c in cues:
        tokens = c.text.split()
        at = _run_of(tokens, c.words)
        if at is None:
            continue  # words spread over a rewritten cue carry no marks
        for token, w in zip(tokens[at:], c.words):
            if w.uncertain:
                start = min(max(w.start, c.start), c.end - 0.001)
                out.append(UncertainWord(start=round(start, 3),
                                         end=round(max(min(w.end, c.end), start), 3),
                                         text=token, why=w.uncertain))
    return out


def _run_of(tokens: list[str], words: tuple[Word, ...]) -> int | None:
    """Where the cue's words stand among its tokens: all of them, or (a cue cut by the trim
    keeps its text but only the words inside) a run of them."""
    texts = [w.text for w in words]
    for at in range(len(tokens) - len(texts) + 1):
        if tokens[at:at + len(texts)] == texts:
            return at
    return None
