"""Where a team's own LLM logs are, and how to read them: one ``[[sources]]`` entry each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SourceKind = Literal["openai-log", "otel-genai", "langfuse-export"]
FeedbackKind = Literal["thumbs", "rating", "comment"]

# openai-log: where each interaction field is found in one logged line (dotted paths;
# ``choices.0`` indexes a list). The first path that holds a value wins. These are
# the defaults fixed in docs/architecture.md ("Input: production logs").
OPENAI_LOG_FIELDS: dict[str, list[str]] = {
    "request": ["request"],
    "response": ["response"],
    "model": ["request.model", "response.model"],
    "messages": ["request.messages"],
    "user_id": ["request.user", "request.safety_identifier", "request.metadata.user_id"],
    "conversation_id": ["request.metadata.conversation_id", "conversation_id"],
    "scene": ["request.metadata.scene", "scene"],
    "metadata": ["request.metadata"],
    "latency_ms": ["latency_ms"],
}

# otel-genai: span (or resource) attributes holding the fields the GenAI conventions
# leave to the application. Semantic conventions 1.37+: ``gen_ai.conversation.id``,
# ``user.id``; OpenInference: ``session.id``, ``user.id``.
OTEL_GENAI_FIELDS: dict[str, list[str]] = {
    "conversation_id": ["gen_ai.conversation.id", "session.id"],
    "user_id": ["user.id", "enduser.id"],
    "scene": ["app.scene", "gen_ai.agent.name"],
}

# langfuse-export: columns of an (enriched) observation row; a trace groups one turn,
# a session the conversation.
LANGFUSE_FIELDS: dict[str, list[str]] = {
    "conversation_id": ["session_id"],
    "user_id": ["user_id"],
    "scene": ["metadata.scene"],
}

DEFAULT_FIELDS: dict[str, dict[str, list[str]]] = {
    "openai-log": OPENAI_LOG_FIELDS,
    "otel-genai": OTEL_GENAI_FIELDS,
    "langfuse-export": LANGFUSE_FIELDS,
}


class SourceConfig(BaseModel):
    """One landing root in a format other teams already write."""

    model_config = ConfigDict(extra="forbid")

    kind: SourceKind = Field(
        description="openai-log: JSONL of chat-completions request and response; "
        "otel-genai: OTLP/JSON trace files (OpenTelemetry Collector file exporter); "
        "langfuse-export: Langfuse's blob-storage export (JSONL)."
    )
    root: str = Field(min_length=1, description="Folder holding the source's log files.")
    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Short name for the translated copy and the run summary; default: the kind.",
    )
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Override where a field is read from: field -> paths tried in order "
        "(see docs/sources.md for each kind's fields and defaults).",
    )
    feedback: dict[str, FeedbackKind] = Field(
        default_factory=lambda: {
            "user-feedback": "thumbs",
            "user_feedback": "thumbs",
            "thumbs": "thumbs",
            "rating": "rating",
            "comment": "comment",
        },
        description="Feedback or evaluation name -> the event it becomes (thumbs: "
        "thumbs_up/down from the sign or label; rating: 1-5; comment: the text). "
        "Names not listed are skipped.",
    )
    default_user_id: str | None = Field(
        default=None,
        min_length=1,
        description="user_id for records that carry none (else they are quarantined).",
    )

    @model_validator(mode="after")
    def _known_fields(self) -> SourceConfig:
        unknown = sorted(set(self.fields) - set(DEFAULT_FIELDS[self.kind]))
        if unknown:
            known = ", ".join(DEFAULT_FIELDS[self.kind])
            raise ValueError(f"{self.kind} has no field {', '.join(unknown)} (known: {known})")
        if any(not paths for paths in self.fields.values()):
            raise ValueError("each field needs at least one path")
        return self

    @property
    def label(self) -> str:
        """The source's name, or its kind."""
        return self.name or self.kind

    def paths(self, field: str) -> list[str]:
        """Where ``field`` is read from: the configured paths, else the kind's defaults."""
        return self.fields.get(field) or DEFAULT_FIELDS[self.kind][field]
