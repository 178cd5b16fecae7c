"""Words as Whisper heard them and cues as they are shown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    start: float        # seconds
    end: float
    text: str           # as spoken, with its punctuation: "Musterstadt."
    probability: float = 1.0
    uncertain: str | None = None   # why a person should check it ("probability", …), or None


@dataclass(frozen=True)
class Cue:
    start: float     # seconds
    end: float
    text: str        # lines separated by "\n"
    words: tuple[Word, ...] = ()   # timed words, when known (for the `word` style)


def text_of(words) -> str:
    """The words as one line of text."""
    return " ".join(w.text for w in words)


@dataclass(frozen=True)
class AssStyle:
    """Everything libass needs to draw the captions of one output."""

    width: int
    height: int
    font: str            # family name as stored in the font file (libass matches on it)
    bold: bool
    size: int            # pixels in the output frame
    color: str           # "#RRGGBB"
    outline_color: str
    outline: float
    box: bool
    margin_l: int
    margin_r: int
    margin_v: int        # distance of the last line's baseline area from the bottom
    highlight: str = "#FFCC00"
    words: bool = False  # `word` style: 1-3 words at a time, the spoken one highlighted
