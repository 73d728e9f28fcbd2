"""The production-log record format (docs/architecture.md, "Input: production logs").

Two record kinds land under ``<landing>/interactions/dt=YYYY-MM-DD/`` and
``<landing>/events/dt=YYYY-MM-DD/``. These pydantic models are the reference
definition: the sample-log generator writes through them, docs/log-format.md
documents them, and ``badcase-loop schema`` prints their JSON Schema. Ingestion validates
the same rules in SQL (``tasks/ingest/sql/classify_*.sql``) so it never loops over rows
in Python; ``tests/tasks/ingest/test_records.py`` keeps the two in agreement.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["system", "user", "assistant", "tool"]


class EventType(StrEnum):
    """Kinds of explicit feedback a product can log."""

    THUMBS_UP = "thumbs_up"
    THUMBS_DOWN = "thumbs_down"
    REGENERATE = "regenerate"
    EDIT = "edit"
    COPY = "copy"
    RATING = "rating"
    COMMENT = "comment"
    ESCALATE = "escalate"


class Message(BaseModel):
    """One chat message in OpenAI's role format."""

    model_config = ConfigDict(extra="allow")

    role: Role
    # Text, or OpenAI content parts ([{"type": "text", "text": ...}]); parts are kept as JSON text.
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class Response(BaseModel):
    """The assistant's answer to the last message."""

    model_config = ConfigDict(extra="allow")

    content: str
    finish_reason: str | None = None


def _iso_timestamp(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("ts must be an ISO-8601 string, e.g. 2026-11-01T08:00:00Z")
    return value


class Interaction(BaseModel):
    """One assistant response, with the chat context that was sent to the model."""

    # Numbers in id fields are read as text, as ingestion does.
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    interaction_id: str = Field(min_length=1)
    conversation_id: str = Field(min_length=1)
    turn_index: int = Field(ge=0)
    ts: datetime
    user_id: str = Field(min_length=1, description="pseudonymous")
    scene: str | None = Field(default=None, description="product surface or intent")
    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    response: Response
    latency_ms: float | None = Field(default=None, ge=0, description="stored as whole ms")
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    metadata: dict[str, Any] | None = None

    _ts_is_text = field_validator("ts", mode="before")(_iso_timestamp)

    @model_validator(mode="after")
    def _ends_with_user_turn(self) -> Interaction:
        if self.messages[-1].role not in ("user", "tool"):
            raise ValueError("messages must end with the user turn (or a tool result)")
        return self


class FeedbackEvent(BaseModel):
    """Explicit feedback on one interaction."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    event_id: str = Field(min_length=1)
    interaction_id: str = Field(min_length=1)
    conversation_id: str = Field(min_length=1)
    ts: datetime
    type: EventType
    value: str | int | None = Field(
        default=None,
        description="edited text for edit, 1-5 for rating, text for comment, else null",
    )

    _ts_is_text = field_validator("ts", mode="before")(_iso_timestamp)

    @model_validator(mode="after")
    def _value_fits_type(self) -> FeedbackEvent:
        if self.type == EventType.RATING and str(self.value) not in {"1", "2", "3", "4", "5"}:
            raise ValueError("a rating's value must be an integer from 1 to 5")
        if self.type in (EventType.EDIT, EventType.COMMENT) and not (
            isinstance(self.value, str) and self.value.strip()
        ):
            raise ValueError(f"a {self.type.value} event's value must be non-empty text")
        return self


RECORD_MODELS: dict[str, type[BaseModel]] = {
    "interactions": Interaction,
    "events": FeedbackEvent,
}
