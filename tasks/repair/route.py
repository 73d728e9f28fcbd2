"""Route each bad case to its repair: ``llm_rewrite``, ``human_review``, ``kto_only`` or ``drop``.

No unpaired KTO negative rests on unreliable evidence alone: such a case is dropped.

A policy in config, applied in SQL (``tasks/repair/sql/insert_routes.sql``): scene risk
(health, legal and finance go to people by default), evidence strength, a
per-cluster quota, whether an LLM is configured, and a per-run rewrite budget
taken highest priority first. Every decision is a ``routes`` row with its
reason; nothing is left out silently. A case keeps its route across runs.
Cases for people become ``expert_repair`` items in the review queue.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.audit.audit import EvidenceSettings, signal_trust
from tasks.mine.signals import POSITIVE_SIGNALS
from tasks.warehouse.db import connect, sql, transaction

log = logging.getLogger(__name__)

ROUTES = ("llm_rewrite", "human_review", "kto_only", "drop")


class RoutingSettings(BaseModel):
    """The routing policy."""

    model_config = ConfigDict(extra="forbid")

    human_scenes: list[str] = Field(
        default_factory=lambda: ["health", "legal", "finance"],
        description="High-risk scenes: their cases always go to human experts.",
    )
    drop_scenes: list[str] = Field(
        default_factory=list, description="Scenes never repaired or trained on (kept as drop)."
    )
    min_badness_to_repair: float = Field(
        0.6, ge=0, le=1, description="Weaker cases are kept as unpaired negatives (kto_only)."
    )
    max_cases_per_cluster: int = Field(
        50, ge=1, description="Repairs routed per cluster, over all runs; the rest kto_only."
    )
    max_llm_rewrites: int = Field(
        500, ge=0, description="LLM rewrites per run, highest priority first."
    )
    over_budget: str = Field(
        "kto_only",
        pattern="^(kto_only|human_review)$",
        description="Route of repairable cases beyond the rewrite budget.",
    )

    def version(self) -> str:
        """Content hash of the policy SQL and these settings (recorded with every route)."""
        text = sql("insert_routes") + self.model_dump_json()
        return "routing-" + hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class RoutingSummary:
    """Routes decided in one run, and the expert items queued."""

    routed: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    queued_for_experts: int = 0


def route_bad_cases(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: RoutingSettings | None = None,
    llm_available: bool = False,
    evidence: EvidenceSettings | None = None,
) -> RoutingSummary:
    """Route every bad case without a route; queue the human ones for experts.

    A would-be ``kto_only`` case resting only on unreliable signals
    (:func:`tasks.audit.audit.signal_trust`) is dropped (``unreliable_evidence``).
    """
    settings = settings or RoutingSettings()
    now = datetime.now(UTC)
    unreliable = signal_trust(con, evidence).unreliable
    with transaction(con):
        con.execute(
            sql("insert_routes"),
            {
                "drop_scenes": settings.drop_scenes,
                "human_scenes": settings.human_scenes,
                "min_badness_to_repair": settings.min_badness_to_repair,
                "max_cases_per_cluster": settings.max_cases_per_cluster,
                "max_llm_rewrites": settings.max_llm_rewrites,
                "over_budget": settings.over_budget,
                "llm_available": llm_available,
                "unreliable_signals": unreliable,
                "positive_signals": list(POSITIVE_SIGNALS),
                "policy_version": settings.version(),
                "run_id": run_id,
                "now": now,
            },
        )
        queued = queue_expert_items(con, run_id)
        con.execute(sql("update_case_status"))
    rows = con.execute(sql("count_routes"), {"run_id": run_id}).fetchall()
    by_route: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for route, reason, n in rows:
        by_route[route] = by_route.get(route, 0) + n
        by_reason[f"{route}:{reason}"] = n
    summary = RoutingSummary(sum(by_route.values()), by_route, by_reason, queued)
    log.info("routing: %d cases routed %s; %d queued for experts", summary.routed, by_route, queued)
    return summary


def queue_expert_items(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Queue an ``expert_repair`` item for each case routed to people (idempotent)."""
    params = {"run_id": run_id, "now": datetime.now(UTC)}
    return con.execute(sql("queue_expert_items"), params).fetchone()[0]  # rows inserted


@task(name="route-bad-cases", cache_policy=NO_CACHE)
def route_bad_cases_task(
    warehouse: str,
    run_id: str,
    settings: RoutingSettings,
    llm_available: bool,
    memory_limit: str | None = None,
    threads: int | None = None,
    evidence: EvidenceSettings | None = None,
) -> RoutingSummary:
    """Prefect task: open the warehouse and run :func:`route_bad_cases`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return route_bad_cases(con, run_id, settings, llm_available, evidence)
