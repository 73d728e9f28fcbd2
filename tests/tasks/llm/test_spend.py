"""The rolling 24-hour ceiling per endpoint, across runs, against a real HTTP server with
the real openai client; tokens counted when the server sends no usage; the rewriter's cap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tasks.llm.client import BudgetExhausted, LLMClient, LLMSettings, LLMTarget
from tasks.llm.spend import load_spend, record_spend
from tasks.repair.rewrite import RewriteSettings, rewrite_bad_cases
from tests.llm_server import LLMServer, Reply, sound_llm
from tests.tasks.repair.test_rewrite import setup_cases

ASK = [{"role": "user", "content": "How do I renew a passport abroad? " * 10}]


def _one_run(con, server, settings, run_id, calls) -> int:
    """A stage of one run: ``calls`` requests (stopping at the ceiling); returns answered."""
    target = LLMTarget(server.base_url, "judge", "sk-test")

    async def go() -> int:
        answered = 0
        async with LLMClient(target, settings) as llm:
            load_spend(con, llm)
            try:
                for _ in range(calls):
                    await llm.complete(ASK)
                    answered += 1
            except BudgetExhausted:
                pass
            finally:
                record_spend(con, llm, run_id, "judge-with-llm")
        return answered

    return asyncio.run(go())


def test_the_daily_request_ceiling_holds_across_runs(con):
    settings = LLMSettings(daily_max_requests=5, max_retries=0)
    with LLMServer() as server:
        assert _one_run(con, server, settings, "run-1", 3) == 3
        assert _one_run(con, server, settings, "run-2", 3) == 2, "the ceiling spans runs"
        assert _one_run(con, server, settings, "run-3", 3) == 0
        assert len(server.seen) == 5
        day_ago = datetime.now(UTC) - timedelta(hours=25)
        con.execute("UPDATE llm_spend SET recorded_at = $t", {"t": day_ago})
        assert _one_run(con, server, settings, "run-4", 1) == 1, "a rolling window"


def test_tokens_are_estimated_when_the_server_omits_usage(con):
    settings = LLMSettings(daily_max_tokens=200, max_retries=0)
    with LLMServer(lambda body, n: Reply("fine " * 40, usage=False)) as server:
        answered = _one_run(con, server, settings, "run-1", 10)
    assert 1 <= answered < 10, "the estimate reaches the ceiling"
    requests, tokens, estimated = con.execute(
        "SELECT sum(requests), sum(prompt_tokens + completion_tokens), sum(estimated_tokens) "
        "FROM llm_spend"
    ).fetchone()
    assert requests == answered and tokens >= 200 and estimated == tokens


def test_the_rewriter_takes_at_most_max_items_per_run(con):
    setup_cases(con, 3)
    with LLMServer(sound_llm) as server:
        target = LLMTarget(server.base_url, "rewriter", "sk-test")

        async def go():
            async with LLMClient(target, LLMSettings(max_retries=0)) as llm:
                return await rewrite_bad_cases(con, llm, "r1", RewriteSettings(max_items=1))

        summary = asyncio.run(go())
    assert summary.attempted == 1


@pytest.mark.parametrize("field", ["daily_max_requests", "daily_max_tokens"])
def test_the_ceilings_have_defaults(field):
    assert getattr(LLMSettings(), field) is not None
