"""The nightly bad-case loop: one Prefect flow run, the stages in order as tasks.

The flow only orchestrates: each stage is a task that opens the warehouse,
does its work in DuckDB and returns a small summary. The LLM-bound stages run in
the flow's process or on a Dask cluster (``orchestration.task_runner``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows.config import LoopConfig, check_pinned, served_config
from flows.report import RunReport, render_trends, shown_clusters
from flows.runners import llm_stage_runner
from tasks.ingest.ingest import IngestSummary, ingest_logs_task
from tasks.ingest.landing import is_remote
from tasks.ingest.sources import SourceSummary, ingest_sources_task
from tasks.judge.llm_judge import NO_LLM_NOTICE, LLMJudgeSummary, judge_with_llm_task
from tasks.llm.client import resolve_llm
from tasks.mine.mine import MiningSummary, mine_bad_cases_task
from tasks.mine.rules import JudgeSummary, judge_with_rules_task
from tasks.mine.signals import SignalSummary, derive_signals_task
from tasks.monitor.trends import TrendSummary, compute_trends_task
from tasks.publish.announce import PUBLISHED_EVENT, announce_versions_task
from tasks.publish.build import BuildSummary, build_preference_pairs_task
from tasks.publish.compose import ComposeSummary, compose_preference_set_task
from tasks.publish.evalset import publish_eval_set_task
from tasks.publish.publish import PublishSummary, ValidationFailed, publish_preference_set_task
from tasks.publish.sets import SetSummary
from tasks.repair.rewrite import RewriteSummary, rewrite_bad_cases_task
from tasks.repair.route import RoutingSummary, route_bad_cases_task
from tasks.warehouse.db import run_lock
from tasks.warehouse.runs import finish_run_task, start_run_task

__all__ = ["FLOW_NAME", "PUBLISHED_EVENT", "LoopSummary", "bad_case_loop"]

FLOW_NAME = "nightly-bad-case-loop"


@dataclass(frozen=True)
class LoopSummary:
    """What one loop run did, and where its outputs are."""

    run_id: str
    status: str
    warehouse: str
    datasets: str
    ingest: IngestSummary
    signals: SignalSummary
    judges: JudgeSummary
    llm_judge: LLMJudgeSummary
    mining: MiningSummary
    routing: RoutingSummary
    rewrite: RewriteSummary
    build: BuildSummary
    publish: PublishSummary
    evalset: SetSummary
    trends: TrendSummary
    sources: list[SourceSummary] = field(default_factory=list)  # [[sources]] in the config
    compose: ComposeSummary = field(default_factory=ComposeSummary)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "warehouse": self.warehouse,
            "datasets": self.datasets,
            "ingest": self.ingest.as_dict(),
            "signals": asdict(self.signals),
            "judges": asdict(self.judges),
            "llm_judge": asdict(self.llm_judge),
            "mining": asdict(self.mining),
            "routing": asdict(self.routing),
            "rewrite": asdict(self.rewrite),
            "build": asdict(self.build),
            "compose": asdict(self.compose),
            "publish": asdict(self.publish),
            "evalset": asdict(self.evalset),
            "trends": {k: v for k, v in asdict(self.trends).items() if k != "table"},
            "sources": [source.as_dict() for source in self.sources],
        }


@flow(
    name=FLOW_NAME,
    description="Ingest production logs and turn them into versioned preference data.",
    validate_parameters=True,
)
def bad_case_loop(config: LoopConfig | None = None) -> LoopSummary:
    """Run the loop once over the configured landing root and warehouse.

    A run of a served deployment may tune the loop, but not change where it reads,
    writes or sends data, nor which key it sends (:data:`flows.config.PINNED`).
    """
    served = served_config()
    config = config or served or LoopConfig()
    if served is not None:
        check_pinned(config, served)
    flow_run_id = flow_run.get_id()
    run_id = flow_run_id or str(uuid.uuid4())
    warehouse = str(Path(config.warehouse).expanduser().resolve())
    # One run at a time per warehouse, however it was started (CLI, cron, event).
    with run_lock(warehouse, run_id, config.lock_wait_s):
        return _run(config, warehouse, run_id, flow_run_id)


def _run(config: LoopConfig, warehouse: str, run_id: str, flow_run_id: str | None) -> LoopSummary:
    """Record the run, run the stages, publish the artifacts and the event, finish the run."""
    # Under the run lock: bring the warehouse to this code's schema first (docs/upgrades.md).
    start_run_task(warehouse, run_id, config.model_dump(), config.config_hash(), flow_run_id)
    try:
        summary = _run_stages(config, warehouse, run_id)
    except BaseException as exc:
        finish_run_task(warehouse, run_id, "failed", None, f"{type(exc).__name__}: {exc}")
        raise
    publish, ingest = summary.publish, summary.ingest
    failed = publish.status == "quarantined"
    if failed:
        summary = replace(summary, status="failed")
    finish_run_task(
        warehouse,
        run_id,
        summary.status,
        summary.as_dict(),
        "validation failed: " + "; ".join(publish.failures) if failed else None,
    )
    _create_artifacts(summary, config)
    get_run_logger().info(
        "run %s: %d records read, %d inserted, %d duplicates, %d quarantined",
        run_id,
        ingest.records_read,
        ingest.inserted,
        ingest.duplicates,
        ingest.quarantined,
    )
    if failed:
        raise ValidationFailed(
            f"the candidate set failed validation and is quarantined at {publish.path}: "
            + "; ".join(publish.failures)
        )
    return summary


def _run_stages(config: LoopConfig, warehouse: str, run_id: str) -> LoopSummary:
    """The stages in loop order, each a task; the LLM-bound ones on the LLM stage runner."""
    db = {"memory_limit": config.duckdb.memory_limit, "threads": config.duckdb.threads}
    ev = {"evidence": config.evidence}  # what is solid evidence, and the latest audit's say
    llm_configured = resolve_llm(config.llm) is not None  # the key itself stays in the tasks
    ingest, sources = _ingest(config, warehouse, run_id, db)
    signals = derive_signals_task(warehouse, run_id, config.signals, **db)
    judges = judge_with_rules_task(warehouse, run_id, config.rules, config.signals, **db)
    with llm_stage_runner(config.orchestration) as run_llm_stage:
        llm_judge = _judge_with_llm(config, warehouse, run_id, llm_configured, run_llm_stage, db)
        mining = mine_bad_cases_task(
            warehouse, run_id, config.mining, config.signals, config.calibration, **db, **ev
        )
        repairable = llm_configured and config.rewrite.enabled
        routing = route_bad_cases_task(warehouse, run_id, config.routing, repairable, **db, **ev)
        rewrite = run_llm_stage(
            rewrite_bad_cases_task,
            warehouse,
            run_id,
            config.rewrite,
            config.llm,
            config.rules,
            config.privacy,
            **db,
        )
    build = build_preference_pairs_task(warehouse, run_id, config.build, config.privacy, **db)
    compose = compose_preference_set_task(warehouse, config.compose, **db)
    publish = publish_preference_set_task(
        warehouse,
        run_id,
        config.datasets,
        config.dataset_name,
        config.build,
        config.validation,
        config.calibration,
        config.privacy,
        config.config_hash(),
        config.compose,
        **db,
        **ev,
    )
    # right after the commit, not at the end: a later stage failing cannot lose the event
    announce_versions_task(warehouse, config.dataset_name, run_id, **db)
    evalset = publish_eval_set_task(
        warehouse, run_id, config.evalsets_root, config.dataset_name, **db
    )
    trends = (
        compute_trends_task(
            warehouse, config.trends_root, config.dataset_name, run_id, config.trends, **db
        )
        if config.trends.enabled
        else TrendSummary()
    )
    return LoopSummary(
        run_id,
        "completed",
        warehouse,
        config.datasets,
        ingest,
        signals,
        judges,
        llm_judge,
        mining,
        routing,
        rewrite,
        build,
        publish,
        evalset,
        trends,
        sources,
        compose,
    )


def _ingest(
    config: LoopConfig, warehouse: str, run_id: str, db: dict
) -> tuple[IngestSummary, list[SourceSummary]]:
    """The native landing root, then each ``[[sources]]`` root (with sources, the native
    root is optional)."""
    native = not config.sources or is_remote(config.landing) or Path(config.landing).exists()
    ingest = (
        ingest_logs_task(warehouse, config.landing, run_id, config.ingest, **db)
        if native
        else IngestSummary()
    )
    sources = (
        ingest_sources_task(warehouse, config.sources, run_id, config.ingest, **db)
        if config.sources
        else []
    )
    return ingest, sources


def _judge_with_llm(
    config: LoopConfig,
    warehouse: str,
    run_id: str,
    llm_configured: bool,
    run_llm_stage: Callable,
    db: dict,
) -> LLMJudgeSummary:
    """The LLM judge stage, or the notice saying why it did not run."""
    if not config.judge.enabled:
        return LLMJudgeSummary(notice="LLM judges disabled in the config ([judge] enabled)")
    if not llm_configured:
        get_run_logger().warning(NO_LLM_NOTICE)
        return LLMJudgeSummary(notice=NO_LLM_NOTICE)
    return run_llm_stage(
        judge_with_llm_task,
        warehouse,
        run_id,
        config.judge,
        config.llm,
        config.mining,
        config.signals,
        config.calibration,
        config.privacy,
        **db,
    )


def _create_artifacts(summary: LoopSummary, config: LoopConfig) -> None:
    """The run's Prefect artifacts: the report, clusters, reliability, agreement, trends, checks."""
    mining, trends, publish = summary.mining, summary.trends, summary.publish
    create_markdown_artifact(
        key="bad-case-loop-summary",
        markdown=RunReport.from_summary(summary, config).to_markdown(),
        description="What this loop run did, stage by stage.",
    )
    create_table_artifact(
        key="top-bad-case-clusters",
        table=shown_clusters(mining.top_clusters, config.privacy)
        or [{"cluster_id": "(no bad cases yet)"}],
        description="Bad-case clusters by priority: scene, size, example request, "
        "dominant signals.",
    )
    if mining.signal_reliability:
        create_table_artifact(
            key="signal-reliability",
            table=mining.signal_reliability,
            description="Per signal and judge: how often it fired, and the share that became "
            "bad cases, had a repair confirmed, or that experts found fine.",
        )
    if mining.judge_agreement:
        create_table_artifact(
            key="judge-agreement",
            table=mining.judge_agreement,
            description="LLM judges vs people: Cohen's kappa (bad vs not bad) per scene and "
            "overall ('*').",
        )
    if trends.path:
        create_markdown_artifact(
            key="bad-case-trends",
            markdown=render_trends(trends),
            description="Is the loop working? Bad-case rate per night, negative signals, "
            "clusters new / growing / shrinking / fixed, with links to the charts.",
        )
    if publish.checks:
        create_table_artifact(
            key="preference-set-validation",
            table=publish.checks,
            description=f"Great Expectations results of the candidate set ({publish.status}: "
            f"{publish.path}).",
        )
