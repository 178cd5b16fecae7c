"""Pure caption code: words into cues by German subtitle norms, readability, and cues moved
into the exported timeline. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model.captions import Cue, Word, text_of

# --- words → cues ------------------------------------------------------------------------------
# A short list of named pure steps, each taking and returning groups of words (stable-ts
# `regroup` style). The defaults follow German subtitle norms (ARD/ZDF, DCMP): at most 2 lines
# of 42 characters, 0.7-7 s on screen, at most 20 characters a second.


@dataclass(frozen=True)
class CueRules:
    max_chars: int = 42
    max_lines: int = 2
    max_cps: float = 20.0       # above this a cue counts as over the limits
    target_cps: float = 20.0    # a cue is kept up this long where the silence after it allows
    min_seconds: float = 0.7
    max_seconds: float = 7.0
    pause: float = 0.8          # a silence this long ends a cue
    gap: float = 0.04           # between two cues (a frame at 25 fps): players show them apart
    keep_together: tuple[str, ...] = ()   # glossary names: never broken across lines or cues


# Words a line or cue may start with rather than end with (German and English).
CONJUNCTIONS = frozenset("""
    und oder aber denn sondern doch jedoch weil dass daß wenn als ob obwohl damit sodass bis
    während nachdem bevor sowie wie wo deren dessen
    and or but because that when if while so
""".split())

_SENTENCE_END = re.compile(r"[.!?…]+[\"»«“”')]*$")
_ORDINAL = re.compile(r"^\d+\.$")       # "1." in "am 1. Mai" is not a sentence end
_CLAUSE_END = re.compile(r"[,;:–—]$|[.!?…][\"»«“”')]*$")


Group = list[Word]


def split_at_sentences(groups: list[Group], rules: CueRules) -> list[Group]:
    """A new cue after every sentence end."""
    out: list[Group] = []
    for g in groups:
        current: Group = []
        for w in g:
            current.append(w)
            if _SENTENCE_END.search(w.text) and not _ORDINAL.match(w.text):
                out.append(current)
                current = []
        if current:
            out.append(current)
    return out


def split_at_pauses(groups: list[Group], rules: CueRules) -> list[Group]:
    """A new cue where the speaker pauses for `rules.pause` seconds or more."""
    out: list[Group] = []
    for g in groups:
        current: Group = [g[0]]
        for prev, w in zip(g, g[1:]):
            if w.start - prev.end >= rules.pause:
                out.append(current)
                current = []
            current.append(w)
        out.append(current)
    return out


def _fits(words: Group, rules: CueRules) -> bool:
    """Shown at once: within the line and time limits, and no name broken across lines."""
    lines = _layout(words, rules, rules.max_lines)
    breaks = [sum(len(g) for g in lines[:k]) for k in range(1, len(lines))]
    return (all(len(text_of(g)) <= rules.max_chars for g in lines)
            and words[-1].end - words[0].start <= rules.max_seconds
            and not any(_inside_name(words, i, rules.keep_together) for i in breaks))


def _bare(text: str) -> str:
    return text.lower().strip(".,;:!?…\"»«“”'()–—")


def _inside_name(words: Group, i: int, names: tuple[str, ...]) -> bool:
    """Whether a break before words[i] would cut one of `names` (multi-word) in two."""
    for name in names:
        parts = [_bare(p) for p in name.split()]
        for k in range(1, len(parts)):
            if i - k >= 0 and i - k + len(parts) <= len(words) and \
                    [_bare(w.text) for w in words[i - k:i - k + len(parts)]] == parts:
                return True
    return False


def _split_cost(words: Group, i: int, rules: CueRules) -> float:
    """How bad a break before words[i] is: unbalanced, mid-clause, inside a name, or
    between a number and its noun; a break before a conjunction is good."""
    left, right = len(text_of(words[:i])), len(text_of(words[i:]))
    cost = 0.5 * abs(left - right) / (left + right)
    before = words[i - 1].text
    if not _CLAUSE_END.search(before) or _ORDINAL.match(before):
        cost += 0.6
    if _ORDINAL.match(before) or before.isdigit():
        cost += 0.6  # "1. Mai", "25 Gebäude": a number belongs with what follows
    if _bare(words[i].text) in CONJUNCTIONS:
        cost -= 0.4
    if _inside_name(words, i, rules.keep_together):
        cost += 3
    return cost


def split_to_fit(groups: list[Group], rules: CueRules) -> list[Group]:
    """Split each group that is too long to show at once, at its best break, until all fit."""
    out: list[Group] = []
    todo = list(reversed(groups))
    while todo:
        g = todo.pop()
        if len(g) == 1 or _fits(g, rules):
            out.append(g)
            continue
        i = min(range(1, len(g)), key=lambda k: _split_cost(g, k, rules))
        todo += [g[i:], g[:i]]
    return out


def break_lines(words: Group, rules: CueRules) -> list[str]:
    """Lay a cue's words out in lines of at most `max_chars`, breaking only between words,
    preferring a break after punctuation or before a conjunction; the lower line may be the
    longer one (the pyramid shape readers scan fastest)."""
    return [text_of(line) for line in _layout(words, rules, rules.max_lines)]


def _layout(words: Group, rules: CueRules, max_lines: int) -> list[Group]:
    if len(text_of(words)) <= rules.max_chars or len(words) == 1 or max_lines == 1:
        return [words]
    best, best_cost = 1, float("inf")
    for i in range(1, len(words)):
        top, bottom = text_of(words[:i]), text_of(words[i:])
        over = max(0, len(top) - rules.max_chars) + max(0, len(bottom) - rules.max_chars)
        cost = 10 * over + _split_cost(words, i, rules) + (0.05 if len(top) > len(bottom) else 0)
        if cost < best_cost:
            best, best_cost = i, cost
    return [words[:best], *_layout(words[best:], rules, max_lines - 1)]


def _reading_time(cue_text: str, rules: CueRules) -> float:
    return max(rules.min_seconds, len(cue_text.replace("\n", "")) / rules.target_cps)


def extend_for_reading(cues: list[Cue], rules: CueRules) -> list[Cue]:
    """Keep each cue up long enough to read (min duration, max characters per second), using
    the silence after it but never running into the next cue or past `max_seconds`."""
    out = []
    for i, c in enumerate(cues):
        limit = cues[i + 1].start - rules.gap if i + 1 < len(cues) else float("inf")
        want = c.start + min(rules.max_seconds, _reading_time(c.text, rules))
        out.append(replace(c, end=max(c.end, min(want, limit))))
    return out


def remove_overlaps(cues: list[Cue], rules: CueRules) -> list[Cue]:
    """Cue times never overlap: an earlier cue ends `rules.gap` before the next begins."""
    out = []
    for i, c in enumerate(cues):
        end = min(c.end, cues[i + 1].start - rules.gap) if i + 1 < len(cues) else c.end
        out.append(replace(c, end=max(end, c.start + 0.01)))
    return out


STEPS = (split_at_sentences, split_at_pauses, split_to_fit)


def build_cues(words: list[Word], rules: CueRules = CueRules()) -> list[Cue]:
    """Words (in time order) → block cues following `rules`."""
    words = [w for w in words if w.text.strip()]
    if not words:
        return []
    groups: list[Group] = [words]
    for step in STEPS:
        groups = step(groups, rules)
    cues = [Cue(g[0].start, g[-1].end, "\n".join(break_lines(g, rules)),
                tuple(g)) for g in groups]
    return remove_overlaps(extend_for_reading(cues, rules), rules)


def attach_words(cues: list[Cue], words: list[Word]) -> list[Cue]:
    """Timed words for cues read back from a corrected caption file.

    Each cue takes the transcript's words that fall inside it. Where a person changed a word,
    the token count is unchanged and each token keeps its word's timing, so only that word
    changes on screen, and it loses its `uncertain` mark (a person has looked at it); where
    they added or removed words, the cue's time is shared out by token length, unmarked.
    """
    out = []
    for i, c in enumerate(cues):
        tokens = c.text.split()
        # A word belongs to the cue it starts in, up to the next cue: the gap before that one
        # may have cut a short last word ("ja.") out of its cue's time.
        until = cues[i + 1].start if i + 1 < len(cues) else float("inf")
        inside = [w for w in words if c.start - 0.0015 <= (w.start + w.end) / 2 < until]
        if len(inside) == len(tokens):
            timed = tuple(replace(w, text=t, uncertain=w.uncertain if t == w.text else None)
                          for w, t in zip(inside, tokens))
        else:
            timed = _spread(tokens, c.start, c.end)
        out.append(replace(c, words=timed))
    return out


def _spread(tokens: list[str], start: float, end: float) -> tuple[Word, ...]:
    total = sum(len(t) + 1 for t in tokens) or 1
    out, t = [], start
    for tok in tokens:
        d = (end - start) * (len(tok) + 1) / total
        out.append(Word(round(t, 3), round(t + d, 3), tok))
        t += d
    return tuple(out)


@dataclass(frozen=True)
class Readability:
    """How readable a video's captions are, for the summary and the manifest."""

    cues: int
    over_limits: int          # cues breaking a line, length, duration or reading-speed limit
    slowest_cps: float        # the highest characters-per-second of any cue (slowest to read)

    def to_json(self) -> dict:
        return {"cues": self.cues, "over_limits": self.over_limits,
                "slowest_cps": round(self.slowest_cps, 1)}


def _cps(c: Cue) -> float:
    return len(c.text.replace("\n", "")) / max(c.end - c.start, 0.001)


def over_limits(c: Cue, rules: CueRules, following: Cue | None = None) -> bool:
    """Whether a cue breaks the norm: lines, length, reading speed, time on screen, or the gap
    to the cue after it."""
    lines = c.text.split("\n")
    duration = c.end - c.start
    return (len(lines) > rules.max_lines or any(len(ln) > rules.max_chars for ln in lines)
            or _cps(c) > rules.max_cps + 0.05 or duration > rules.max_seconds + 0.01
            or duration < rules.min_seconds - 0.01
            or (following is not None and following.start - c.end < rules.gap - 0.0015))


def readability(cues: list[Cue], rules: CueRules) -> Readability:
    following: list[Cue | None] = [*cues[1:], None]
    return Readability(len(cues), sum(over_limits(c, rules, n) for c, n in zip(cues, following)),
                       max((_cps(c) for c in cues), default=0.0))


# --- SRT -------------------------------------------------------------------------------------


# --- timeline ----------------------------------------------------------------------------------

def place(cues: list[Cue], start: float, end: float, offset: float) -> list[Cue]:
    """Cues of a source clip trimmed to [start, end), moved to begin at `offset` in the output.

    Cues cut by the trim are clipped to it; cues outside it are dropped.
    """
    out = []
    for c in cues:
        s, e = max(c.start, start), min(c.end, end)
        if e - s > 0.05:
            words = tuple(replace(w, start=w.start - start + offset, end=w.end - start + offset)
                          for w in c.words if start <= (w.start + w.end) / 2 < end)
            out.append(replace(c, start=s - start + offset, end=e - start + offset, words=words))
    return out


# --- ASS (libass) -------------------------------------------------------------------------------


