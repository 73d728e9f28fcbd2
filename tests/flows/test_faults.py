"""Faults: an LLM server that fails 20% of calls and garbles 10% of answers never breaks a run."""

from __future__ import annotations

import random

import duckdb

from flows.config import LoopConfig
from flows.loop import bad_case_loop
from tasks.llm.client import LLMSettings
from tests.llm_server import LLMServer, Reply, sound_llm


def flaky(seed: int = 5):
    """Per request: 8% HTTP 500, 6% 429 with Retry-After, 6% a hang past the client timeout,
    10% a malformed answer, the rest what a sound model would say."""
    rng = random.Random(seed)

    def script(body, n):
        roll = rng.random()
        if roll < 0.08:
            return Reply(status=500)
        if roll < 0.14:
            return Reply(status=429, retry_after="0")
        if roll < 0.20:
            return Reply(latency_s=1.5)  # the client gives up after 0.5 s
        if roll < 0.30:
            return Reply("Sorry, here is my opinion in free text instead of the format.")
        return sound_llm(body, n)

    return script


def test_the_run_completes_and_accounts_for_every_item(
    prefect_server, clean_logs, tmp_path, monkeypatch
):
    retries = 2
    config = LoopConfig(
        landing=str(clean_logs),
        warehouse=str(tmp_path / "wh.duckdb"),
        datasets=str(tmp_path / "ds"),
        llm=LLMSettings(timeout_s=0.5, max_retries=retries, backoff_base_s=0.01, concurrency=8),
    )
    config.judge.max_items = 150
    config.routing.max_llm_rewrites = 40
    # the set is all LLM-written and skewed to the top clusters' scenes; this test is about
    # faults, not balance (the guards have their own tests)
    config.validation.max_llm_source_share = 1.0
    config.validation.max_scene_share = 1.0
    with LLMServer(flaky()) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        summary = bad_case_loop(config)
        requests = len(server.seen)
    assert summary.status == "completed"
    judge, rewrite = summary.llm_judge, summary.rewrite
    # every judged item has a verdict or a recorded error, never a made-up verdict
    con = duckdb.connect(config.warehouse, read_only=True)
    rows = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE verdict IS NOT NULL), "
        "count(*) FILTER (WHERE verdict IS NULL AND error IS NOT NULL), "
        "count(*) FILTER (WHERE verdict IS NOT NULL AND error IS NOT NULL) "
        "FROM judgments WHERE judge = 'llm:rubric'"
    ).fetchone()
    assert rows[0] == judge.selected == 150
    assert rows[1] + rows[2] == rows[0] and rows[3] == 0
    assert judge.retries > 0, "failed calls were retried"
    assert judge.requests > judge.selected + judge.retries, "malformed answers got a repair"
    errors = dict(
        con.execute(
            "SELECT split_part(error, ':', 1), count(*) FROM judgments "
            "WHERE judge = 'llm:rubric' AND error IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert set(errors) <= {"parse_error", "call_failed"}
    # every rewrite attempt is settled one way or another, with its reason
    verdicts = dict(
        con.execute("SELECT verification, count(*) FROM rewrites GROUP BY 1").fetchall()
    )
    assert sum(verdicts.values()) == rewrite.attempted > 0
    assert set(verdicts) <= {"chosen", "rejected", "failed"} and verdicts.get("chosen", 0) > 0
    assert con.execute(
        "SELECT count(*) FROM rewrites WHERE verification_reason IS NULL"
    ).fetchone() == (0,)
    con.close()
    # retries stay within their bound: each logical call makes at most 1 + retries requests
    calls = judge.selected * 2 + rewrite.attempted * 2 * 3  # repair doubles; rewrite + 2 orders
    assert requests <= calls * (1 + retries)
    assert summary.publish.status == "published" and summary.publish.pairs > 0
