"""The pointwise rubric judge (RM-R1 style): rubric, per-dimension evaluation, verdict.

A prompt template file (``tasks/judge/prompts/rubric_judge.md``, versioned by content
hash), :func:`build_messages`, :func:`parse_verdict` and a typed result. The
conversation reaches the model as delimited data (see :mod:`tasks.llm.prompting`);
the parser reads only the model's own final ``<answer>`` block; one malformed
reply gets one repair request, then becomes a parse error with the raw output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.llm.client import LLMClient
from tasks.llm.prompting import (
    Outcome,
    ReplyFormatError,
    as_data,
    as_turns,
    ask_with_repair,
    split_reasoned,
    template,
)
from tasks.llm.prompting import prompt_version as _prompt_version

JUDGE_NAME = "llm:rubric"
VERDICTS = ("bad", "acceptable", "good")
ANSWER_FORMAT = 'two lines: "verdict: bad | acceptable | good" and "score: <integer 1-10>"'

VerdictParseError = ReplyFormatError  # the name the judge's callers know


def prompt_version() -> str:
    """Content hash of the judge's prompt files (recorded with every judgment)."""
    return _prompt_version("rubric_judge", "format_repair")


def build_messages(conversation: list[dict], answer: str) -> list[dict]:
    """The chat messages asking the judge to assess ``answer`` to ``conversation``.

    Args:
        conversation: The chat context (``{role, content}`` dicts) ending with the user turn.
        answer: The assistant answer under review.
    """
    prompt = template("rubric_judge").format(
        conversation=as_data(as_turns(conversation)), answer=as_data(answer)
    )
    return [{"role": "user", "content": prompt}]


@dataclass(frozen=True)
class RubricVerdict:
    """A parsed judgment."""

    verdict: str
    score: int
    rubric: str
    evaluation: str

    @property
    def severity(self) -> float:
        """How bad, 0..1, from the score (10 is 0, 1 is 1)."""
        return round((10 - self.score) / 9, 6)


_ANSWER = re.compile(r"^verdict:\s*(bad|acceptable|good)\s*\n\s*score:\s*(\d{1,2})\s*$", re.I)


def parse_verdict(text: str) -> RubricVerdict:
    """Parse a judge reply strictly: ``<rubric>``, ``<eval>``, then exactly one
    ``<answer>`` of a verdict line and a 1-10 score line.

    Raises:
        VerdictParseError: With the problem, for the repair request.
    """
    parts = split_reasoned(text)
    match = _ANSWER.match(parts.answer)
    if not match:
        raise VerdictParseError("the <answer> block is not 'verdict: ...' and 'score: N'")
    score = int(match.group(2))
    if not 1 <= score <= 10:
        raise VerdictParseError(f"score {score} is outside 1-10")
    return RubricVerdict(match.group(1).lower(), score, parts.rubric, parts.evaluation)


JudgeOutcome = Outcome[RubricVerdict]


async def judge_answer(llm: LLMClient, conversation: list[dict], answer: str) -> JudgeOutcome:
    """Ask for a verdict; one repair request if the reply is malformed.

    LLM call failures (after their retries) and budget exhaustion propagate.
    """
    messages = build_messages(conversation, answer)
    return await ask_with_repair(llm, messages, parse_verdict, ANSWER_FORMAT)
