"""``otel-genai``: OTLP/JSON trace files, as the OpenTelemetry Collector file exporter writes.

Format (OTLP specification 1.x, "JSON Protobuf Encoding"): one
``ExportTraceServiceRequest`` per line, ``{"resourceSpans": [{"resource": {...},
"scopeSpans": [{"spans": [...]}]}]}``, field names in lowerCamelCase,
``traceId``/``spanId``/``parentSpanId`` as hex strings (not protobuf's base64;
base64 ids are read too), 64-bit integers such as ``startTimeUnixNano`` as
decimal strings, and every attribute value an ``AnyValue`` object
(``stringValue``, ``intValue``, ``doubleValue``, ``boolValue``, ``arrayValue``,
``kvlistValue``, ``bytesValue``).

A span is a chat call when ``gen_ai.operation.name`` is ``chat`` (or
``text_completion``/``generate_content``), or OpenInference's
``openinference.span.kind`` is ``LLM``. Its messages are read from, in order:

* GenAI semantic conventions 1.37+ (``opentelemetry-semantic-conventions``
  0.66b2): ``gen_ai.system_instructions``, ``gen_ai.input.messages`` and
  ``gen_ai.output.messages`` (JSON text or structured values; messages are
  ``{role, parts: [{type: text, content}, ...], finish_reason}``), on the span or
  on its ``gen_ai.client.inference.operation.details`` event; model from
  ``gen_ai.request.model`` (or ``gen_ai.response.model``), id from
  ``gen_ai.response.id``, tokens from ``gen_ai.usage.input_tokens`` /
  ``output_tokens``, conversation from ``gen_ai.conversation.id``;
* OpenInference (Arize Phoenix's instrumentations):
  ``llm.input_messages.<i>.message.role`` / ``.content`` (or
  ``.contents.<j>.message_content.text``), ``llm.output_messages.<i>...``,
  ``llm.model_name``, ``llm.token_count.prompt`` / ``completion``, ``session.id``.

Feedback: a ``gen_ai.evaluation.result`` span event on the chat span, or a
span carrying ``gen_ai.evaluation.name`` (an annotation span) whose parent is the
chat span (or whose ``gen_ai.response.id`` names it), becomes an event; its
``gen_ai.evaluation.name`` is mapped by the source's ``feedback`` setting, and
``gen_ai.evaluation.score.value`` / ``score.label`` / ``explanation`` give the value.
Every other span (agent, tool, HTTP) is skipped and counted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tasks.ingest.sources.common import (
    Outcome,
    Rejected,
    feedback_event,
    iso_ts,
    landed_interaction,
)
from tasks.ingest.sources.config import SourceConfig

SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
CHAT_OPERATIONS = {"chat", "text_completion", "generate_content"}
EVALUATION_EVENT = "gen_ai.evaluation.result"
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_OI_MESSAGE = re.compile(r"^llm\.(input|output)_messages\.(\d+)\.message\.(.+)$")


def any_value(value: Any) -> Any:
    """The Python value of an OTLP/JSON ``AnyValue`` object."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return attributes((value["kvlistValue"] or {}).get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(items: list | None) -> dict[str, Any]:
    """``[{key, value: AnyValue}]`` as a dict."""
    return {kv["key"]: any_value(kv.get("value")) for kv in items or [] if "key" in kv}


def hex_id(value: str | None) -> str | None:
    """A trace or span id as lowercase hex (OTLP/JSON), also when it came base64-encoded."""
    if not value:
        return None
    if re.fullmatch(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{32}", value):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return value


def read_otlp_json(
    lines: Iterator[tuple[int, str]], source: SourceConfig, index: dict
) -> Iterator[Outcome]:
    """Map the spans of one OTLP/JSON file: chat spans to interactions, feedback to events.

    Args:
        lines: ``(line_no, text)`` of the file's non-blank lines.
        source: The source config (field attributes, feedback mapping, default user).
        index: Kept across files: ``spans``/``responses`` -> ``[interaction_id,
            conversation_id]``, so feedback may arrive in a later file than its chat span.

    Yields:
        One outcome per span and per feedback span event; a line that is not
        OTLP/JSON is one rejected record.
    """
    spans = index.setdefault("spans", {})
    responses = index.setdefault("responses", {})
    feedback: list[tuple[int, dict, dict]] = []
    for line_no, text in lines:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            yield Outcome(line_no, text, reject=("invalid_json", f"not valid JSON: {exc}"))
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans"), list):
            yield Outcome(
                line_no, text, reject=("not_otlp_traces", "no resourceSpans: not OTLP/JSON traces")
            )
            continue
        for resource_spans in doc["resourceSpans"]:
            resource = attributes((resource_spans.get("resource") or {}).get("attributes"))
            for scope_spans in resource_spans.get("scopeSpans") or []:
                for span in scope_spans.get("spans") or []:
                    attrs = {**resource, **attributes(span.get("attributes"))}
                    raw = json.dumps(span, ensure_ascii=False)
                    if "gen_ai.evaluation.name" in attrs:
                        feedback.append((line_no, span, attrs))  # after every chat span
                        continue
                    if not _is_chat(attrs):
                        yield Outcome(line_no, raw, skip="not_a_chat_span")
                        continue
                    try:
                        record = _interaction(span, attrs, source)
                    except Rejected as exc:
                        yield Outcome(line_no, raw, reject=(exc.reason, exc.detail))
                        continue
                    target = [record["interaction_id"], record["conversation_id"]]
                    spans[hex_id(span.get("spanId")) or ""] = target
                    if attrs.get("gen_ai.response.id"):
                        responses[str(attrs["gen_ai.response.id"])] = target
                    yield Outcome(line_no, raw, records=[("interactions", record)])
                    for n, event in enumerate(span.get("events") or []):
                        if event.get("name") == EVALUATION_EVENT:
                            yield _feedback(
                                line_no,
                                event,
                                attributes(event.get("attributes")),
                                target,
                                f"{hex_id(span.get('spanId'))}.{n}",
                                event.get("timeUnixNano"),
                                source,
                            )
    for line_no, span, attrs in feedback:
        target = spans.get(hex_id(span.get("parentSpanId")) or "") or responses.get(
            str(attrs.get("gen_ai.response.id"))
        )
        yield _feedback(
            line_no,
            span,
            attrs,
            target,
            hex_id(span.get("spanId")) or "",
            span.get("startTimeUnixNano"),
            source,
        )


def _is_chat(attrs: dict) -> bool:
    return (
        attrs.get("gen_ai.operation.name") in CHAT_OPERATIONS
        or attrs.get("openinference.span.kind") == "LLM"
    )


def _first(attrs: dict, names: list[str]) -> Any:
    return next((attrs[n] for n in names if attrs.get(n) not in (None, "")), None)


def _ts(nanos: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(nanos) / 1e9, UTC)
    except (TypeError, ValueError, OverflowError):
        raise Rejected("wrong_type", "the span's time is not Unix nanoseconds") from None


def _interaction(span: dict, attrs: dict, source: SourceConfig) -> dict:
    details = next(
        (
            attributes(e.get("attributes"))
            for e in span.get("events") or []
            if e.get("name") == DETAILS_EVENT
        ),
        {},
    )
    content = {**details, **attrs}
    if "gen_ai.input.messages" in content or "gen_ai.output.messages" in content:
        messages, answer, finish = _semconv_messages(content)
    else:
        messages, answer, finish = _openinference_messages(attrs)
    finish = finish or (content.get("gen_ai.response.finish_reasons") or [None])[0]
    model = _first(content, ["gen_ai.request.model", "gen_ai.response.model", "llm.model_name"])
    user_id = _first(attrs, source.paths("user_id")) or source.default_user_id
    missing = [
        name
        for name, value in (("input messages", messages), ("model", model), ("user_id", user_id))
        if not value
    ]
    if answer is None:
        missing.append("output text")
    if missing:
        raise Rejected("missing_required_field", "chat span without " + ", ".join(missing))
    start = _ts(span.get("startTimeUnixNano"))
    end = span.get("endTimeUnixNano")
    conversation = _first(attrs, source.paths("conversation_id"))
    return landed_interaction(
        interaction_id=content.get("gen_ai.response.id") or hex_id(span.get("spanId")) or "",
        conversation_id=conversation,
        user_id=user_id,
        ts=start,
        scene=_first(attrs, source.paths("scene")),
        model=model,
        messages=messages,
        content=answer,
        finish_reason=finish,
        latency_ms=round((int(end) - int(span["startTimeUnixNano"])) / 1e6) if end else None,
        prompt_tokens=_first(content, ["gen_ai.usage.input_tokens", "llm.token_count.prompt"]),
        completion_tokens=_first(
            content, ["gen_ai.usage.output_tokens", "llm.token_count.completion"]
        ),
        metadata={"trace_id": hex_id(span.get("traceId")), "span_id": hex_id(span.get("spanId"))},
    )


def _json_value(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise Rejected("invalid_json", f"{name} is not valid JSON") from None
    return value


def _text(parts: Any) -> str | None:
    if isinstance(parts, str):
        return parts
    texts = [
        p.get("content")
        for p in parts or []
        if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("content"), str)
    ]
    return "".join(texts) if texts else None


def _semconv_messages(attrs: dict) -> tuple[list[dict], str | None, str | None]:
    """Messages per GenAI semconv: ``{role, parts: [...]}`` in, first output message out."""
    messages: list[dict] = []
    system = _json_value(attrs.get("gen_ai.system_instructions"), "gen_ai.system_instructions")
    if system:
        messages.append({"role": "system", "content": _text(system)})
    for m in _json_value(attrs.get("gen_ai.input.messages"), "gen_ai.input.messages") or []:
        if not isinstance(m, dict):
            raise Rejected("wrong_type", "gen_ai.input.messages holds a non-object")
        parts = m.get("parts") or []
        message: dict[str, Any] = {"role": m.get("role"), "content": _text(parts)}
        calls = [p for p in parts if isinstance(p, dict) and p.get("type") == "tool_call"]
        if calls:
            message["tool_calls"] = [
                {
                    "id": c.get("id"),
                    "type": "function",
                    "function": {
                        "name": c.get("name"),
                        "arguments": json.dumps(c.get("arguments")),
                    },
                }
                for c in calls
            ]
        results = [
            p for p in parts if isinstance(p, dict) and p.get("type") == "tool_call_response"
        ]
        if results:
            response = results[0].get("response")
            message["tool_call_id"] = results[0].get("id")
            message["content"] = response if isinstance(response, str) else json.dumps(response)
        messages.append(message)
    outputs = _json_value(attrs.get("gen_ai.output.messages"), "gen_ai.output.messages") or []
    first = outputs[0] if outputs and isinstance(outputs[0], dict) else {}
    return messages, _text(first.get("parts")), first.get("finish_reason")


def _openinference_messages(attrs: dict) -> tuple[list[dict], str | None, str | None]:
    """Messages from OpenInference's flattened ``llm.{input,output}_messages.<i>.message.*``."""
    found: dict[str, dict[int, dict[str, Any]]] = {"input": {}, "output": {}}
    for key, value in attrs.items():
        m = _OI_MESSAGE.match(key)
        if not m:
            continue
        side, i, rest = m.group(1), int(m.group(2)), m.group(3)
        message = found[side].setdefault(i, {})
        if rest in ("role", "content", "tool_call_id", "name"):
            message[rest] = value
        elif part := re.fullmatch(r"contents\.(\d+)\.message_content\.text", rest):
            message.setdefault("_parts", {})[int(part.group(1))] = value
    for side in found.values():
        for message in side.values():
            parts = message.pop("_parts", None)
            if parts and "content" not in message:
                message["content"] = "".join(parts[k] for k in sorted(parts))
    messages = [found["input"][i] for i in sorted(found["input"])]
    first = found["output"].get(min(found["output"], default=0), {})
    return messages, first.get("content"), None


def _feedback(
    line_no: int,
    carrier: dict,
    attrs: dict,
    target: list | None,
    event_id: str,
    nanos: Any,
    source: SourceConfig,
) -> Outcome:
    """One feedback event (a span event or an annotation span) as a native event."""
    raw = json.dumps(carrier, ensure_ascii=False)
    name = str(attrs.get("gen_ai.evaluation.name"))
    try:
        mapped = feedback_event(
            source,
            name,
            attrs.get("gen_ai.evaluation.score.value"),
            attrs.get("gen_ai.evaluation.score.label"),
            attrs.get("gen_ai.evaluation.explanation"),
        )
        if mapped is None:
            return Outcome(line_no, raw, skip="unmapped_feedback_name")
        if target is None:
            raise Rejected(
                "feedback_target_unknown",
                f"{name}: its parent span or gen_ai.response.id names no chat span seen",
            )
        event = {
            "event_id": event_id,
            "interaction_id": target[0],
            "conversation_id": target[1],
            "ts": iso_ts(_ts(nanos)),
            "type": mapped[0],
            "value": mapped[1],
        }
    except Rejected as exc:
        return Outcome(line_no, raw, reject=(exc.reason, exc.detail), reject_kind="events")
    return Outcome(line_no, raw, records=[("events", event)])
