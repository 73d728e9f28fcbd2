"""A real OpenAI-compatible HTTP server on loopback, with scripted answers and faults.

Tests and benchmarks point the ``openai`` client at it (``base_url``) instead of
mocking transports. A script decides each reply from the request: content,
latency, an HTTP error status (with ``Retry-After``), or a hang past the
client's timeout. Every request is recorded with its arrival time.

Structured outputs (``response_format``) are handled like real servers do, by
``structured``: ``accept`` checks the json_schema request and lets the script
answer (JSON content when it sees ``response_format``), ``refuse`` answers 400 as
servers without support do, ``ignore`` drops the field before the script sees it.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal


@dataclass
class Reply:
    """What the server answers to one request."""

    content: str = "ok"
    status: int = 200
    latency_s: float = 0.0
    retry_after: str | None = None
    prompt_tokens: int = 10
    completion_tokens: int = 5
    id: str = "chatcmpl-test"
    created: int | None = None  # epoch seconds; default: now
    finish_reason: str = "stop"


@dataclass
class Seen:
    """One request as the server received it."""

    body: dict
    arrived: float
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased


Script = Callable[[dict, int], Reply]  # (request body, 0-based request number) -> reply


class LLMServer:
    """``with LLMServer(script) as server: client(base_url=server.base_url)``."""

    def __init__(
        self,
        script: Script | None = None,
        structured: Literal["accept", "refuse", "ignore"] = "accept",
    ) -> None:
        self.script: Script = script or (lambda body, n: Reply())
        self.structured = structured
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm
            # and the client's delayed ACK add ~40 ms to every response.
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    n = len(server.seen)
                    server.seen.append(
                        Seen(
                            body, time.monotonic(), {k.lower(): v for k, v in self.headers.items()}
                        )
                    )
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    reply = server._structured_refusal(body) or server.script(
                        server._as_seen_by_script(body), n
                    )
                    if reply.latency_s:
                        time.sleep(reply.latency_s)
                    self._answer(body, reply)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, body: dict, reply: Reply) -> None:
                if reply.status == 200 and body.get("stream"):
                    self._stream(body, reply)
                    return
                if reply.status != 200:
                    message = reply.content if reply.content != "ok" else f"scripted {reply.status}"
                    payload = {"error": {"message": message, "type": "test"}}
                else:
                    payload = {
                        "id": reply.id,
                        "object": "chat.completion",
                        "created": reply.created or int(time.time()),
                        "model": body.get("model", "test-model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply.content},
                                "finish_reason": reply.finish_reason,
                            }
                        ],
                        "usage": {
                            "prompt_tokens": reply.prompt_tokens,
                            "completion_tokens": reply.completion_tokens,
                            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                        },
                    }
                data = json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if reply.retry_after is not None:
                        self.send_header("Retry-After", reply.retry_after)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to answer

            def _stream(self, body: dict, reply: Reply) -> None:
                """Server-sent events: the content in three chunks, then usage if asked."""
                base = {
                    "id": reply.id,
                    "object": "chat.completion.chunk",
                    "created": reply.created or int(time.time()),
                    "model": body.get("model", "test-model"),
                }
                third = max(1, len(reply.content) // 3)
                pieces = [reply.content[i : i + third] for i in range(0, len(reply.content), third)]
                deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
                chunks = [
                    {**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
                    for d in deltas
                ]
                chunks.append(
                    {
                        **base,
                        "choices": [
                            {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
                        ],
                    }
                )
                if (body.get("stream_options") or {}).get("include_usage"):
                    usage = {
                        "prompt_tokens": reply.prompt_tokens,
                        "completion_tokens": reply.completion_tokens,
                        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                    }
                    chunks.append({**base, "choices": [], "usage": usage})
                data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data.encode())))
                self.end_headers()
                self.wfile.write(data.encode())

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog of 5 refuses bursts of connections

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def _structured_refusal(self, body: dict) -> Reply | None:
        """A 400 for a response_format this server refuses or finds malformed."""
        fmt = body.get("response_format")
        if fmt is None or self.structured == "ignore":
            return None
        if self.structured == "refuse":
            return Reply(status=400, content="response_format json_schema is not supported")
        spec = fmt.get("json_schema") or {}
        schema = spec.get("schema") or {}
        if (
            fmt.get("type") != "json_schema"
            or not spec.get("name")
            or schema.get("type") != "object"
            or set(schema.get("required", [])) != set(schema.get("properties", {}))
        ):
            return Reply(status=400, content="invalid response_format")
        return None

    def _as_seen_by_script(self, body: dict) -> dict:
        if self.structured == "ignore" and "response_format" in body:
            return {k: v for k, v in body.items() if k != "response_format"}
        return body

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def rubric_reply(verdict: str, score: int) -> str:
    """A well-formed rubric judge reply."""
    return (
        "<rubric>\n- accuracy: the facts must be right\n</rubric>\n"
        f"<eval>\n- accuracy: judged {verdict}\n</eval>\n"
        f"<answer>\nverdict: {verdict}\nscore: {score}\n</answer>"
    )


def judge_everything_good(body: dict, n: int) -> Reply:
    """A script: the rubric judge finds every answer good."""
    return Reply(rubric_reply("good", 9))


def rewrite_reply(answer: str, pattern: str = "List every required item, with its detail.") -> str:
    """A well-formed four-step rewriter reply."""
    return (
        "<diagnosis>\nThe answer leaves out what the user needs.\n</diagnosis>\n"
        "<structure>\n- what is needed\n- the details of each\n</structure>\n"
        f"<answer>\n{answer}\n</answer>\n"
        f"<pattern>\n{pattern}\n</pattern>"
    )


def pairwise_reply(choice: str) -> str:
    """A well-formed pairwise judge reply choosing [[A]], [[B]] or [[tie]]."""
    return (
        "<rubric>\n- helpfulness: the user's need\n</rubric>\n"
        "<eval>\n- helpfulness: compared\n</eval>\n"
        f"<answer>{choice}</answer>"
    )


REPAIRED = "REPAIRED"


def sound_llm(body: dict, n: int) -> Reply:
    """A script for every prompt of the loop: the rubric judge finds answers good, the
    rewriter writes a repair marked REPAIRED, and the pairwise judge prefers the repair in
    whichever position it is shown."""
    prompt = body["messages"][0]["content"]
    if "<failed_answer>" in prompt:
        return Reply(rewrite_reply(f"{REPAIRED}: the complete answer, step by step."))
    if "<answer_a>" in prompt:
        a = prompt.split("<answer_a>")[1].split("</answer_a>")[0]
        return Reply(pairwise_reply("[[A]]" if REPAIRED in a else "[[B]]"))
    return Reply(rubric_reply("good", 9))


def rubric_json(verdict: str, score: int) -> str:
    """A structured rubric judge reply (the JSON object of its schema)."""
    return json.dumps(
        {
            "rubric": "- accuracy: the facts must be right",
            "evaluation": f"- accuracy: judged {verdict}",
            "verdict": verdict,
            "score": score,
        }
    )


def pairwise_json(choice: str) -> str:
    """A structured pairwise judge reply; ``choice`` is A, B or tie."""
    return json.dumps(
        {
            "rubric": "- helpfulness: the user's need",
            "evaluation": "- helpfulness: compared",
            "choice": choice,
        }
    )


def rewrite_json(answer: str, pattern: str = "List every required item, with its detail.") -> str:
    """A structured four-step rewriter reply."""
    return json.dumps(
        {
            "diagnosis": "The answer leaves out what the user needs.",
            "structure": "- what is needed\n- the details of each",
            "answer": answer,
            "pattern": pattern,
        }
    )


def structured_sound_llm(body: dict, n: int) -> Reply:
    """Like :func:`sound_llm`, answering with JSON objects when the request asks for them."""
    if "response_format" not in body:
        return sound_llm(body, n)
    prompt = body["messages"][0]["content"]
    if "<failed_answer>" in prompt:
        return Reply(rewrite_json(f"{REPAIRED}: the complete answer, step by step."))
    if "<answer_a>" in prompt:
        a = prompt.split("<answer_a>")[1].split("</answer_a>")[0]
        return Reply(pairwise_json("A" if REPAIRED in a else "B"))
    return Reply(rubric_json("good", 9))


class AtShares:
    """A script answering each request with one of several scripts, drawn at given shares
    (seeded): ``LLMServer(AtShares([(0.7, well_formed), (0.3, messy)]))``."""

    def __init__(self, choices: Sequence[tuple[float, Script]], seed: int = 0) -> None:
        self.weights = [w for w, _ in choices]
        self.scripts = [s for _, s in choices]
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, body: dict, n: int) -> Reply:
        with self._lock:
            [script] = self._rng.choices(self.scripts, self.weights)
        return script(body, n)
