"""Shallow cues: surface features a reward model can learn instead of quality.

A preference set teaches "longer wins" when picking the longer answer predicts the
chosen one most of the time (Singhal et al. 2023, "A Long Way to Go: Investigating
Length Correlations in RLHF"); markdown lists and politeness phrases are the other
well-known style cues of reward hacking (Dubois et al. 2024, length-controlled
AlpacaEval; Zhang et al. 2024, "From Lists to Emojis"). For each cue a pair votes 1
when the answer with more of it is the chosen one, 0 when it is the rejected one and
0.5 when they tie; the mean vote is the cue's accuracy, which a set should keep near
0.5 (the suite bounds it, ``max_shallow_cue_accuracy``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+\S", re.M)
_POLITE = re.compile(
    r"\b(?:please|thanks?|thank you|sorry|apologi[sz]e|happy to help|glad to help|"
    r"great question|hope this helps|you're welcome|feel free)\b"
    r"|请|谢谢|感谢|抱歉|很高兴|希望对",
    re.I,
)

CUES: dict[str, Callable[[str], int]] = {
    "longer": len,
    "markdown_list": lambda text: len(_LIST_ITEM.findall(text)),
    "politeness": lambda text: len(_POLITE.findall(text)),
}


def cue_votes(chosen: str, rejected: str) -> dict[str, float]:
    """Per cue: 1.0 when the answer with more of it is ``chosen``, 0.0 when it is
    ``rejected``, 0.5 when both have as much."""
    votes = {}
    for name, measure in CUES.items():
        a, b = measure(chosen), measure(rejected)
        votes[name] = 1.0 if a > b else 0.0 if a < b else 0.5
    return votes


def cue_accuracy(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Each cue's accuracy at picking the chosen answer over ``(chosen, rejected)`` pairs
    (0.5 for no pairs)."""
    totals = dict.fromkeys(CUES, 0.0)
    n = 0
    for chosen, rejected in pairs:
        n += 1
        for name, vote in cue_votes(chosen, rejected).items():
            totals[name] += vote
    return {name: round(total / n, 4) if n else 0.5 for name, total in totals.items()}


def answer_text(messages: list[dict] | None) -> str:
    """The text of a chosen or rejected message list."""
    return " ".join(m["content"] or "" for m in messages or [])
