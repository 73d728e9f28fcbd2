"""The spend ledger: LLM requests and tokens per endpoint, kept in the warehouse.

Per-run budgets (``max_requests``, ``max_tokens``) bound one run; event-triggered runs
may come every few minutes, so each endpoint also has a rolling 24-hour ceiling
(``daily_max_requests``, ``daily_max_tokens``) over every run, read from ``llm_spend``
before a stage starts and checked before each request (:class:`LLMClient`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from tasks.llm.client import LLMClient
from tasks.warehouse.db import sql, transaction


def load_spend(con: duckdb.DuckDBPyConnection, llm: LLMClient) -> tuple[int, int]:
    """Tell ``llm`` what its endpoint spent in the last 24 hours; returns (requests, tokens)."""
    since = datetime.now(UTC) - timedelta(hours=24)
    requests, tokens = con.execute(
        sql("select_llm_spend"), {"endpoint": llm.endpoint, "since": since}
    ).fetchone()
    llm.spent_before = (int(requests or 0), int(tokens or 0))
    return llm.spent_before


def record_spend(con: duckdb.DuckDBPyConnection, llm: LLMClient, run_id: str, stage: str) -> None:
    """Add what ``llm`` spent in this stage to ``llm_spend``."""
    u = llm.usage
    if not u.requests:
        return
    with transaction(con):
        con.execute(
            sql("insert_llm_spend"),
            {
                "endpoint": llm.endpoint,
                "run_id": run_id,
                "stage": stage,
                "requests": u.requests,
                "prompt_tokens": u.prompt_tokens,
                "completion_tokens": u.completion_tokens,
                "estimated_tokens": u.estimated_tokens,
                "now": datetime.now(UTC),
            },
        )
