"""The pairwise judge: which of two answers is better, asked in both orders.

RM-R1 style like the rubric judge (rubric, evaluation, then ``[[A]]``, ``[[B]]``
or ``[[tie]]``). Judges favour a position (Zheng et al. 2023, "Judging
LLM-as-a-Judge", position bias), so every comparison is asked twice with the
answers swapped and a preference counts only when both orders agree.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from tasks.llm.client import LLMClient
from tasks.llm.prompting import (
    Outcome,
    ReplyFormat,
    ReplyFormatError,
    as_data,
    as_turns,
    ask_with_repair,
    check_prose,
    json_string,
    plain,
    split_reasoned,
    template,
)
from tasks.llm.prompting import prompt_version as _prompt_version

JUDGE_NAME = "llm:pairwise"
ANSWER_FORMAT = "one of [[A]], [[B]] or [[tie]]"
PREFERENCES = ("first", "second", "tie", "inconsistent", "error")


def prompt_version() -> str:
    """Content hash of the pairwise judge's prompt files."""
    return _prompt_version("pairwise_judge", "format_repair")


def build_messages(conversation: list[dict], answer_a: str, answer_b: str) -> list[dict]:
    """The chat messages asking which of ``answer_a`` and ``answer_b`` is better."""
    prompt = template("pairwise_judge").format(
        conversation=as_data(as_turns(conversation)),
        answer_a=as_data(answer_a),
        answer_b=as_data(answer_b),
    )
    return [{"role": "user", "content": prompt}]


_CHOICE = re.compile(r"\[\[(A|B|tie)\]\][ \t]*\.?", re.I)
# Prose outside the answer that could be a choice of its own.
_RESTATES = re.compile(r"\[\[|\b[AB]\b|\b[Tt]ie\b")


def _choice(value: str) -> str:
    match = _CHOICE.fullmatch(plain(value))
    if not match:
        raise ReplyFormatError("the <answer> block is not exactly [[A]], [[B]] or [[tie]]")
    choice = match.group(1)
    return "tie" if choice.lower() == "tie" else choice.upper()


def parse_choice(text: str) -> str:
    """``"A"``, ``"B"`` or ``"tie"`` from a reply whose final ``<answer>`` is that choice
    (markdown emphasis, a bullet and case tolerated; nothing else), with no other choice in
    the prose after the evaluation.

    Raises:
        ReplyFormatError: With the problem, for the repair request.
    """
    parts = split_reasoned(text)
    choice = _choice(parts.answer)
    check_prose(parts.after, _RESTATES)
    return choice


def parse_choice_json(value: dict) -> str:
    """The choice of a structured reply (rubric, evaluation, choice: A, B or tie).

    Raises:
        ReplyFormatError: With the problem.
    """
    json_string(value, "rubric")
    json_string(value, "evaluation", required=True)
    choice = plain(json_string(value, "choice")).strip("[]").lower()
    if choice not in ("a", "b", "tie"):
        raise ReplyFormatError(f"the JSON field choice is {choice!r}, not A, B or tie")
    return "tie" if choice == "tie" else choice.upper()


REPLY = ReplyFormat(
    name="pairwise_judgment",
    properties={
        "rubric": {"type": "string"},
        "evaluation": {"type": "string"},
        "choice": {"type": "string", "enum": ["A", "B", "tie"]},
    },
    parse_text=parse_choice,
    parse_json=parse_choice_json,
    answer_format=ANSWER_FORMAT,
)


@dataclass(frozen=True)
class Preference:
    """The verdict of both orders: ``first`` (the first answer given), ``second``, ``tie``,
    ``inconsistent`` (the orders disagree: no preference) or ``error`` (a reply unparseable
    after repair)."""

    preferred: str
    forward: Outcome[str]  # first answer shown as A
    backward: Outcome[str]  # first answer shown as B

    @property
    def calls(self) -> int:
        return self.forward.calls + self.backward.calls

    @property
    def error(self) -> str | None:
        return self.forward.error or self.backward.error


def combine(forward: str | None, backward: str | None) -> str:
    """The preference from both orders' choices (None: that order did not parse)."""
    if forward is None or backward is None:
        return "error"
    as_first = {"A": "first", "B": "second", "tie": "tie"}[forward]
    swapped = {"A": "second", "B": "first", "tie": "tie"}[backward]
    return as_first if as_first == swapped else "inconsistent"


async def compare(llm: LLMClient, conversation: list[dict], first: str, second: str) -> Preference:
    """Compare two answers in both orders (concurrently).

    LLM call failures (after their retries) and budget exhaustion propagate.
    """
    conversation, first, second = llm.scrub([conversation, first, second])
    forward, backward = await asyncio.gather(
        ask_with_repair(llm, build_messages(conversation, first, second), REPLY),
        ask_with_repair(llm, build_messages(conversation, second, first), REPLY),
    )
    return Preference(combine(forward.result, backward.result), forward, backward)
