"""Does a candidate model make fewer of the same mistakes? Replay, judge, decide.

1. ``replay_eval_prompts``: the eval set's prompts go to the candidate's
   OpenAI-compatible endpoint (bounded concurrency, retries, request budget);
   answers are cached in ``candidate_answers`` by (candidate, eval set content
   hash, item), so a re-run asks only what failed or is new.
2. ``judge_candidate_answers``: each answer is judged pointwise (the RM-R1 rubric
   judge) and pairwise, both orders, against the original bad answer and against
   the reference repair (``candidate_judgments``, cached per judge model). An item
   is *fixed* when the candidate beats the original in both orders and the rubric
   judge does not call it bad. Failed or unparseable judgments are recorded with
   their reason, never turned into a verdict, and asked again next time.
3. ``decide_candidate``: fix rate overall, per cluster and per category with
   Wilson 95% intervals; against the last promoted candidate on the same eval set,
   the clusters it fixed that this one regressed on; the gate says promote or
   reject, with reasons (``candidate_evaluations``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.errors import ConfigError
from tasks.judge.pairwise import compare
from tasks.judge.rubric import judge_answer
from tasks.llm.client import (
    BudgetExhausted,
    EndpointSettings,
    LLMCallFailed,
    LLMClient,
    LLMSettings,
    LLMTarget,
    resolve_endpoint,
    resolve_llm,
)
from tasks.warehouse.db import connect, fetch_dicts, replace_rows, sql, transaction

log = logging.getLogger(__name__)


class CandidateSettings(EndpointSettings):
    """The candidate model: any OpenAI-compatible endpoint (vLLM, TGI, a hosted API)."""

    key_required: ClassVar[bool] = False

    base_url: str = Field(description="The candidate's OpenAI-compatible base URL.")
    model: str = Field(description="The model name to ask for.")
    api_key_env: str = Field(
        "CANDIDATE_API_KEY",
        description="Environment variable with the candidate's key (unset: 'EMPTY', as local "
        "servers expect).",
    )
    timeout_s: float = Field(120.0, gt=0)
    max_requests: int | None = Field(10_000, ge=1, description="Request budget per evaluation.")
    max_tokens: int | None = Field(None, ge=1, description="Token budget per evaluation.")

    @property
    def name(self) -> str:
        return f"{self.model}@{self.base_url}"

    def target(self) -> tuple[LLMTarget, CandidateSettings]:
        """The resolved endpoint, and these settings for its :class:`LLMClient`."""
        return resolve_endpoint(self), self


class GateSettings(BaseModel):
    """When a candidate is promoted."""

    model_config = ConfigDict(extra="forbid")

    min_fix_rate: float = Field(
        0.6, ge=0, le=1, description="Overall share of eval items the candidate must fix."
    )
    max_cluster_regression: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Largest allowed drop in a cluster's fix rate against the last promoted "
        "candidate, for clusters it had fixed (fix rate >= min_fix_rate).",
    )
    min_cluster_items: int = Field(
        2, ge=1, description="Clusters with fewer judged items are reported, not gated on."
    )


@dataclass(frozen=True)
class ReplaySummary:
    """What replaying the eval prompts did."""

    items: int = 0
    cached: int = 0
    answered: int = 0
    failed: int = 0
    requests: int = 0
    budget_notice: str | None = None


@dataclass(frozen=True)
class CandidateJudgeSummary:
    """What judging the candidate's answers did."""

    answers: int = 0
    cached: int = 0
    judged: int = 0
    errors: int = 0
    requests: int = 0
    budget_notice: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """The verdict on a candidate."""

    evaluation_id: str
    candidate: str
    evalset: str
    items: int
    judged: int
    fix_rate: float | None
    interval: tuple[float, float] | None
    regression_rate: float | None
    decision: str
    reference_rate: float | None = None
    reasons: list[str] = field(default_factory=list)
    clusters: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    baseline: str | None = None
    replay: ReplaySummary | None = None  # what this run asked and judged, when known
    judging: CandidateJudgeSummary | None = None


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None for n = 0).

    Wilson (1927); preferred over the normal approximation for small n and rates near 0 or 1.
    """
    if n == 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


_SIDES = {"first": "candidate", "tie": "tie", "inconsistent": "inconsistent"}


@dataclass(frozen=True)
class FixVerdict:
    """Did an answer fix the failure? ``fixed``: it beats the original bad answer in both
    orders of the pairwise judge, and the rubric judge does not call it bad. Used for
    candidate evaluation and for scoring RL samples alike."""

    rubric_verdict: str | None = None
    rubric_score: float | None = None
    vs_original: str | None = None  # candidate | original | tie | inconsistent
    error: str | None = None  # an unparseable judgment: no verdict

    @property
    def fixed(self) -> bool | None:
        if self.error is not None:
            return None
        return self.vs_original == "candidate" and self.rubric_verdict != "bad"


async def judge_fix(judge: LLMClient, prompt: list[dict], answer: str, original: str) -> FixVerdict:
    """Judge ``answer`` pointwise and against ``original`` in both orders (concurrently).

    LLM call failures (after their retries) and budget exhaustion propagate.
    """
    rubric, beats = await asyncio.gather(
        judge_answer(judge, prompt, answer), compare(judge, prompt, answer, original)
    )
    error = rubric.error or beats.error
    if error is not None:
        return FixVerdict(error=error)
    return FixVerdict(
        rubric.result.verdict,
        float(rubric.result.score),
        _SIDES.get(beats.preferred, "original"),
    )


async def replay_eval_prompts(
    con: duckdb.DuckDBPyConnection,
    items: pa.Table,
    eval_hash: str,
    candidate: CandidateSettings,
) -> ReplaySummary:
    """Ask the candidate each eval prompt it has not answered yet (see module docstring)."""
    name = candidate.name
    answered = {
        r[0]
        for r in con.execute(
            sql("select_candidate_answered"), {"candidate": name, "eval_hash": eval_hash}
        ).fetchall()
    }
    todo = [r for r in items.to_pylist() if r["eval_id"] not in answered]
    target, settings = candidate.target()
    rows: list[dict] = []
    notices: list[str] = []  # a spent budget: the rest is asked next time

    async with LLMClient(target, settings) as llm:

        async def ask(item: dict) -> None:
            now = datetime.now(UTC)
            try:
                done = await llm.complete(item["prompt"])  # {role, content} already
                rows.append(_answer_row(name, eval_hash, item["eval_id"], done.text, None, now))
            except LLMCallFailed as exc:
                rows.append(_answer_row(name, eval_hash, item["eval_id"], None, str(exc), now))
            except BudgetExhausted as exc:
                notices.append(str(exc))

        await asyncio.gather(*(ask(item) for item in todo))
        usage = llm.usage
    notice = notices[0] if notices else None
    params = {"candidate": name, "eval_hash": eval_hash}
    replace_rows(con, rows, "delete_candidate_answer_errors", "insert_candidate_answers", params)
    failed = sum(1 for r in rows if r["answer"] is None)
    log.info(
        "replay %s: %d items, %d cached, %d answered, %d failed",
        name,
        items.num_rows,
        len(answered),
        len(rows) - failed,
        failed,
    )
    return ReplaySummary(
        items.num_rows, len(answered), len(rows) - failed, failed, usage.requests, notice
    )


def _answer_row(candidate, eval_hash, eval_id, answer, error, now) -> dict:
    return {
        "candidate": candidate,
        "eval_hash": eval_hash,
        "eval_id": eval_id,
        "answer": answer,
        "error": error,
        "created_at": now,
    }


async def judge_candidate_answers(
    con: duckdb.DuckDBPyConnection,
    items: pa.Table,
    eval_hash: str,
    candidate: CandidateSettings,
    judge: LLMClient,
) -> CandidateJudgeSummary:
    """Judge every cached answer this judge model has not judged yet (see module docstring)."""
    name, judge_model = candidate.name, judge.target.model
    params = {"candidate": name, "eval_hash": eval_hash, "judge_model": judge_model}
    todo = fetch_dicts(con.execute(sql("select_candidate_unjudged"), params))
    by_id = {r["eval_id"]: r for r in items.to_pylist()}
    todo = [t for t in todo if t["eval_id"] in by_id]
    answers = con.execute(
        sql("count_candidate_answers"), {"candidate": name, "eval_hash": eval_hash}
    ).fetchone()[0]
    rows: list[dict] = []
    notices: list[str] = []  # a spent budget: the rest is judged next time
    before = judge.usage.requests

    async def one(t: dict) -> None:
        item = by_id[t["eval_id"]]
        prompt, answer = item["prompt"], t["answer"]
        row = {
            "candidate": name,
            "eval_hash": eval_hash,
            "eval_id": t["eval_id"],
            "judge_model": judge_model,
            "rubric_verdict": None,
            "rubric_score": None,
            "vs_original": None,
            "vs_reference": None,
            "fixed": None,
            "error": None,
            "created_at": datetime.now(UTC),
        }
        try:
            verdict, vs_reference = await asyncio.gather(
                judge_fix(judge, prompt, answer, item["original"]),
                compare(judge, prompt, answer, item["reference"]),
            )
        except LLMCallFailed as exc:
            row["error"] = f"call_failed: {exc}"
            rows.append(row)
            return
        except BudgetExhausted as exc:
            notices.append(str(exc))
            return
        row["error"] = verdict.error or vs_reference.error
        if row["error"] is None:
            row["rubric_verdict"] = verdict.rubric_verdict
            row["rubric_score"] = verdict.rubric_score
            row["vs_original"] = verdict.vs_original
            row["vs_reference"] = _SIDES.get(vs_reference.preferred, "reference")
            row["fixed"] = verdict.fixed
        rows.append(row)

    await asyncio.gather(*(one(t) for t in todo))
    notice = notices[0] if notices else None
    replace_rows(
        con,
        rows,
        "delete_candidate_judgment_errors",
        "insert_candidate_judgments",
        {"candidate": name, "eval_hash": eval_hash},
    )
    errors = sum(1 for r in rows if r["error"])
    log.info("judged %d answers of %s (%d errors)", len(rows), name, errors)
    return CandidateJudgeSummary(
        answers,
        answers - len(todo),
        len(rows) - errors,
        errors,
        judge.usage.requests - before,
        notice,
    )


def decide_candidate(
    con: duckdb.DuckDBPyConnection,
    items: pa.Table,
    eval_hash: str,
    evalset: str,
    candidate: CandidateSettings,
    judge_model: str,
    gate: GateSettings,
) -> Evaluation:
    """Fix rates with intervals, regressions against the last promoted candidate, the gate."""
    params = {"candidate": candidate.name, "eval_hash": eval_hash, "judge_model": judge_model}
    verdicts = con.execute(sql("select_candidate_fixed"), params).fetchall()
    fixed = {eval_id: was_fixed for eval_id, was_fixed, _ in verdicts}
    matches = sum(1 for _, _, match in verdicts if match)
    judged_items = [r for r in items.to_pylist() if fixed.get(r["eval_id"]) is not None]
    clusters = _rates(judged_items, fixed, "cluster_id", items)
    categories = _rates(judged_items, fixed, "category", items)
    n = len(judged_items)
    wins = sum(1 for r in judged_items if fixed[r["eval_id"]])
    fix_rate = round(wins / n, 4) if n else None
    baseline, regressed, regression_rate = _regressions(con, evalset, candidate, clusters, gate)
    reasons = _gate_reasons(n, fix_rate, regressed, gate)
    decision = "reject" if reasons else "promote"
    if decision == "promote":
        reasons.append(
            f"fix rate {fix_rate:.2f} >= {gate.min_fix_rate:.2f} and no previously fixed "
            "cluster regressed"
        )
    evaluation = Evaluation(
        evaluation_id=str(uuid.uuid4()),
        candidate=candidate.name,
        evalset=evalset,
        items=items.num_rows,
        judged=n,
        fix_rate=fix_rate,
        interval=wilson(wins, n),
        regression_rate=regression_rate,
        decision=decision,
        reference_rate=round(matches / n, 4) if n else None,
        reasons=reasons,
        clusters=clusters,
        categories=categories,
        baseline=baseline,
    )
    _record_evaluation(con, evaluation, eval_hash)
    log.info("candidate %s: %s (%s)", candidate.name, decision, "; ".join(reasons))
    return evaluation


def _regressions(
    con: duckdb.DuckDBPyConnection,
    evalset: str,
    candidate: CandidateSettings,
    clusters: list[dict],
    gate: GateSettings,
) -> tuple[str | None, list[dict], float | None]:
    """Mark the clusters whose fix rate fell against the last promoted candidate.

    Returns the last promoted evaluation (None for the first), the regressed
    clusters and their share of the clusters compared.
    """
    baseline_row = con.execute(
        sql("select_last_promoted"), {"evalset": evalset, "candidate": candidate.name}
    ).fetchone()
    baseline = None
    previously_fixed: dict[str, float] = {}
    if baseline_row:
        baseline = baseline_row[0]
        for c in json.loads(baseline_row[1]):
            if c["rate"] is not None and c["rate"] >= gate.min_fix_rate:
                previously_fixed[c["key"]] = c["rate"]
    regressed = []
    for c in clusters:
        before = previously_fixed.get(c["key"])
        c["baseline"] = before
        c["regressed"] = bool(
            before is not None
            and c["rate"] is not None
            and c["judged"] >= gate.min_cluster_items
            and before - c["rate"] > gate.max_cluster_regression
        )
        if c["regressed"]:
            regressed.append(c)
    compared = [
        c for c in clusters if c["baseline"] is not None and c["judged"] >= gate.min_cluster_items
    ]
    regression_rate = round(len(regressed) / len(compared), 4) if compared else None
    return baseline, regressed, regression_rate


def _gate_reasons(
    n: int, fix_rate: float | None, regressed: list[dict], gate: GateSettings
) -> list[str]:
    """Why the gate rejects the candidate (empty: it is promoted)."""
    reasons = []
    if n == 0:
        reasons.append("no answer could be judged")
    elif fix_rate < gate.min_fix_rate:
        reasons.append(f"fix rate {fix_rate:.2f} < {gate.min_fix_rate:.2f}")
    for c in regressed:
        reasons.append(
            f"cluster {c['key']} regressed: {c['baseline']:.2f} -> {c['rate']:.2f} "
            f"(more than {gate.max_cluster_regression:.2f})"
        )
    return reasons


def _record_evaluation(
    con: duckdb.DuckDBPyConnection, evaluation: Evaluation, eval_hash: str
) -> None:
    """Store an evaluation in ``candidate_evaluations``."""
    with transaction(con):
        con.execute(
            sql("insert_candidate_evaluation"),
            {
                "evaluation_id": evaluation.evaluation_id,
                "candidate": evaluation.candidate,
                "evalset": evaluation.evalset,
                "eval_hash": eval_hash,
                "items": evaluation.items,
                "judged": evaluation.judged,
                "fix_rate": evaluation.fix_rate,
                "low": evaluation.interval[0] if evaluation.interval else None,
                "high": evaluation.interval[1] if evaluation.interval else None,
                "regression_rate": evaluation.regression_rate,
                "reference_rate": evaluation.reference_rate,
                "decision": evaluation.decision,
                "reasons": evaluation.reasons,
                "clusters": json.dumps(evaluation.clusters),
                "categories": json.dumps(evaluation.categories),
                "now": datetime.now(UTC),
            },
        )


def _rates(judged: list[dict], fixed: dict, column: str, items: pa.Table) -> list[dict]:
    totals: dict[str, int] = {}
    for key in items.column(column).to_pylist():
        totals[key] = totals.get(key, 0) + 1
    groups: dict[str, list[bool]] = {key: [] for key in totals}
    for r in judged:
        groups[r[column]].append(bool(fixed[r["eval_id"]]))
    out = []
    for key in sorted(groups):
        results = groups[key]
        wins = sum(results)
        interval = wilson(wins, len(results))
        out.append(
            {
                "key": key,
                "items": totals[key],
                "judged": len(results),
                "fixed": wins,
                "rate": round(wins / len(results), 4) if results else None,
                "low": interval[0] if interval else None,
                "high": interval[1] if interval else None,
            }
        )
    return out


def require_judge(target: LLMTarget | None, what: str = "evaluating a candidate") -> LLMTarget:
    """The judge model, or a clear error: answers cannot be judged without one."""
    if target is None:
        raise ConfigError(
            f"{what} needs an LLM judge: set OPENAI_API_KEY (and OPENAI_BASE_URL "
            "/ BADCASE_LLM_MODEL) or [llm] in the config"
        )
    return target


def eval_set(root: str, name: str, version: str | None) -> tuple[str, str, pa.Table]:
    """``(<name>/<version>, content hash, rows)`` of a published eval set."""
    from tasks.publish.evalset import EVAL_FILE
    from tasks.publish.sets import read_set

    try:
        version, manifest, table = read_set(root, name, EVAL_FILE, version)
    except FileNotFoundError as exc:
        raise ConfigError(f"{exc} (the loop publishes the eval set it holds out)") from None
    return f"{name}/{version}", manifest["content_hash"], table


@task(name="replay-eval-prompts", cache_policy=NO_CACHE)
def replay_eval_prompts_task(
    warehouse: str, root: str, name: str, version: str | None, candidate: CandidateSettings
) -> ReplaySummary:
    """Prefect task: ask the candidate the eval set's prompts (one task, all items)."""
    _, eval_hash, items = eval_set(root, name, version)
    with closing(connect(warehouse)) as con:
        return asyncio.run(replay_eval_prompts(con, items, eval_hash, candidate))


@task(name="judge-candidate-answers", cache_policy=NO_CACHE)
def judge_candidate_answers_task(
    warehouse: str,
    root: str,
    name: str,
    version: str | None,
    candidate: CandidateSettings,
    llm: LLMSettings,
) -> CandidateJudgeSummary:
    """Prefect task: judge the candidate's answers with the configured LLM judge."""
    _, eval_hash, items = eval_set(root, name, version)
    target = require_judge(resolve_llm(llm))

    async def go() -> CandidateJudgeSummary:
        async with LLMClient(target, llm) as judge:
            with closing(connect(warehouse)) as con:
                return await judge_candidate_answers(con, items, eval_hash, candidate, judge)

    return asyncio.run(go())


@task(name="decide-candidate", cache_policy=NO_CACHE)
def decide_candidate_task(
    warehouse: str,
    root: str,
    name: str,
    version: str | None,
    candidate: CandidateSettings,
    llm: LLMSettings,
    gate: GateSettings,
) -> Evaluation:
    """Prefect task: fix rates, regressions and the gate decision."""
    evalset, eval_hash, items = eval_set(root, name, version)
    judge_model = require_judge(resolve_llm(llm)).model
    with closing(connect(warehouse)) as con:
        return decide_candidate(con, items, eval_hash, evalset, candidate, judge_model, gate)
