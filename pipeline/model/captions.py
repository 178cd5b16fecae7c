"""Words as Whisper heard them and cues as they are shown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    start: float        # seconds
    end: float
    text: str           # as spoken, with its punctuation: "Musterstadt."
    probability: float = 1.0


@dataclass(frozen=True)
class Cue:
    start: float     # seconds
    end: float
    text: str        # lines separated by "\n"
    words: tuple[Word, ...] = ()   # timed words, when known (for the `word` style)


def text_of(words) -> str:
    """The words as one line of text."""
    return " ".join(w.text for w in words)
