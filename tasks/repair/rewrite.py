"""Rewrite: repair each routed bad case, verify the repair, and collect expert repairs.

LLM path (cases routed ``llm_rewrite``): the four-step rewriter
(:mod:`tasks.repair.rewriter`), cluster by cluster — the highest-priority case of a
cluster is repaired first and, when its repair is chosen, its pattern guides
the others (or the cluster's latest chosen pattern from an earlier run). A
rewrite becomes ``chosen`` only if the pairwise judge prefers it over the
original in both orders and no rule judge faults it; otherwise it is
``rejected`` with the reason, and the case goes to human review with the
rewrite as a draft. A failed call is recorded as ``failed`` and tried again
next run.

Human path: completed ``expert_repair`` items from the review queue become
``chosen`` rewrites with the reviewer; an expert who finds the original
acceptable drops the case.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.judge.pairwise import compare
from tasks.llm.client import BudgetExhausted, LLMCallFailed, LLMClient, LLMSettings, resolve_llm
from tasks.llm.spend import load_spend, record_spend
from tasks.mine.rules import RuleSettings, find_rule_failures
from tasks.publish.redact import PrivacySettings, redactor
from tasks.repair.rewriter import prompt_version, rewrite_answer
from tasks.repair.route import queue_expert_items
from tasks.warehouse.db import arrow_view, connect, sql, transaction
from tasks.warehouse.runs import progress_artifact

log = logging.getLogger(__name__)

_ROWS = pa.schema(
    [
        ("rewrite_id", pa.string()),
        ("case_id", pa.string()),
        ("interaction_id", pa.string()),
        ("cluster_id", pa.string()),
        ("diagnosis", pa.string()),
        ("structure", pa.string()),
        ("answer", pa.string()),
        ("pattern", pa.string()),
        ("guided_by", pa.string()),
        ("model", pa.string()),
        ("prompt_version", pa.string()),
        ("verification", pa.string()),
        ("verification_reason", pa.string()),
        ("pairwise", pa.string()),
        ("rule_failures", pa.list_(pa.string())),
        ("error", pa.string()),
        ("raw", pa.string()),
        ("run_id", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("reply_format", pa.string()),
    ]
)
_PAIRWISE_REASONS = {
    "second": "pairwise: the original is preferred",
    "tie": "pairwise: a tie, the rewrite is not better",
    "inconsistent": "pairwise: the two orders disagree",
}


class RewriteSettings(BaseModel):
    """How the LLM rewriter works through the cases."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Use the LLM rewriter when an LLM is configured.")
    cluster_guidance: bool = Field(
        True, description="Let one chosen repair's pattern guide the rest of its cluster."
    )
    max_items: int = Field(
        2000, ge=0, description="Most cases rewritten per run (the rest wait for the next)."
    )


@dataclass(frozen=True)
class RewriteSummary:
    """What the rewrite stage did."""

    llm_ran: bool = False
    notice: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    attempted: int = 0
    chosen: int = 0
    rejected: int = 0
    failed: int = 0
    guided: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    expert_repairs: int = 0
    expert_no_repair: int = 0
    sent_to_experts: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class _Item:
    case_id: str
    interaction_id: str
    cluster_id: str | None
    context: list[dict]
    original: str
    request: str | None
    signals: list[str]
    judges: list[str]
    evaluation: str | None
    guide_pattern: str | None
    guide_id: str | None


async def rewrite_bad_cases(
    con: duckdb.DuckDBPyConnection,
    llm: LLMClient | None,
    run_id: str,
    settings: RewriteSettings | None = None,
    rules: RuleSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RewriteSummary:
    """Collect expert repairs, then (with an LLM) repair and verify the routed cases.

    Args:
        con: An open warehouse connection (cases routed).
        llm: An open LLM client, or None to only collect expert repairs.
        run_id: The loop run.
        progress: Called with (cases done, cases to do) as clusters finish.
    """
    settings = settings or RewriteSettings()
    rules = rules or RuleSettings()
    now = datetime.now(UTC)
    with transaction(con):
        before = con.execute(sql("count_expert_rewrites"), {"run_id": run_id}).fetchone()[0]
        con.execute(sql("insert_expert_rewrites"), {"run_id": run_id, "now": now})
        expert = con.execute(sql("count_expert_rewrites"), {"run_id": run_id}).fetchone()[0]
        dropped = con.execute(
            sql("update_routes_expert_no_repair"), {"run_id": run_id, "now": now}
        ).fetchone()[0]
    rows: list[dict] = []
    usage = None
    if llm is not None and settings.enabled:
        rows = await _rewrite_with_llm(con, llm, run_id, settings, rules, progress)
        usage = llm.usage
    with transaction(con):
        if rows:
            with arrow_view(con, "rewrites_arrow", rows, _ROWS):
                con.execute(sql("insert_rewrites"))
        con.execute(
            sql("update_routes_failed_verification"), {"run_id": run_id, "now": datetime.now(UTC)}
        )
        queued = queue_expert_items(con, run_id)
        con.execute(sql("update_case_status"))
    tally = Counter(r["verification"] for r in rows)
    summary = RewriteSummary(
        llm_ran=llm is not None and settings.enabled,
        notice=None if llm is not None else "LLM rewriter skipped: no LLM configured",
        model=llm.target.model if llm else None,
        prompt_version=prompt_version() if llm else None,
        attempted=len(rows),
        chosen=tally["chosen"],
        rejected=tally["rejected"],
        failed=tally["failed"],
        guided=sum(1 for r in rows if r["guided_by"]),
        reasons=dict(Counter(r["verification_reason"] for r in rows)),
        expert_repairs=expert - before,
        expert_no_repair=dropped,
        sent_to_experts=queued,
        requests=usage.requests if usage else 0,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
    )
    log.info(
        "rewrite: %d LLM rewrites (%d chosen, %d rejected, %d failed), %d expert repairs "
        "collected, %d cases sent to experts",
        summary.attempted,
        summary.chosen,
        summary.rejected,
        summary.failed,
        summary.expert_repairs,
        queued,
    )
    return summary


@dataclass
class _RewriteRun:
    """One run's rewriter identity and progress, shared by its concurrent cases."""

    llm: LLMClient
    run_id: str
    model: str
    version: str
    total: int
    progress: Callable[[int, int], None] | None
    finished: int = 0

    def row(self, item: _Item, guide: str | None, **values) -> dict:
        key = f"llm|{item.case_id}|{self.model}|{self.version}"
        return {
            "rewrite_id": "rw-" + hashlib.md5(key.encode()).hexdigest()[:16],
            "case_id": item.case_id,
            "interaction_id": item.interaction_id,
            "cluster_id": item.cluster_id,
            "guided_by": guide,
            "model": self.model,
            "prompt_version": self.version,
            "run_id": self.run_id,
            "created_at": datetime.now(UTC),
            **{k: None for k in ("diagnosis", "structure", "answer", "pattern", "pairwise")},
            **{k: None for k in ("rule_failures", "error", "raw", "reply_format")},
            **values,
        }


def _verified(run: _RewriteRun, item: _Item, guide: str | None, outcome, preference) -> dict:
    """The row of a parsed repair, chosen only if the pairwise judge prefers it in both orders."""
    repair = outcome.result
    pairwise = json.dumps(
        {
            "preferred": preference.preferred,
            "rewrite_as_a": preference.forward.result,
            "rewrite_as_b": preference.backward.result,
            "error": preference.error,
        }
    )
    if preference.preferred == "first":
        verification, reason = "chosen", "pairwise_prefers_rewrite"
    else:
        verification = "rejected"
        reason = _PAIRWISE_REASONS.get(preference.preferred, f"pairwise: {preference.error}")
    return run.row(
        item,
        guide,
        diagnosis=repair.diagnosis,
        structure=repair.structure,
        answer=repair.answer,
        pattern=repair.pattern,
        pairwise=pairwise,
        verification=verification,
        verification_reason=reason,
        raw=outcome.raw[:20_000],
        reply_format=outcome.format,
    )


async def _rewrite_one(run: _RewriteRun, item: _Item, pattern: str | None, guide: str | None):
    """Repair one case and verify the repair; a failed call is a ``failed`` row."""
    evidence = {
        "signals": item.signals,
        "judges": item.judges,
        "llm_judge_evaluation": item.evaluation,
    }
    try:
        outcome = await rewrite_answer(run.llm, item.context, item.original, evidence, pattern)
        if outcome.result is None:
            return run.row(
                item,
                guide,
                verification="rejected",
                verification_reason=outcome.error,
                raw=outcome.raw[:20_000],
                reply_format=outcome.format,
            )
        answer = outcome.result.answer
        preference = await compare(run.llm, item.context, answer, item.original)
    except LLMCallFailed as exc:
        return run.row(
            item,
            guide,
            verification="failed",
            verification_reason="call_failed",
            error=str(exc)[:500],
        )
    except BudgetExhausted as exc:
        return run.row(
            item,
            guide,
            verification="failed",
            verification_reason="budget_exhausted",
            error=str(exc),
        )
    return _verified(run, item, guide, outcome, preference)


async def _rewrite_cluster(run: _RewriteRun, members: list[_Item], guidance: bool) -> list[dict]:
    """Repair a cluster's cases: with guidance, a pilot first whose chosen pattern (or the
    cluster's earlier one) guides the rest."""
    pattern = guide = None
    if guidance:
        pattern, guide = members[0].guide_pattern, members[0].guide_id
    done = []
    rest = members
    if guidance and pattern is None and len(members) > 1:
        pilot = await _rewrite_one(run, members[0], None, None)
        done.append(pilot)
        rest = members[1:]
        if pilot["verification"] == "chosen":
            pattern, guide = pilot["pattern"], pilot["rewrite_id"]
    done += await asyncio.gather(*(_rewrite_one(run, m, pattern, guide) for m in rest))
    run.finished += len(done)
    if run.progress:
        run.progress(run.finished, run.total)
    return done


async def _rewrite_with_llm(
    con: duckdb.DuckDBPyConnection,
    llm: LLMClient,
    run_id: str,
    settings: RewriteSettings,
    rules: RuleSettings,
    progress: Callable[[int, int], None] | None,
) -> list[dict]:
    model, version = llm.target.model, prompt_version()
    cur = con.execute(
        sql("select_rewrite_todo"),
        {"model": model, "prompt_version": version, "max_items": settings.max_items},
    )
    items = [_Item(*row) for row in cur.fetchall()]
    clusters: dict[str | None, list[_Item]] = defaultdict(list)
    for item in items:
        clusters[item.cluster_id].append(item)
    run = _RewriteRun(llm, run_id, model, version, len(items), progress)
    groups = await asyncio.gather(
        *(
            _rewrite_cluster(run, members, settings.cluster_guidance)
            for members in clusters.values()
        )
    )
    results = [r for group in groups for r in group]
    _check_rules(con, results, {i.case_id: i.request for i in items}, rules)
    return results


def _check_rules(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict],
    requests: dict[str, str | None],
    rules: RuleSettings,
) -> None:
    """Reject rewrites the rule judges fault (unpaired tags, a refusal, the wrong language, ...)."""
    candidates = [r for r in rows if r["verification"] == "chosen"]
    if not candidates:
        return
    inputs = pa.table(
        {
            "item_id": [r["rewrite_id"] for r in candidates],
            "answer": [r["answer"] for r in candidates],
            "finish_reason": ["stop"] * len(candidates),
            "request": [requests.get(r["case_id"]) for r in candidates],
        }
    )
    with arrow_view(con, "rule_inputs_arrow", inputs):
        con.execute(sql("create_rule_inputs_arrow"))
        find_rule_failures(con, rules)
        failures = dict(con.execute(sql("select_rule_findings")).fetchall())
    for r in candidates:
        if r["rewrite_id"] in failures:
            r["rule_failures"] = failures[r["rewrite_id"]]
            r["verification"] = "rejected"
            r["verification_reason"] = "rules: " + ", ".join(failures[r["rewrite_id"]])


@task(name="rewrite-bad-cases", cache_policy=NO_CACHE)
def rewrite_bad_cases_task(
    warehouse: str,
    run_id: str,
    settings: RewriteSettings,
    llm_settings: LLMSettings,
    rules: RuleSettings,
    privacy: PrivacySettings | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> RewriteSummary:
    """Prefect task: resolve the LLM (if any), open the warehouse, run :func:`rewrite_bad_cases`."""
    target = resolve_llm(llm_settings)

    async def go() -> RewriteSummary:
        with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
            if target is None:
                return await rewrite_bad_cases(con, None, run_id, settings, rules)
            progress = progress_artifact("rewrite-progress", "LLM rewriter: cases repaired")
            async with LLMClient(target, llm_settings, redactor(privacy)) as llm:
                load_spend(con, llm)  # the endpoint's rolling 24-hour ceiling
                try:
                    return await rewrite_bad_cases(con, llm, run_id, settings, rules, progress)
                finally:
                    record_spend(con, llm, run_id, "rewrite-bad-cases")

    return asyncio.run(go())
