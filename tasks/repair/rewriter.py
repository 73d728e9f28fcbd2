"""The LLM rewriter: the four-step repair of a failed answer.

(1) error localization (``<diagnosis>``), (2) reasoning structure
(``<structure>``), (3) demonstration — the corrected answer (``<answer>``), (4)
abstraction — the reusable pattern for the cluster (``<pattern>``). A prompt
file (``tasks/repair/prompts/rewrite.md``, versioned by content hash), a
:func:`build_messages`, a strict :func:`parse_rewrite` and a typed result, like
the judges. One repaired case's pattern can guide the others of its cluster.
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
    template,
)
from tasks.llm.prompting import prompt_version as _prompt_version

PARTS = ("diagnosis", "structure", "answer", "pattern")
ANSWER_FORMAT = "a non-empty corrected answer in the <answer> block"
_REPLY = re.compile(
    r"\s*" + r"\s*".join(rf"<{p}>(.*?)</{p}>" for p in PARTS) + r"\s*",
    re.S,
)


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
    """Parse a rewriter reply: exactly the four blocks, in order, nothing around them.

    Raises:
        ReplyFormatError: With the problem, for the repair request.
    """
    for part in PARTS:
        opened, closed = text.count(f"<{part}>"), text.count(f"</{part}>")
        if opened != 1 or closed != 1:
            raise ReplyFormatError(
                f"need one <{part}> block, found {opened} open and {closed} close"
            )
    match = _REPLY.fullmatch(text)
    if not match:
        raise ReplyFormatError(
            "the blocks are not <diagnosis>, <structure>, <answer>, <pattern> in that order "
            "with nothing around them"
        )
    parts = Rewrite(*(m.strip() for m in match.groups()))
    if not parts.answer:
        raise ReplyFormatError("the <answer> block is empty")
    return parts


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
    messages = build_messages(conversation, answer, evidence, pattern)
    return await ask_with_repair(llm, messages, parse_rewrite, ANSWER_FORMAT, "rewrite_repair")
