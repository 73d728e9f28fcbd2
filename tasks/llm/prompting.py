"""What every LLM judge and rewriter shares: prompt files, data delimiting, strict replies.

An LLM task here is a prompt template file in ``tasks/<stage>/prompts`` (versioned by
content hash), a ``build_messages()``, a ``parse_*()`` and a typed result
(STYLE.md). Logged text reaches the model as delimited data: JSON strings with
``<`` and ``>`` escaped, so nothing a user wrote can open or close a tag of the
prompt. A reply is read strictly: only the model's own final ``<answer>`` block,
after its last ``</eval>``, counts. A malformed reply gets one repair request,
then becomes a parse error with the raw output, never a verdict.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

from tasks.files import stage_file_text, stage_files
from tasks.llm.client import LLMClient

T = TypeVar("T")


@cache
def template(name: str) -> str:
    """The text of ``tasks/<stage>/prompts/<name>.md``."""
    return stage_file_text("prompts", ".md", name)


def prompt_names() -> list[str]:
    """Every prompt file shipped in ``tasks/<stage>/prompts`` (for wiring tests)."""
    return list(stage_files("prompts", ".md"))


def prompt_version(name: str, *more: str) -> str:
    """``name@<hash>``: a content hash of the prompt files a task uses."""
    text = "".join(template(n) for n in (name, *more))
    return f"{name}@" + hashlib.sha256(text.encode()).hexdigest()[:12]


def as_data(value: object) -> str:
    """JSON text with angle brackets escaped: data that cannot form a tag."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def as_turns(conversation: list[dict]) -> list[dict]:
    """Only the role and content of each message (what a judge needs to read)."""
    return [{"role": m.get("role"), "content": m.get("content")} for m in conversation]


class ReplyFormatError(ValueError):
    """A model reply does not follow its format; ``problem`` says how (for the repair)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


_BLOCK = r"<{0}>\s*(.*?)\s*</{0}>"


def block(text: str, tag: str) -> re.Match | None:
    """The first ``<tag>...</tag>`` block in ``text``."""
    return re.search(_BLOCK.format(tag), text, re.S)


@dataclass(frozen=True)
class Reasoned:
    """The parts of a rubric / eval / answer reply."""

    rubric: str
    evaluation: str
    answer: str


def split_reasoned(text: str) -> Reasoned:
    """Split a ``<rubric>``, ``<eval>``, ``<answer>`` reply strictly.

    Only the single ``<answer>`` block after the last ``</eval>`` counts, and
    nothing may follow it: an answer quoted inside the evaluation is not the
    model's own.

    Raises:
        ReplyFormatError: With the problem.
    """
    rubric = block(text, "rubric")
    if not rubric:
        raise ReplyFormatError("no <rubric> block")
    eval_end = text.rfind("</eval>")
    evaluation = block(text[rubric.end() :], "eval")
    if not evaluation or eval_end < rubric.end():
        raise ReplyFormatError("no <eval> block after the rubric")
    tail = text[eval_end + len("</eval>") :]
    answers = re.findall(_BLOCK.format("answer"), tail, re.S)
    if len(answers) != 1:
        raise ReplyFormatError(f"{len(answers)} <answer> blocks after the evaluation, need 1")
    if not tail.strip().endswith("</answer>"):
        raise ReplyFormatError("text after the <answer> block")
    return Reasoned(rubric.group(1).strip(), evaluation.group(1).strip(), answers[0].strip())


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A parsed result, or the reason there is none, with the raw output kept either way."""

    result: T | None
    raw: str
    error: str | None
    calls: int


async def ask_with_repair(
    llm: LLMClient,
    messages: list[dict],
    parse: Callable[[str], T],
    answer_format: str,
    repair_template: str = "format_repair",
) -> Outcome[T]:
    """Ask; if the reply does not parse, ask once more with the problem, then give up.

    LLM call failures (after their retries) and budget exhaustion propagate: the
    stage records them per item or stops.

    Args:
        llm: An open client.
        messages: The request.
        parse: Reads a reply; raises :class:`ReplyFormatError`.
        answer_format: What the ``<answer>`` block must hold, for the repair request.
        repair_template: The prompt file of the repair request.
    """
    first = await llm.complete(messages)
    try:
        return Outcome(parse(first.text), first.text, None, 1)
    except ReplyFormatError as exc:
        problem = exc.problem
    repair = [
        *messages,
        {"role": "assistant", "content": first.text},
        {
            "role": "user",
            "content": template(repair_template).format(
                problem=problem, answer_format=answer_format
            ),
        },
    ]
    second = await llm.complete(repair)
    try:
        return Outcome(parse(second.text), second.text, None, 2)
    except ReplyFormatError as exc:
        raw = first.text + "\n---- repair ----\n" + second.text
        return Outcome(None, raw, f"parse_error: {exc.problem}", 2)
