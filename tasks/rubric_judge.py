"""The pointwise rubric judge (RM-R1 style): rubric, per-dimension evaluation, verdict.

A prompt template file (``tasks/prompts/rubric_judge.md``, versioned by content
hash), :func:`build_messages`, :func:`parse_verdict` and a typed result. The
conversation reaches the model as delimited data: every message is a JSON string
with ``<`` and ``>`` escaped, so no text a user logged can open or close a tag
in the prompt. The parser only reads the model's own final ``<answer>`` block,
after its ``<eval>``; one malformed reply gets one repair request, then becomes
a parse error with the raw output, never a verdict.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tasks.llm import LLMClient

JUDGE_NAME = "llm:rubric"
VERDICTS = ("bad", "acceptable", "good")


@cache
def _template(name: str) -> str:
    return resources.files("tasks").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def prompt_version() -> str:
    """Content hash of the judge's prompt files (recorded with every judgment)."""
    text = _template("rubric_judge") + _template("format_repair")
    return "rubric_judge@" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _as_data(value: object) -> str:
    """JSON text with angle brackets escaped: data that cannot form a tag."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def build_messages(conversation: list[dict], answer: str) -> list[dict]:
    """The chat messages asking the judge to assess ``answer`` to ``conversation``.

    Args:
        conversation: The chat context (``{role, content}`` dicts) ending with the user turn.
        answer: The assistant answer under review.
    """
    turns = [{"role": m.get("role"), "content": m.get("content")} for m in conversation]
    prompt = _template("rubric_judge").format(conversation=_as_data(turns), answer=_as_data(answer))
    return [{"role": "user", "content": prompt}]


@dataclass(frozen=True)
class RubricVerdict:
    """A parsed judgment."""

    verdict: str
    score: int
    rubric: str
    evaluation: str


class VerdictParseError(ValueError):
    """The judge's reply does not follow the format; ``problem`` says how."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


_BLOCK = r"<{0}>\s*(.*?)\s*</{0}>"
_ANSWER = re.compile(r"^verdict:\s*(bad|acceptable|good)\s*\n\s*score:\s*(\d{1,2})\s*$", re.I)


def parse_verdict(text: str) -> RubricVerdict:
    """Parse a judge reply strictly.

    The reply must hold ``<rubric>``, then ``<eval>``, then ``<answer>``; only
    the ``<answer>`` block after the last ``</eval>`` counts, and it must be
    exactly a verdict line and a 1-10 score line.

    Raises:
        VerdictParseError: With the problem, for the repair request.
    """
    rubric = re.search(_BLOCK.format("rubric"), text, re.S)
    if not rubric:
        raise VerdictParseError("no <rubric> block")
    eval_end = text.rfind("</eval>")
    evaluation = re.search(_BLOCK.format("eval"), text[rubric.end() :], re.S)
    if not evaluation or eval_end < rubric.end():
        raise VerdictParseError("no <eval> block after the rubric")
    tail = text[eval_end + len("</eval>") :]
    answers = re.findall(_BLOCK.format("answer"), tail, re.S)
    if len(answers) != 1:
        raise VerdictParseError(f"{len(answers)} <answer> blocks after the evaluation, need 1")
    if tail.strip()[-len("</answer>") :] != "</answer>":
        raise VerdictParseError("text after the <answer> block")
    match = _ANSWER.match(answers[0].strip())
    if not match:
        raise VerdictParseError("the <answer> block is not 'verdict: ...' and 'score: N'")
    score = int(match.group(2))
    if not 1 <= score <= 10:
        raise VerdictParseError(f"score {score} is outside 1-10")
    return RubricVerdict(
        verdict=match.group(1).lower(),
        score=score,
        rubric=rubric.group(1).strip(),
        evaluation=evaluation.group(1).strip(),
    )


@dataclass(frozen=True)
class JudgeOutcome:
    """A verdict, or the reason there is none, with the raw output kept either way."""

    verdict: RubricVerdict | None
    raw: str
    error: str | None
    calls: int


async def judge_answer(llm: LLMClient, conversation: list[dict], answer: str) -> JudgeOutcome:
    """Ask for a verdict; one repair request if the reply is malformed.

    LLM call failures (after their retries) and budget exhaustion propagate: the
    stage records them per item or stops.
    """
    messages = build_messages(conversation, answer)
    first = await llm.complete(messages)
    try:
        return JudgeOutcome(parse_verdict(first.text), first.text, None, 1)
    except VerdictParseError as exc:
        problem = exc.problem
    repair = [
        *messages,
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": _template("format_repair").format(problem=problem)},
    ]
    second = await llm.complete(repair)
    try:
        return JudgeOutcome(parse_verdict(second.text), second.text, None, 2)
    except VerdictParseError as exc:
        raw = first.text + "\n---- repair ----\n" + second.text
        return JudgeOutcome(None, raw, f"parse_error: {exc.problem}", 2)
