"""What every source adapter shares: record outcomes and the small mapping helpers.

An adapter reads one source file and yields one :class:`Outcome` per source
record (a logged line, a span): the native records it maps to, or why it was
rejected (quarantined, with its raw text) or skipped (not a record of ours, e.g.
a tool span). Native records are dicts in the landing format of
``tasks/ingest/records.py``; ingestion then checks them like any landed line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tasks.ingest.sources.config import SourceConfig

_MISSING = object()


@dataclass(frozen=True)
class Outcome:
    """What one source record became.

    Attributes:
        line_no: The record's line in the source file (1-based).
        raw: The record's raw text, kept in quarantine when it is rejected.
        records: ``(kind, record)`` native records, kind ``interactions`` or ``events``.
        reject: ``(reason, detail)`` when the record cannot be mapped.
        reject_kind: Which table's quarantine a reject belongs to.
        skip: Why the record is not one of ours (counted, not quarantined).
    """

    line_no: int
    raw: str
    records: list[tuple[str, dict]] = field(default_factory=list)
    reject: tuple[str, str] | None = None
    reject_kind: str = "interactions"
    skip: str | None = None


class Rejected(Exception):
    """A source record that cannot be mapped; ``reason`` is a stable snake_case label."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def get_path(obj: Any, path: str) -> Any:
    """The value at a dotted path (``choices.0.message``), or None when any step is missing."""
    cur = obj
    for step in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(step, _MISSING)
        elif (
            isinstance(cur, list)
            and step.lstrip("-").isdigit()
            and -len(cur) <= int(step) < len(cur)
        ):
            cur = cur[int(step)]
        else:
            return None
        if cur is _MISSING:
            return None
    return cur


def first_value(obj: Any, paths: list[str]) -> Any:
    """The first non-null value found at one of the paths."""
    for path in paths:
        value = get_path(obj, path)
        if value is not None and value != "":
            return value
    return None


def iso_ts(value: datetime) -> str:
    """A UTC timestamp as the landing format writes it (ISO-8601, ``Z``)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def turn_index_of(messages: list[dict]) -> int:
    """The turn's position in its conversation: the assistant answers already in its context."""
    return sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant")


def derived_conversation_id(user_id: str, messages: list[dict]) -> str:
    """A conversation id for logs that carry none.

    Every turn of a chat resends the conversation so far, so all its turns share
    the messages up to and including the first user message: their hash (with
    the user) names the conversation.
    """
    head: list[dict] = []
    for m in messages:
        head.append({"role": m.get("role"), "content": m.get("content")})
        if m.get("role") == "user":
            break
    digest = hashlib.sha256(json.dumps([user_id, head], sort_keys=True).encode()).hexdigest()
    return "h-" + digest[:16]


def landed_interaction(
    *,
    interaction_id: str,
    conversation_id: Any,
    user_id: Any,
    ts: datetime,
    scene: Any,
    model: Any,
    messages: list[dict],
    content: Any,
    finish_reason: Any,
    latency_ms: Any,
    prompt_tokens: Any,
    completion_tokens: Any,
    metadata: dict | None,
) -> dict:
    """One interaction in the landing format (``tasks/ingest/records.py``), as every
    adapter writes it: a conversation id derived from the messages when the source
    carries none, the turn counted from the messages, the time in ISO 8601."""
    return {
        "interaction_id": str(interaction_id),
        "conversation_id": str(conversation_id or derived_conversation_id(str(user_id), messages)),
        "turn_index": turn_index_of(messages),
        "ts": iso_ts(ts),
        "user_id": str(user_id),
        "scene": scene,
        "model": str(model),
        "messages": messages,
        "response": {"content": content, "finish_reason": finish_reason},
        "latency_ms": latency_ms,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "metadata": metadata,
    }


_UP = {"up", "thumbs_up", "thumbsup", "good", "positive", "pass", "correct", "like", "true", "yes"}
_DOWN = {
    "down",
    "thumbs_down",
    "thumbsdown",
    "bad",
    "negative",
    "fail",
    "incorrect",
    "dislike",
    "false",
    "no",
}


def feedback_event(
    source: SourceConfig,
    name: str,
    value: Any,
    label: str | None,
    comment: str | None,
) -> tuple[str, str | int | None] | None:
    """``(type, value)`` of the native event a named piece of feedback becomes.

    Args:
        source: The source; ``source.feedback`` maps names to thumbs/rating/comment.
        name: The feedback's (score's, evaluation's) name.
        value: Its numeric or boolean value, if any.
        label: Its categorical value, if any.
        comment: Free text that came with it.

    Returns:
        The event type and value, or None when the name is not mapped.

    Raises:
        Rejected: The value does not fit the mapped kind (``invalid_feedback_value``).
    """
    kind = source.feedback.get(name)
    if kind is None:
        return None
    if kind == "thumbs":
        if isinstance(value, bool):
            return ("thumbs_up" if value else "thumbs_down"), None
        if isinstance(value, int | float):
            return ("thumbs_up" if value > 0 else "thumbs_down"), None
        text = str(label if label is not None else value).strip().lower()
        if text in _UP or text == "1":
            return "thumbs_up", None
        if text in _DOWN or text in ("0", "-1"):
            return "thumbs_down", None
        raise Rejected("invalid_feedback_value", f"{name}: {text!r} is neither up nor down")
    if kind == "rating":
        number = value if value is not None else label
        try:
            stars = float(number)
        except (TypeError, ValueError):
            stars = 0.0
        if not stars.is_integer() or not 1 <= stars <= 5:
            raise Rejected("invalid_feedback_value", f"{name}: {number!r} is not a rating 1-5")
        return "rating", int(stars)
    text = comment or label or (value if isinstance(value, str) else None)
    if not text or not str(text).strip():
        raise Rejected("invalid_feedback_value", f"{name}: a comment needs text")
    return "comment", str(text)


def reject_line(reason: str, detail: str, raw: str, line_no: int) -> dict:
    """The landing line that carries a rejected source record into quarantine."""
    return {"_source_reject": {"reason": reason, "detail": detail, "raw": raw, "line_no": line_no}}
