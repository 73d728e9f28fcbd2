"""The LLM client layer against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import asyncio

import pytest

from tasks.llm.client import (
    BudgetExhausted,
    LLMCallFailed,
    LLMClient,
    LLMSettings,
    LLMTarget,
    resolve_llm,
)
from tests.llm_server import LLMServer, Reply

FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05}
HELLO = [{"role": "user", "content": "hello"}]


def _run(server: LLMServer, calls: int = 1, **settings):
    target = LLMTarget(server.base_url, "test-model", "sk-test")

    async def go():
        async with LLMClient(target, LLMSettings(**{**FAST, **settings})) as llm:
            results = await asyncio.gather(
                *(llm.complete(HELLO) for _ in range(calls)), return_exceptions=True
            )
            return results, llm.usage

    return asyncio.run(go())


def test_resolve_from_environment():
    env = {
        "OPENAI_API_KEY": "sk-1",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "BADCASE_LLM_MODEL": "qwen2.5-7b",
    }
    target = resolve_llm(LLMSettings(), env)
    assert (target.base_url, target.model, target.api_key) == (
        "http://127.0.0.1:9/v1",
        "qwen2.5-7b",
        "sk-1",
    )
    assert "sk-1" not in repr(target), "the key never shows in logs"
    own = resolve_llm(LLMSettings(model="m2", base_url="http://127.0.0.1:8/v1"), env)
    assert (own.base_url, own.model) == ("http://127.0.0.1:8/v1", "m2"), "settings win"
    assert resolve_llm(LLMSettings(), {"BADCASE_LLM_MODEL": "x"}) is None, "no key: offline"
    assert resolve_llm(LLMSettings(api_key_env="MY_KEY"), {"MY_KEY": "k"}).model == "gpt-4o-mini"


def test_completion_records_usage_and_sends_the_request():
    with LLMServer(
        lambda body, n: Reply("<answer>good</answer>", prompt_tokens=7, completion_tokens=3)
    ) as s:
        [result], usage = _run(s, max_output_tokens=64)
    assert result.text == "<answer>good</answer>" and result.attempts == 1
    assert (usage.requests, usage.completions, usage.prompt_tokens, usage.completion_tokens) == (
        1,
        1,
        7,
        3,
    )
    body = s.seen[0].body
    assert body["model"] == "test-model" and body["messages"] == HELLO
    assert body["max_tokens"] == 64 and body["temperature"] == 0.0
    assert s.seen[0].headers.get("authorization") == "Bearer sk-test"


def test_concurrency_is_bounded():
    with LLMServer(lambda body, n: Reply(latency_s=0.05)) as s:
        results, _ = _run(s, calls=12, concurrency=3)
    assert all(r.text == "ok" for r in results)
    assert s.max_in_flight == 3


def test_retry_after_is_honoured_on_429():
    script = lambda body, n: Reply(status=429, retry_after="0.3") if n < 2 else Reply("fine")  # noqa: E731
    with LLMServer(script) as s:
        [result], usage = _run(s)
    assert result.text == "fine" and result.attempts == 3
    assert usage.retries == 2 and usage.requests == 3
    gaps = [b.arrived - a.arrived for a, b in zip(s.seen, s.seen[1:], strict=False)]
    assert all(gap >= 0.28 for gap in gaps), gaps


@pytest.mark.parametrize(
    ("fault", "reason"), [(500, "server_error"), (503, "server_error"), (429, "rate_limited")]
)
def test_transient_errors_are_retried_then_reported(fault, reason):
    with LLMServer(lambda body, n: Reply(status=fault)) as s:
        [error], usage = _run(s, max_retries=2)
    assert isinstance(error, LLMCallFailed) and error.reason == reason and error.attempts == 3
    assert len(s.seen) == 3 and usage.failures == 1 and usage.completions == 0


def test_timeouts_are_retried():
    script = lambda body, n: Reply(latency_s=1.0) if n == 0 else Reply("late but fine")  # noqa: E731
    with LLMServer(script) as s:
        [result], usage = _run(s, timeout_s=0.3)
    assert result.text == "late but fine" and usage.retries == 1


def test_client_errors_are_not_retried():
    with LLMServer(lambda body, n: Reply(status=400)) as s:
        [error], _ = _run(s)
    assert isinstance(error, LLMCallFailed) and error.reason == "bad_request" and len(s.seen) == 1
    with LLMServer(lambda body, n: Reply(status=401)) as s:
        [error], _ = _run(s)
    assert error.reason == "auth_error" and len(s.seen) == 1


def test_request_budget_stops_cleanly():
    with LLMServer() as s:
        results, _ = _run(s, calls=5, max_requests=3, concurrency=1)
    done = [r for r in results if not isinstance(r, Exception)]
    stopped = [r for r in results if isinstance(r, BudgetExhausted)]
    assert len(done) == 3 and len(stopped) == 2 and len(s.seen) == 3
    assert "budget of 3" in str(stopped[0])


def test_token_budget_stops_cleanly():
    with LLMServer(lambda body, n: Reply(prompt_tokens=60, completion_tokens=40)) as s:
        results, usage = _run(s, calls=4, max_tokens=250, concurrency=1)
    assert sum(isinstance(r, BudgetExhausted) for r in results) == 1 and usage.tokens == 300


def test_connection_refused_is_a_connection_error():
    with LLMServer() as s:
        url = s.base_url
    target = LLMTarget(url, "m", "k")  # the server is gone

    async def go():
        async with LLMClient(target, LLMSettings(max_retries=1, **FAST)) as llm:
            return await llm.complete(HELLO)

    with pytest.raises(LLMCallFailed) as info:
        asyncio.run(go())
    assert info.value.reason == "connection_error" and info.value.attempts == 2
