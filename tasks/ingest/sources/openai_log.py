"""``openai-log``: JSON lines of an OpenAI chat-completions request and its response.

What a gateway or proxy in front of an OpenAI-compatible API logs: one JSON
object per line holding the request body (``model``, ``messages``, ``user``,
``metadata``) and the response. The response is either a ``chat.completion``
object (``id``, ``created``, ``choices[0].message``, ``usage``), or a streamed
response logged as its chunks: a list of ``chat.completion.chunk`` objects, or
the raw server-sent-events text (``data: {...}`` lines ending in ``data: [DONE]``).
Chunks are concatenated as the OpenAI Python SDK's stream accumulator does
(``openai/lib/streaming/chat/_completions.py``, openai 3.51): ``delta.content``
appended per choice index, the last non-null ``finish_reason``, ``usage`` from the
final chunk when ``stream_options.include_usage`` was set.

Object shapes: the OpenAI API reference for chat completions and their chunk
objects (``openai.types.chat.ChatCompletion`` / ``ChatCompletionChunk``, openai 3.51).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tasks.ingest.sources.common import (
    Outcome,
    Rejected,
    first_value,
    landed_interaction,
)
from tasks.ingest.sources.config import SourceConfig

SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


def read_openai_log(lines: Iterator[tuple[int, str]], source: SourceConfig) -> Iterator[Outcome]:
    """Map each logged request/response line to one interaction.

    Args:
        lines: ``(line_no, text)`` of the file's non-blank lines.
        source: The source config (field paths, default user).

    Yields:
        One outcome per line: an interaction, or a reject with its reason.
    """
    for line_no, text in lines:
        try:
            record = _map_line(text, source)
        except Rejected as exc:
            yield Outcome(line_no, text, reject=(exc.reason, exc.detail))
            continue
        yield Outcome(line_no, text, records=[("interactions", record)])


def _map_line(text: str, source: SourceConfig) -> dict:
    try:
        line = json.loads(text)
    except ValueError as exc:
        raise Rejected("invalid_json", f"not valid JSON: {exc}") from None
    if not isinstance(line, dict):
        raise Rejected("not_an_object", f"a JSON {type(line).__name__}, not an object")
    response = first_value(line, source.paths("response"))
    if response is None:
        raise Rejected("missing_required_field", "no response at " + _or(source, "response"))
    completion = completion_of(response)
    messages = first_value(line, source.paths("messages"))
    if not isinstance(messages, list) or not messages:
        raise Rejected("missing_required_field", "no messages at " + _or(source, "messages"))
    model = first_value(line, source.paths("model")) or completion.get("model")
    user_id = first_value(line, source.paths("user_id")) or source.default_user_id
    missing = [
        name
        for name, value in (
            ("model", model),
            ("user_id", user_id),
            ("response.id", completion.get("id")),
            ("response.created", completion.get("created")),
        )
        if value is None
    ]
    if missing:
        raise Rejected("missing_required_field", "missing: " + ", ".join(missing))
    choice = (completion.get("choices") or [None])[0]
    if not isinstance(choice, dict):
        raise Rejected("no_choices", "the response has no choices")
    content = (choice.get("message") or {}).get("content")
    if not isinstance(content, str):
        raise Rejected("no_response_text", "choices[0].message has no text (a tool call only?)")
    try:
        ts = datetime.fromtimestamp(float(completion["created"]), UTC)
    except (TypeError, ValueError, OverflowError):
        raise Rejected("wrong_type", "response.created is not epoch seconds") from None
    conversation_id = first_value(line, source.paths("conversation_id"))
    usage = completion.get("usage") or {}
    metadata = first_value(line, source.paths("metadata"))
    return landed_interaction(
        interaction_id=completion["id"],
        conversation_id=conversation_id,
        user_id=user_id,
        ts=ts,
        scene=first_value(line, source.paths("scene")),
        model=model,
        messages=messages,
        content=content,
        finish_reason=choice.get("finish_reason"),
        latency_ms=first_value(line, source.paths("latency_ms")),
        prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"),
        metadata=metadata if isinstance(metadata, dict) else None,
    )


def _or(source: SourceConfig, field: str) -> str:
    return " or ".join(source.paths(field))


def completion_of(response: Any) -> dict:
    """A ``chat.completion`` dict from a logged response, streamed or not.

    Raises:
        Rejected: An error response, or chunks that cannot be read.
    """
    if isinstance(response, str):
        response = _sse_chunks(response)
    if isinstance(response, list):
        return _accumulate(response)
    if not isinstance(response, dict):
        raise Rejected("wrong_type", f"response is a JSON {type(response).__name__}")
    if response.get("error"):
        error = response["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise Rejected("error_response", f"the call failed: {str(message)[:200]}")
    return response


def _sse_chunks(body: str) -> list[dict]:
    """The JSON chunks of a server-sent-events body (``data: ...`` lines)."""
    chunks = []
    for raw in body.splitlines():
        if not raw.startswith("data:"):
            continue
        data = raw[5:].strip()
        if data == "[DONE]":
            break
        try:
            chunks.append(json.loads(data))
        except ValueError:
            raise Rejected("invalid_stream", f"a streamed chunk is not JSON: {data[:80]}") from None
    return chunks


def _accumulate(chunks: list) -> dict:
    """Concatenate ``chat.completion.chunk`` objects into one completion."""
    if not chunks or not all(isinstance(c, dict) for c in chunks):
        raise Rejected("invalid_stream", "the streamed response holds no chunk objects")
    for chunk in chunks:
        if chunk.get("error"):
            raise Rejected("error_response", f"the stream failed: {str(chunk['error'])[:200]}")
    texts: dict[int, list[str]] = {}
    finish: dict[int, str] = {}
    usage = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            index = choice.get("index", 0)
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                texts.setdefault(index, []).append(delta["content"])
            else:
                texts.setdefault(index, [])
            if choice.get("finish_reason"):
                finish[index] = choice["finish_reason"]
    first = chunks[0]
    return {
        "id": first.get("id"),
        "created": first.get("created"),
        "model": first.get("model"),
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": "".join(parts) if parts else None},
                "finish_reason": finish.get(i),
            }
            for i, parts in sorted(texts.items())
        ],
        "usage": usage,
    }
