"""An openai-log landing root made by the real ``openai`` client against the loopback server.

Two ways a team logs its traffic, both here: a gateway's logging HTTP transport
(request body + raw response body; a streamed one is the server-sent-events
text), and application code logging ``ChatCompletion.model_dump()`` (or each
``ChatCompletionChunk.model_dump()`` of a stream).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from openai import OpenAI

from tests.llm_server import LLMServer, Reply

T0 = 1_793_520_000  # 2026-11-01T08:00:00Z
VISA_Q = "What do I need for a Japan visa?"
VISA_A = "A passport, a photo, the application form and proof of funds."
TRUNCATED = "For a Schengen visa you need a passport, travel insurance and"
FOLLOW_Q = "And how long does it take?"
FOLLOW_A = "Usually five working days."


class LoggingTransport(httpx2.HTTPTransport):
    """What a gateway logs: each request body and the response body as it came."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = super().handle_request(request)
        response.read()
        body = response.content.decode()
        streamed = response.headers.get("content-type", "").startswith("text/event-stream")
        self.lines.append(
            {
                "request": json.loads(request.content),
                "response": body if streamed else json.loads(body),
                "latency_ms": 12,
            }
        )
        return response


# (interaction id, created offset s, answer, finish_reason) per request, in order
SCRIPT = [
    ("chatcmpl-a0", 0, VISA_A, "stop"),
    ("chatcmpl-a1", 60, FOLLOW_A, "stop"),
    ("chatcmpl-b0", 120, TRUNCATED, "length"),  # the planted failure: cut off
    ("chatcmpl-b1", 180, FOLLOW_A, "stop"),
    ("chatcmpl-c0", 240, VISA_A, "stop"),
    ("chatcmpl-c1", 300, FOLLOW_A, "stop"),
]


def _reply(body: dict, n: int) -> Reply:
    iid, offset, answer, finish = SCRIPT[n]
    return Reply(content=answer, id=iid, created=T0 + offset, finish_reason=finish)


def conversations() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(conversation id or None, user, [(question, answer)]) as the fixture logs them."""
    return [
        ("conv-a", "u1", [(VISA_Q, VISA_A), (FOLLOW_Q, FOLLOW_A)]),
        (
            "conv-b",
            "u2",
            [("What do I need for a Schengen visa?", TRUNCATED), (FOLLOW_Q, FOLLOW_A)],
        ),
        (None, "u3", [(VISA_Q, VISA_A), (FOLLOW_Q, FOLLOW_A)]),
    ]


MALFORMED = [
    b'{"request": {"model": "m1", "messages": [{"role": "user", "content": "hi"}]}, "resp',
    b'{"request": {"model": "m1", "messages": [{"role": "user", "content": "hi"}], "user": "u9"}, '
    b'"response": {"error": {"message": "rate limited", "type": "requests"}}}',
    b'{"request": {"model": "m1", "user": "u9"}, "response": {"id": "x", "created": 1}}',
    b'["not", "an", "object"]',
]


def write_openai_log(root: Path) -> Path:
    """Run the conversations through the real client and write the logs under ``root``."""
    transport = LoggingTransport()
    app_lines: list[dict] = []
    with LLMServer(_reply) as server:
        gateway_client = OpenAI(
            base_url=server.base_url,
            api_key="test",
            http_client=httpx2.Client(transport=transport),
            max_retries=0,
        )
        app_client = OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        for conv, user, turns in conversations():
            messages = [{"role": "system", "content": "You are a visa assistant."}]
            metadata = {"conversation_id": conv, "scene": "visa"} if conv else {"scene": "visa"}
            for turn, (question, _) in enumerate(turns):
                messages.append({"role": "user", "content": question})
                request = {
                    "model": "m1",
                    "messages": list(messages),
                    "user": user,
                    "metadata": metadata,
                }
                if conv == "conv-a":  # gateway log, the second turn streamed
                    client = gateway_client
                    if turn == 0:
                        client.chat.completions.create(**request)
                    else:
                        stream = client.chat.completions.create(
                            **request, stream=True, stream_options={"include_usage": True}
                        )
                        answer = "".join(
                            c.choices[0].delta.content or "" for c in stream if c.choices
                        )
                else:  # application log: model_dump() of the SDK's objects
                    client = app_client
                    if turn == 0:
                        completion = client.chat.completions.create(**request)
                        app_lines.append({"request": request, "response": completion.model_dump()})
                        answer = completion.choices[0].message.content
                    else:
                        stream = client.chat.completions.create(
                            **request, stream=True, stream_options={"include_usage": True}
                        )
                        chunks = [c.model_dump() for c in stream]
                        app_lines.append({"request": request, "response": chunks})
                        answer = "".join(
                            c["choices"][0]["delta"]["content"] or ""
                            for c in chunks
                            if c["choices"]
                        )
                if turn == 0:
                    answer = turns[0][1]
                messages.append({"role": "assistant", "content": answer})
    gateway = root / "gateway" / "2026-11-01.jsonl"
    gateway.parent.mkdir(parents=True, exist_ok=True)
    gateway.write_text("".join(json.dumps(x) + "\n" for x in transport.lines))
    app = root / "app" / "calls.jsonl"
    app.parent.mkdir(parents=True, exist_ok=True)
    app.write_bytes(
        "".join(json.dumps(x) + "\n" for x in app_lines).encode()
        + b"".join(line + b"\n" for line in MALFORMED)
    )
    return root
