"""The pointwise rubric judge (RM-R1 style): rubric, per-dimension evaluation, verdict.

A prompt template file (``tasks/judge/prompts/rubric_judge.md``, versioned by content
hash), :func:`build_messages`, :func:`parse_verdict` and a typed result. The
conversation reaches the model as delimited data (see :mod:`tasks.llm.prompting`);
the parser reads only the model's own final ``<answer>`` block (or, with structured
outputs, the JSON object's fields); one malformed reply gets one repair request, then
becomes a parse error with the raw output.
"""

from __future__ import annotations

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


_FIELD = re.compile(
    r"\b(verdict|score)\s*[:=]\s*([a-z]+|\d{1,2}(?:\s*(?:/|out\s+of)\s*10)?)\b", re.I
)
_SEPARATORS = re.compile(r"[\s,;|.]*")
# Prose outside the answer that could be a verdict of its own: a field, N/10, a verdict word.


def _restates(verdict: str) -> re.Pattern:
    """Prose outside the answer that could be a verdict of its own: a field, ``N/10``, or
    a verdict word other than ``verdict``."""
    others = "|".join(v for v in VERDICTS if v != verdict)
    return re.compile(
        rf"\b(?:verdict|score)[ \t]*[:=][ \t]*\w|\b\d{{1,2}}\s*/\s*10\b|\b(?:{others})\b", re.I
    )


def parse_answer(answer: str) -> tuple[str, int]:
    """The verdict and score of an ``<answer>`` block: one ``verdict:`` and one ``score:``
    field, on one line or two, in either order, with markdown emphasis, bullets, ``N/10``
    and any case tolerated, and nothing else in the block.

    Raises:
        VerdictParseError: With the problem.
    """
    text = plain(answer)
    fields = _FIELD.findall(text)
    if not _SEPARATORS.fullmatch(_FIELD.sub(" ", text)):
        raise VerdictParseError("the <answer> block is not 'verdict: ...' and 'score: N'")
    verdicts = [v.lower() for k, v in fields if k.lower() == "verdict"]
    scores = [v for k, v in fields if k.lower() == "score"]
    if len(verdicts) != 1 or len(scores) != 1:
        raise VerdictParseError("the <answer> block is not 'verdict: ...' and 'score: N'")
    return _verdict(verdicts[0]), _score(scores[0])


def _verdict(value: str) -> str:
    if value not in VERDICTS:
        raise VerdictParseError(f"the verdict {value!r} is not 'verdict: bad | acceptable | good'")
    return value


def _score(value: str) -> int:
    match = re.fullmatch(r"(\d{1,2})(?:\s*(?:/|out\s+of)\s*10)?", value.strip(), re.I)
    if not match:
        raise VerdictParseError(f"score {value!r} is not an integer 1-10")
    score = int(match.group(1))
    if not 1 <= score <= 10:
        raise VerdictParseError(f"score {score} is outside 1-10")
    return score


def parse_verdict(text: str) -> RubricVerdict:
    """Parse a judge reply: ``<rubric>``, ``<eval>``, then exactly one ``<answer>`` with a
    verdict and a 1-10 score (see :func:`parse_answer` and
    :func:`tasks.llm.prompting.split_reasoned` for what is tolerated). Prose after the
    evaluation may not restate a verdict or score.

    Raises:
        VerdictParseError: With the problem, for the repair request.
    """
    parts = split_reasoned(text)
    verdict, score = parse_answer(parts.answer)
    check_prose(parts.after, _restates(verdict))
    return RubricVerdict(verdict, score, parts.rubric, parts.evaluation)


def parse_verdict_json(value: dict) -> RubricVerdict:
    """A judgment from a structured reply's fields (rubric, evaluation, verdict, score).

    Raises:
        VerdictParseError: With the problem.
    """
    rubric = json_string(value, "rubric")
    evaluation = json_string(value, "evaluation", required=True)
    verdict = _verdict(plain(json_string(value, "verdict")).lower())
    score = value["score"]
    if isinstance(score, bool) or not isinstance(score, int | str):
        raise VerdictParseError("the JSON field score is not an integer")
    return RubricVerdict(verdict, _score(str(score)), rubric, evaluation)


REPLY = ReplyFormat(
    name="rubric_judgment",
    properties={
        "rubric": {"type": "string"},
        "evaluation": {"type": "string"},
        "verdict": {"type": "string", "enum": list(VERDICTS)},
        "score": {"type": "integer", "enum": list(range(1, 11))},
    },
    parse_text=parse_verdict,
    parse_json=parse_verdict_json,
    answer_format=ANSWER_FORMAT,
)


JudgeOutcome = Outcome[RubricVerdict]


async def judge_answer(llm: LLMClient, conversation: list[dict], answer: str) -> JudgeOutcome:
    """Ask for a verdict; one repair request if the reply is malformed.

    LLM call failures (after their retries) and budget exhaustion propagate.
    """
    conversation, answer = llm.scrub([conversation, answer])
    messages = build_messages(conversation, answer)
    return await ask_with_repair(llm, messages, REPLY)
