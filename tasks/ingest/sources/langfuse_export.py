"""``langfuse-export``: the JSONL files of Langfuse's blob-storage export.

Schema: Langfuse docs, "Blob Storage Export Field Reference"
(langfuse/langfuse-docs ``content/docs/api-and-data-platform/features/
blob-storage-export-fields.mdx``, 2026): folders ``observations_v2/`` (enriched
observations: each row carries its trace's ``user_id``, ``session_id``,
``trace_name``), ``scores/``, and the legacy ``traces/`` + ``observations/``
pair (observations without trace fields, joined here on ``trace_id``).
Timestamps are ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC. Files are read in the
order traces, observations, observations_v2, scores, so a score finds the
generation it rates.

* A ``GENERATION`` observation is an interaction: ``id`` → interaction_id,
  ``session_id`` → conversation_id (no session: derived from the messages, as
  for the other sources), ``user_id``, ``start_time`` → ts, ``provided_model_name``
  → model, ``input`` (JSON text: a list of chat messages, ``{"messages": [...]}``,
  or plain text as one user message) → messages, ``output`` (JSON text: an
  assistant message, a choice, or plain text) → response, ``usage_details``
  ``input``/``output`` → tokens, ``end_time - start_time`` → latency_ms. Other
  observation types (``SPAN``, ``EVENT``) are skipped.
* A score is a feedback event on its ``observation_id`` (or, for a trace-level
  score, the trace's last generation), mapped by ``name`` through the source's
  ``feedback`` setting: ``BOOLEAN`` and ``NUMERIC`` values by sign, 1-5 for a
  rating; ``CATEGORICAL`` by ``string_value``; ``comment`` for a comment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tasks.ingest.sources.common import (
    Outcome,
    Rejected,
    feedback_event,
    first_value,
    iso_ts,
    landed_interaction,
)
from tasks.ingest.sources.config import SourceConfig

SUFFIXES = (".jsonl", ".jsonl.gz")
TABLES = ("traces", "observations", "observations_v2", "scores")


def table_of(parts: tuple[str, ...]) -> str | None:
    """Which export table a file belongs to: the first of its folders naming one."""
    return next((p for p in parts[:-1] if p in TABLES), None)


def file_order(parts: tuple[str, ...]) -> int:
    """Sort key: traces first, scores last (a score needs its generation)."""
    table = table_of(parts)
    return TABLES.index(table) if table else len(TABLES)


def read_langfuse_export(
    lines: Iterator[tuple[int, str]], source: SourceConfig, index: dict, table: str | None
) -> Iterator[Outcome]:
    """Map one export file's rows.

    Args:
        lines: ``(line_no, text)`` of the file's non-blank lines.
        source: The source config.
        index: Kept across files: traces (legacy), generations by id, last generation per trace.
        table: The export table of this file (``observations_v2``, ``scores``, ...).
    """
    traces = index.setdefault("traces", {})
    generations = index.setdefault("generations", {})
    last_of_trace = index.setdefault("last_of_trace", {})
    for line_no, text in lines:
        try:
            row = json.loads(text)
        except ValueError as exc:
            yield Outcome(line_no, text, reject=("invalid_json", f"not valid JSON: {exc}"))
            continue
        if not isinstance(row, dict):
            yield Outcome(line_no, text, reject=("not_an_object", "a row is not a JSON object"))
            continue
        if table is None:
            yield Outcome(line_no, text, skip="not_an_export_table")
        elif table == "traces":
            traces[str(row.get("id"))] = {
                k: row.get(k) for k in ("user_id", "session_id", "name", "metadata")
            }
            yield Outcome(line_no, text, skip="trace_row")
        elif table == "scores":
            yield _score(line_no, text, row, source, generations, last_of_trace)
        elif row.get("type") != "GENERATION":
            yield Outcome(line_no, text, skip="not_a_generation")
        else:
            if table == "observations":  # legacy: the trace's fields come from traces/
                trace = traces.get(str(row.get("trace_id"))) or {}
                row = {**row, **{k: v for k, v in trace.items() if k != "name"}}
                row.setdefault("trace_name", trace.get("name"))
            try:
                record = _interaction(row, source)
            except Rejected as exc:
                yield Outcome(line_no, text, reject=(exc.reason, exc.detail))
                continue
            target = [record["interaction_id"], record["conversation_id"], record["ts"]]
            generations[record["interaction_id"]] = target
            trace_id = str(row.get("trace_id"))
            if trace_id not in last_of_trace or last_of_trace[trace_id][2] <= record["ts"]:
                last_of_trace[trace_id] = target
            yield Outcome(line_no, text, records=[("interactions", record)])


def _ts(value: Any, name: str) -> datetime:
    try:
        ts = datetime.fromisoformat(str(value))
    except ValueError:
        raise Rejected("wrong_type", f"{name} is not a timestamp") from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _messages(value: Any) -> list[dict] | None:
    value = _parse(value)
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, str) and value.strip():
        return [{"role": "user", "content": value}]
    if isinstance(value, list) and all(isinstance(m, dict) and "role" in m for m in value):
        return value or None
    return None


def _answer(value: Any) -> str | None:
    value = _parse(value)
    if isinstance(value, dict):
        if "choices" in value:
            value = (value["choices"] or [{}])[0]
        if isinstance(value.get("message"), dict):
            value = value["message"]
        value = value.get("content")
    return value if isinstance(value, str) else None


def _interaction(row: dict, source: SourceConfig) -> dict:
    messages = _messages(row.get("input"))
    answer = _answer(row.get("output"))
    model = row.get("provided_model_name") or None
    user_id = first_value(row, source.paths("user_id")) or source.default_user_id
    missing = [
        name
        for name, value in (
            ("id", row.get("id")),
            ("input messages", messages),
            ("output text", answer),
            ("provided_model_name", model),
            ("user_id", user_id),
            ("start_time", row.get("start_time")),
        )
        if value is None
    ]
    if missing:
        raise Rejected("missing_required_field", "generation without " + ", ".join(missing))
    start = _ts(row["start_time"], "start_time")
    end = _ts(row["end_time"], "end_time") if row.get("end_time") else None
    conversation = first_value(row, source.paths("conversation_id"))
    usage = row.get("usage_details") or {}
    return landed_interaction(
        interaction_id=row["id"],
        conversation_id=conversation,
        user_id=user_id,
        ts=start,
        scene=first_value(row, source.paths("scene")),
        model=model,
        messages=messages,
        content=answer,
        finish_reason=None,
        latency_ms=round((end - start).total_seconds() * 1000) if end else None,
        prompt_tokens=usage.get("input"),
        completion_tokens=usage.get("output"),
        metadata={"trace_id": row.get("trace_id"), "trace_name": row.get("trace_name")},
    )


def _score(
    line_no: int,
    text: str,
    row: dict,
    source: SourceConfig,
    generations: dict,
    last_of_trace: dict,
) -> Outcome:
    name = str(row.get("name"))
    data_type = row.get("data_type")
    value = row.get("value")
    if data_type == "BOOLEAN" and value is not None:
        value = bool(value)
    label = None
    if data_type in ("CATEGORICAL", "TEXT"):  # value is only the category's index
        value, label = None, row.get("string_value")
    try:
        mapped = feedback_event(source, name, value, label, row.get("comment"))
        if mapped is None:
            return Outcome(line_no, text, skip="unmapped_feedback_name")
        target = generations.get(str(row.get("observation_id"))) or last_of_trace.get(
            str(row.get("trace_id"))
        )
        if target is None:
            raise Rejected(
                "feedback_target_unknown",
                f"{name}: no generation seen for observation {row.get('observation_id')} "
                f"or trace {row.get('trace_id')}",
            )
        event = {
            "event_id": str(row.get("id")),
            "interaction_id": target[0],
            "conversation_id": target[1],
            "ts": iso_ts(_ts(row.get("timestamp"), "timestamp")),
            "type": mapped[0],
            "value": mapped[1],
        }
    except Rejected as exc:
        return Outcome(line_no, text, reject=(exc.reason, exc.detail), reject_kind="events")
    return Outcome(line_no, text, records=[("events", event)])
