"""The LLM rewriter: the four-step repair of a failed answer.

(1) error localization (``<diagnosis>``), (2) reasoning structure
(``<structure>``), (3) demonstration — the corrected answer (``<answer>``), (4)
abstraction — the reusable pattern for the cluster (``<pattern>``). A prompt
file (``tasks/repair/prompts/rewrite.md``, versioned by content hash), a
:func:`build_messages`, a strict :func:`parse_rewrite` and a typed result, like
the judges; with structured outputs, a JSON object with the same four fields. One
repaired case's pattern can guide the others of its cluster.
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
    json_string,
    template,
    unfence,
)
from tasks.llm.prompting import prompt_version as _prompt_version

PARTS = ("diagnosis", "structure", "answer", "pattern")
ANSWER_FORMAT = "a non-empty corrected answer in the <answer> block"
_REPLY = re.compile(r"(.*?)".join(rf"<{p}>(.*?)</{p}>" for p in PARTS), re.S | re.I)
_TAG = re.compile(r"</?[a-z_]+>", re.I)  # no tag of any kind outside the four blocks


def prompt_version() -> str:
    """Content hash of the rewriter's prompt files (recorded with every rewrite)."""
    return _prompt_version("rewrite", "rewrite_guidance", "rewrite_repair")


def build_messages(
    conversation: list[dict], answer: str, evidence: dict, pattern: str | None = None
) -> list[dict]:
    """The request to repair ``answer``, optionally guided by a cluster ``pattern``.

    Args:
        conversation: The chat context ending with the user turn.
        answer: The failed answer.
        evidence: Why it is bad (signals, judges, an LLM judge's evaluation).
        pattern: The abstraction a sibling case's repair found, if any.
    """
    guidance = template("rewrite_guidance").format(pattern=as_data(pattern)) if pattern else ""
    prompt = template("rewrite").format(
        guidance=guidance,
        conversation=as_data(as_turns(conversation)),
        answer=as_data(answer),
        evidence=as_data(evidence),
    )
    return [{"role": "user", "content": prompt}]


@dataclass(frozen=True)
class Rewrite:
    """The four parts of a repair."""

    diagnosis: str
    structure: str
    answer: str
    pattern: str


def parse_rewrite(text: str) -> Rewrite:
    """Parse a rewriter reply: exactly the four blocks, in order. A code fence around the
    reply, tag case and prose before, between or after the blocks (without tags) are
    tolerated; the blocks' own text is kept as written.

    Raises:
        ReplyFormatError: With the problem, for the repair request.
    """
    text = unfence(text)
    for part in PARTS:
        opened = len(re.findall(rf"<{part}>", text, re.I))
        closed = len(re.findall(rf"</{part}>", text, re.I))
        if opened != 1 or closed != 1:
            raise ReplyFormatError(
                f"need one <{part}> block, found {opened} open and {closed} close"
            )
    match = _REPLY.search(text)
    if not match:
        raise ReplyFormatError(
            "the blocks are not <diagnosis>, <structure>, <answer>, <pattern> in that order"
        )
    between = match.groups()[1::2]
    if _TAG.search(text[: match.start()] + text[match.end() :]) or any(map(_TAG.search, between)):
        raise ReplyFormatError("tags outside the four blocks")
    parts = Rewrite(*(m.strip() for m in match.groups()[::2]))
    if not parts.answer:
        raise ReplyFormatError("the <answer> block is empty")
    return parts


def parse_rewrite_json(value: dict) -> Rewrite:
    """A repair from a structured reply's four fields.

    Raises:
        ReplyFormatError: With the problem.
    """
    parts = Rewrite(*(json_string(value, p) for p in PARTS))
    if not parts.answer:
        raise ReplyFormatError("the JSON field answer is empty")
    return parts


REPLY = ReplyFormat(
    name="rewrite",
    properties={p: {"type": "string"} for p in PARTS},
    parse_text=parse_rewrite,
    parse_json=parse_rewrite_json,
    answer_format=ANSWER_FORMAT,
    repair_template="rewrite_repair",
)


async def rewrite_answer(
    llm: LLMClient,
    conversation: list[dict],
    answer: str,
    evidence: dict,
    pattern: str | None = None,
) -> Outcome[Rewrite]:
    """Ask for a repair; one format-repair request if the reply is malformed.

    LLM call failures (after their retries) and budget exhaustion propagate.
    """
    conversation, answer, evidence, pattern = llm.scrub([conversation, answer, evidence, pattern])
    messages = build_messages(conversation, answer, evidence, pattern)
    return await ask_with_repair(llm, messages, REPLY)
