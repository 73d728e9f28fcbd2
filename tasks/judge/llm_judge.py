"""The LLM judge stage: RM-R1 rubric verdicts on the items that matter, within budget.

Which items: those whose badness without LLM judges is at or above
``min_badness`` (best first), plus a deterministic random sample of
interactions nobody complained about (silent failures), plus items whose call
failed in an earlier run; at most ``max_items`` per run. Results are cached in
``judgments`` by (interaction, judge, model, prompt version): re-runs and
resumed runs make no repeat calls, and results are written in batches as they
arrive so a killed run keeps what it paid for.

The whole stage is one Prefect task running an asyncio batch; the LLM client
bounds concurrency. A failed call (after its retries) becomes a row with the
error, never a verdict; a spent budget stops the stage cleanly and says so.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.judge.calibration import CalibrationSettings, update_judge_agreement
from tasks.judge.rubric import JUDGE_NAME, judge_answer, prompt_version
from tasks.llm.client import BudgetExhausted, LLMCallFailed, LLMClient, LLMSettings, resolve_llm
from tasks.llm.spend import load_spend, record_spend
from tasks.mine.mine import MiningSettings, score_cases
from tasks.mine.signals import SignalSettings, select_scope
from tasks.publish.redact import PrivacySettings, redactor
from tasks.warehouse.db import arrow_view, connect, sql, transaction
from tasks.warehouse.runs import progress_artifact

log = logging.getLogger(__name__)

NO_LLM_NOTICE = (
    "LLM judges skipped: no LLM configured (set OPENAI_API_KEY, and OPENAI_BASE_URL / "
    "BADCASE_LLM_MODEL for another server or model); mining uses signals and rule judges"
)

_ROWS = pa.schema(
    [
        ("interaction_id", pa.string()),
        ("judge", pa.string()),
        ("verdict", pa.string()),
        ("score", pa.float64()),
        ("evidence", pa.string()),
        ("model", pa.string()),
        ("prompt_version", pa.string()),
        ("error", pa.string()),
        ("run_id", pa.string()),
        ("judged_at", pa.timestamp("us", tz="UTC")),
    ]
)


class JudgeSettings(BaseModel):
    """What the LLM judge looks at in one run."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Run the LLM rubric judge when an LLM is configured.")
    min_badness: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Judge items whose badness without LLM judges is at least this.",
    )
    silent_sample_rate: float = Field(
        0.02, ge=0, le=1, description="Share of interactions with no signal at all to judge."
    )
    max_items: int = Field(2000, ge=0, description="Most items judged per run (best first).")
    sample_seed: int = Field(0, description="Seed of the silent sample and the order of ties.")
    write_batch: int = Field(200, ge=1, description="Results written per warehouse commit.")


@dataclass(frozen=True)
class LLMJudgeSummary:
    """What the LLM judge stage did (``notice`` says why it did nothing, if it did not run)."""

    ran: bool = False
    notice: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    candidates: int = 0
    cached: int = 0
    over_limit: int = 0
    selected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    parse_errors: int = 0
    call_failures: dict[str, int] = field(default_factory=dict)
    budget_skipped: int = 0
    budget_notice: str | None = None
    requests: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    queued_for_calibration: int = 0
    seconds: float = 0.0


@dataclass
class _Selection:
    """The items this run judges, and how they were chosen."""

    items: list[tuple]  # (interaction_id, reason, scene, context, answer)
    candidates: int
    cached: int
    by_reason: dict[str, int]


def _select_items(
    con: duckdb.DuckDBPyConnection,
    keys: dict,
    settings: JudgeSettings,
    mining: MiningSettings,
    signal_settings: SignalSettings,
) -> _Selection:
    """Score the cases, then pick the candidates not judged yet (best first, within limits)."""
    select_scope(con, signal_settings.abandon_after_s)
    # (the configured weights, without the latest audit's factors that mining applies:
    # costs are computed here, not kept, where those differ)
    score_cases(con, mining, signal_settings)
    con.execute(
        sql("create_llm_todo"),
        {
            **keys,
            "min_badness": settings.min_badness,
            "seed": settings.sample_seed,
            "silent_rate": settings.silent_sample_rate,
        },
    )
    counts = con.execute(sql("count_llm_todo")).fetchall()
    items = con.execute(
        sql("select_llm_candidates"),
        {"seed": settings.sample_seed, "max_items": settings.max_items},
    ).fetchall()
    return _Selection(
        items,
        candidates=sum(n for _, _, n in counts),
        cached=sum(n for _, was_cached, n in counts if was_cached),
        by_reason=dict(Counter(item[1] for item in items)),
    )


@dataclass
class _JudgeRun:
    """One run's identity and tallies, shared by its concurrent items."""

    llm: LLMClient
    run_id: str
    model: str
    version: str
    tally: Counter[str] = field(default_factory=Counter)
    budget_notice: str | None = None

    def row(self, item: tuple, evidence: dict, **values) -> dict:
        return {
            "interaction_id": item[0],
            "judge": JUDGE_NAME,
            "model": self.model,
            "prompt_version": self.version,
            "run_id": self.run_id,
            "judged_at": datetime.now(UTC),
            "verdict": None,
            "score": None,
            "error": None,
            "evidence": json.dumps({"selected_as": item[1], **evidence}, ensure_ascii=False),
            **values,
        }


async def _judge_item(run: _JudgeRun, item: tuple) -> dict:
    """Judge one item: a verdict row, or a row with the error (never a verdict)."""
    _, _reason, _scene, context, answer = item
    try:
        outcome = await judge_answer(run.llm, context, answer)
    except LLMCallFailed as exc:
        run.tally[f"call_failed:{exc.reason}"] += 1
        return run.row(item, {}, error=f"call_failed: {exc}"[:500])
    except BudgetExhausted as exc:
        run.budget_notice = str(exc)
        run.tally["budget_exhausted"] += 1
        return run.row(item, {}, error="budget_exhausted")
    # reply_format: json_schema or text, what produced the row (or was asked for, on an error)
    common = {"calls": outcome.calls, "reply_format": outcome.format}
    if outcome.result is None:
        run.tally["parse_error"] += 1
        return run.row(item, {"raw": outcome.raw[:20_000], **common}, error=outcome.error)
    v = outcome.result
    run.tally[f"verdict:{v.verdict}"] += 1
    evidence = {"severity": v.severity, "rubric": v.rubric, "evaluation": v.evaluation, **common}
    return run.row(item, evidence, verdict=v.verdict, score=float(v.score))


class _BatchWriter:
    """Writes result rows to ``judgments`` in batches, reporting progress."""

    def __init__(self, con, batch: int, total: int, progress) -> None:
        self.con, self.batch, self.total, self.progress = con, batch, total, progress
        self.pending: list[dict] = []
        self.written = 0

    def add(self, row: dict) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with (
            arrow_view(self.con, "llm_judgments_arrow", self.pending, _ROWS),
            transaction(self.con),
        ):
            self.con.execute(sql("insert_llm_judgments"))
        self.written += len(self.pending)
        self.pending.clear()
        if self.progress:
            self.progress(self.written, self.total)


def _tallied(tally: Counter[str], prefix: str) -> dict[str, int]:
    return {k.split(":", 1)[1]: n for k, n in sorted(tally.items()) if k.startswith(prefix)}


async def judge_with_llm(
    con: duckdb.DuckDBPyConnection,
    llm: LLMClient,
    run_id: str,
    settings: JudgeSettings | None = None,
    mining: MiningSettings | None = None,
    signal_settings: SignalSettings | None = None,
    calibration: CalibrationSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LLMJudgeSummary:
    """Judge this run's candidates with the rubric judge and store every outcome.

    Args:
        con: An open warehouse connection (signals and rule judgments derived).
        llm: An open LLM client (its settings hold the budget).
        run_id: The loop run.
        progress: Called with (done, total) after each written batch.
    """
    settings = settings or JudgeSettings()
    calibration = calibration or CalibrationSettings()
    start = time.monotonic()
    run = _JudgeRun(llm, run_id, llm.target.model, prompt_version())
    keys = {"judge": JUDGE_NAME, "model": run.model, "prompt_version": run.version}
    chosen = _select_items(
        con, keys, settings, mining or MiningSettings(), signal_settings or SignalSettings()
    )
    log.info(
        "LLM judge %s (%s): %d candidates, %d cached, judging %d",
        run.model,
        run.version,
        chosen.candidates,
        chosen.cached,
        len(chosen.items),
    )
    writer = _BatchWriter(con, settings.write_batch, len(chosen.items), progress)
    for next_done in asyncio.as_completed([_judge_item(run, item) for item in chosen.items]):
        writer.add(await next_done)
    writer.flush()
    if run.budget_notice:
        log.warning(
            "LLM judge stopped early: %s; %d items left for the next run",
            run.budget_notice,
            run.tally["budget_exhausted"],
        )
    queued = _queue_for_calibration(con, run_id, keys, calibration.share)
    update_judge_agreement(con)
    usage = llm.usage
    return LLMJudgeSummary(
        ran=True,
        model=run.model,
        prompt_version=run.version,
        candidates=chosen.candidates,
        cached=chosen.cached,
        over_limit=chosen.candidates - chosen.cached - len(chosen.items),
        selected=len(chosen.items),
        by_reason=chosen.by_reason,
        verdicts=_tallied(run.tally, "verdict:"),
        parse_errors=run.tally["parse_error"],
        call_failures=_tallied(run.tally, "call_failed:"),
        budget_skipped=run.tally["budget_exhausted"],
        budget_notice=run.budget_notice,
        requests=usage.requests,
        retries=usage.retries,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        queued_for_calibration=queued,
        seconds=round(time.monotonic() - start, 3),
    )


def _queue_for_calibration(
    con: duckdb.DuckDBPyConnection, run_id: str, keys: dict, share: float
) -> int:
    """Send the calibration share of this judge's decided items to people, blind."""
    if share <= 0:
        return 0
    params = {**keys, "share": share, "run_id": run_id, "now": datetime.now(UTC)}
    return con.execute(sql("queue_calibration_items"), params).fetchone()[0]  # rows inserted


@task(name="judge-with-llm", cache_policy=NO_CACHE)
def judge_with_llm_task(
    warehouse: str,
    run_id: str,
    settings: JudgeSettings,
    llm_settings: LLMSettings,
    mining: MiningSettings,
    signal_settings: SignalSettings,
    calibration: CalibrationSettings,
    privacy: PrivacySettings | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> LLMJudgeSummary:
    """Prefect task: resolve the LLM (the key stays in the environment, never a parameter),
    open the warehouse and run :func:`judge_with_llm`, with a progress artifact."""
    target = resolve_llm(llm_settings)
    if target is None or not settings.enabled:
        return LLMJudgeSummary(notice=NO_LLM_NOTICE if target is None else "LLM judge disabled")
    progress = progress_artifact("llm-judge-progress", "LLM judge: items judged")

    async def go() -> LLMJudgeSummary:
        async with LLMClient(target, llm_settings, redactor(privacy)) as llm:
            with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
                load_spend(con, llm)  # the endpoint's rolling 24-hour ceiling
                try:
                    return await judge_with_llm(
                        con, llm, run_id, settings, mining, signal_settings, calibration, progress
                    )
                finally:
                    record_spend(con, llm, run_id, "judge-with-llm")

    return asyncio.run(go())
