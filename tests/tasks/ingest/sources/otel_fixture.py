"""An otel-genai landing root made with the real OpenTelemetry SDK.

Spans are created by code following the GenAI semantic conventions (and one
OpenInference-style span), exported by the SDK's in-memory exporter, encoded to
an OTLP ``ExportTraceServiceRequest`` by ``opentelemetry-exporter-otlp-proto-common``
and written as OTLP/JSON the way the Collector's file exporter does: protobuf's
JSON mapping with lowerCamelCase names and integer enums, but trace and span ids
as hex strings (protobuf's own JSON mapping would write base64).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.tasks.ingest.sources.openai_fixture import SCRIPT, T0, conversations

SEC = 1_000_000_000
SYSTEM = "You are a visa assistant."


def _parts(text: str) -> list[dict]:
    return [{"type": "text", "content": text}]


def _hex_ids(obj):
    """The Collector writes ids as hex; protobuf's JSON mapping gave base64."""
    if isinstance(obj, dict):
        return {
            k: base64.b64decode(v).hex()
            if k in ("traceId", "spanId", "parentSpanId")
            else _hex_ids(v)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_hex_ids(v) for v in obj]
    return obj


def otlp_json_lines(spans) -> str:
    """One ExportTraceServiceRequest as an OTLP/JSON line (hex ids, integer enums)."""
    message = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    return json.dumps(_hex_ids(message)) + "\n"


def write_otel(root: Path, openinference_for: str | None = "conv-b") -> Path:
    """The openai-log fixture's conversations as GenAI spans, with feedback and noise.

    conv-a turn 1 carries a thumbs_down span event (``gen_ai.evaluation.result``);
    conv-b turn 0 a rating annotation span (1 star) parented to its chat span;
    ``openinference_for`` names a conversation logged OpenInference-style.
    """
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "visa-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("visa-bot")
    n = 0
    for conv, user, turns in conversations():
        history: list[dict] = []
        agent = tracer.start_span("invoke_agent visa", start_time=T0 * SEC)  # skipped: not chat
        agent.set_attribute("gen_ai.operation.name", "invoke_agent")
        context = trace.set_span_in_context(agent)
        for question, answer in turns:
            iid, offset, _, finish = SCRIPT[n]
            n += 1
            history.append({"role": "user", "parts": _parts(question)})
            start = (T0 + offset) * SEC
            span = tracer.start_span("chat m1", context=context, start_time=start)
            span.set_attribute("user.id", user)
            span.set_attribute("app.scene", "visa")
            if openinference_for and conv == openinference_for:
                span.set_attribute("openinference.span.kind", "LLM")
                span.set_attribute("llm.model_name", "m1")
                span.set_attribute("session.id", conv)
                oi = [{"role": "system", "content": SYSTEM}] + [
                    {"role": m["role"], "content": m["parts"][0]["content"]} for m in history
                ]
                for i, m in enumerate(oi):
                    span.set_attribute(f"llm.input_messages.{i}.message.role", m["role"])
                    span.set_attribute(f"llm.input_messages.{i}.message.content", m["content"])
                span.set_attribute("llm.output_messages.0.message.role", "assistant")
                span.set_attribute("llm.output_messages.0.message.content", answer)
                span.set_attribute("llm.token_count.prompt", 10)
                span.set_attribute("llm.token_count.completion", 5)
                span.set_attribute("gen_ai.response.id", iid)
            else:
                span.set_attribute("gen_ai.operation.name", "chat")
                span.set_attribute("gen_ai.provider.name", "openai")
                span.set_attribute("gen_ai.request.model", "m1")
                span.set_attribute("gen_ai.response.id", iid)
                span.set_attribute("gen_ai.response.finish_reasons", [finish])
                span.set_attribute("gen_ai.usage.input_tokens", 10)
                span.set_attribute("gen_ai.usage.output_tokens", 5)
                if conv:
                    span.set_attribute("gen_ai.conversation.id", conv)
                span.set_attribute("gen_ai.system_instructions", json.dumps(_parts(SYSTEM)))
                span.set_attribute("gen_ai.input.messages", json.dumps(history))
                output = [{"role": "assistant", "parts": _parts(answer), "finish_reason": finish}]
                span.set_attribute("gen_ai.output.messages", json.dumps(output))
            if iid == "chatcmpl-a1":
                span.add_event(
                    "gen_ai.evaluation.result",
                    {
                        "gen_ai.evaluation.name": "user-feedback",
                        "gen_ai.evaluation.score.label": "thumbs_down",
                    },
                    timestamp=start + 30 * SEC,
                )
            if iid == "chatcmpl-b0":
                rating = tracer.start_span(
                    "gen_ai.evaluation.result",
                    context=trace.set_span_in_context(span),
                    start_time=start + 20 * SEC,
                )
                rating.set_attribute("gen_ai.evaluation.name", "rating")
                rating.set_attribute("gen_ai.evaluation.score.value", 1.0)
                rating.end(end_time=start + 20 * SEC)
            span.end(end_time=start + 12_000_000)  # 12 ms
            history.append({"role": "assistant", "parts": _parts(answer)})
        agent.end(end_time=(T0 + 400) * SEC)
    spans = exporter.get_finished_spans()
    root.mkdir(parents=True, exist_ok=True)
    # the file exporter appends one request per export batch: here two batches
    half = len(spans) // 2
    path = root / "traces.jsonl"
    path.write_text(
        otlp_json_lines(spans[:half]) + otlp_json_lines(spans[half:]) + '{"resourceSpans": [\n'
    )
    return root
