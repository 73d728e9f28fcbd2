"""The nightly bad-case loop: one Prefect flow run, the stages in order as tasks.

The flow only orchestrates: each stage is a task that opens the warehouse,
does its work in DuckDB and returns a small summary. The LLM-bound stages run in
the flow's process or on a Dask cluster (``orchestration.task_runner``).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run

from flows.config import LoopConfig
from flows.runners import llm_stage_runner
from tasks.ingest.ingest import IngestSummary, ingest_logs_task
from tasks.judge.llm_judge import NO_LLM_NOTICE, LLMJudgeSummary, judge_with_llm_task
from tasks.llm.client import resolve_llm
from tasks.mine.mine import MiningSummary, mine_bad_cases_task
from tasks.mine.rules import JudgeSummary, judge_with_rules_task
from tasks.mine.signals import SignalSummary, derive_signals_task
from tasks.monitor.trends import TrendSummary, compute_trends_task
from tasks.publish.build import BuildSummary, build_preference_pairs_task
from tasks.publish.evalset import publish_eval_set_task
from tasks.publish.publish import PublishSummary, ValidationFailed, publish_preference_set_task
from tasks.publish.sets import SetSummary
from tasks.repair.rewrite import RewriteSummary, rewrite_bad_cases_task
from tasks.repair.route import RoutingSummary, route_bad_cases_task
from tasks.warehouse.db import run_lock
from tasks.warehouse.runs import finish_run_task, start_run_task

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
            "publish": asdict(self.publish),
            "evalset": asdict(self.evalset),
            "trends": {k: v for k, v in asdict(self.trends).items() if k != "table"},
        }


@flow(
    name=FLOW_NAME,
    description="Ingest production logs and turn them into versioned preference data.",
    validate_parameters=True,
)
def bad_case_loop(config: LoopConfig | None = None) -> LoopSummary:
    """Run the loop once over the configured landing root and warehouse."""
    config = config or LoopConfig()
    flow_run_id = flow_run.get_id()
    run_id = flow_run_id or str(uuid.uuid4())
    warehouse = str(Path(config.warehouse).expanduser().resolve())
    # One run at a time per warehouse, however it was started (CLI, cron, event).
    with run_lock(warehouse, run_id, config.lock_wait_s):
        return _run(config, warehouse, run_id, flow_run_id)


def _run(config: LoopConfig, warehouse: str, run_id: str, flow_run_id: str | None) -> LoopSummary:
    logger = get_run_logger()
    # Under the run lock: bring the warehouse to this code's schema first (docs/upgrades.md).
    start_run_task(warehouse, run_id, config.model_dump(), config.config_hash(), flow_run_id)
    db = {"memory_limit": config.duckdb.memory_limit, "threads": config.duckdb.threads}
    llm_configured = resolve_llm(config.llm) is not None  # the key itself stays in the tasks
    try:
        ingest = ingest_logs_task(warehouse, config.landing, run_id, config.ingest, **db)
        signals = derive_signals_task(warehouse, run_id, config.signals, **db)
        judges = judge_with_rules_task(warehouse, run_id, config.rules, config.signals, **db)
        with llm_stage_runner(config.orchestration) as run_llm_stage:
            if not config.judge.enabled:
                llm_judge = LLMJudgeSummary(
                    notice="LLM judges disabled in the config ([judge] enabled)"
                )
            elif not llm_configured:
                llm_judge = LLMJudgeSummary(notice=NO_LLM_NOTICE)
                logger.warning(NO_LLM_NOTICE)
            else:
                llm_judge = run_llm_stage(
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
            mining = mine_bad_cases_task(
                warehouse, run_id, config.mining, config.signals, config.calibration, **db
            )
            routing = route_bad_cases_task(
                warehouse, run_id, config.routing, llm_configured and config.rewrite.enabled, **db
            )
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
            **db,
        )
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
    except BaseException as exc:
        finish_run_task(warehouse, run_id, "failed", None, f"{type(exc).__name__}: {exc}")
        raise
    summary = LoopSummary(
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
    )
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
    create_markdown_artifact(
        key="bad-case-loop-summary",
        markdown=render_summary(summary, config),
        description="What this loop run did, stage by stage.",
    )
    create_table_artifact(
        key="top-bad-case-clusters",
        table=mining.top_clusters or [{"cluster_id": "(no bad cases yet)"}],
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
    if publish.status == "published":
        emit_published_event(config.dataset_name, publish, run_id)
    if publish.checks:
        create_table_artifact(
            key="preference-set-validation",
            table=publish.checks,
            description=f"Great Expectations results of the candidate set ({publish.status}: "
            f"{publish.path}).",
        )
    logger.info(
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


PUBLISHED_EVENT = "badcase.dataset.published"


def emit_published_event(name: str, publish: PublishSummary, run_id: str) -> None:
    """Tell Prefect a new version exists: the training deployment's trigger listens for it."""
    emit_event(
        event=PUBLISHED_EVENT,
        resource={"prefect.resource.id": f"badcase.dataset.{name}", "badcase.dataset": name},
        payload={
            "dataset": name,
            "version": publish.version,
            "path": publish.path,
            "parent": publish.parent,
            "pairs": publish.pairs,
            "kto_rows": publish.kto_rows,
            "added": publish.added,
            "removed": publish.removed,
            "content_hash": publish.content_hash,
            "run_id": run_id,
        },
    )


def render_summary(summary: LoopSummary, config: LoopConfig) -> str:
    """The run's markdown summary (a Prefect artifact)."""
    ing = summary.ingest
    lines = [
        f"# Bad-case loop run `{summary.run_id}`",
        "",
        f"- landing: `{config.landing}`",
        f"- warehouse: `{summary.warehouse}`",
        f"- config hash: `{config.config_hash()}`",
        "",
        "## Ingest",
        "",
        f"Files: {ing.files_seen} seen, {ing.files_new} new, {ing.files_changed} changed, "
        f"{ing.files_unchanged} unchanged, {ing.files_duplicate} duplicate copies, "
        f"{ing.files_quarantined} quarantined whole, {ing.files_ignored} ignored "
        f"({ing.fast_path_files} read by the typed fast path, "
        f"{ing.careful_path_files} line by line).",
        "",
        "| kind | files | read | inserted | duplicates | quarantined |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, c in (("interactions", ing.interactions), ("events", ing.events)):
        lines.append(
            f"| {kind} | {c.files} | {c.records_read} | {c.inserted} | {c.duplicates} "
            f"| {c.quarantined} |"
        )
    lines += [
        "",
        f"Reconciles (read = inserted + duplicates + quarantined): **{ing.reconciles}**",
    ]
    if ing.quarantine_reasons:
        lines += ["", "| quarantine reason | records |", "|---|---:|"]
        lines += [f"| `{r}` | {n} |" for r, n in ing.quarantine_reasons.items()]
        lines += ["", "Inspect them with `SELECT * FROM quarantine WHERE run_id = '...'`."]
    sig, jud, mine = summary.signals, summary.judges, summary.mining
    lines += [
        "",
        "## Signals, rule judges, mining",
        "",
        f"{mine.conversations} conversations (re)mined, {mine.interactions} interactions: "
        f"{sig.signals} signals, {jud.fired} rule verdicts, **{mine.bad_cases} bad cases** "
        f"({mine.near_misses} near misses) in {mine.clusters} clusters overall.",
        "",
        "| signal | count |",
        "|---|---:|",
        *[f"| `{k}` | {v} |" for k, v in sig.by_signal.items()],
        "",
        "| rule judge | fired |",
        "|---|---:|",
        *[f"| `{k}` | {v} |" for k, v in jud.by_judge.items()],
    ]
    lines += _llm_section(summary.llm_judge, mine)
    lines += _repair_section(summary.routing, summary.rewrite)
    lines += _publish_section(summary.build, summary.publish)
    lines += _evalset_section(summary.evalset, summary.build)
    if mine.top_clusters:
        lines += [
            "",
            "| top cluster | scene | size | priority | example request |",
            "|---|---|---:|---:|---|",
        ]
        for c in mine.top_clusters[:5]:
            example = str(c["example_request"]).replace("|", "\\|")[:80]
            lines.append(
                f"| `{c['cluster_id']}` | {c['scene']} | {c['size']} | {c['priority']} "
                f"| {example} |"
            )
    return "\n".join(lines) + "\n"


def render_trends(trends: TrendSummary) -> str:
    """The trends artifact: the last nights, the cluster movement, links to the charts."""
    change = ""
    if trends.previous_rate is not None:
        delta = trends.bad_case_rate - trends.previous_rate
        change = f" ({'+' if delta >= 0 else ''}{delta:.2%} against the night before)"
    lines = [
        f"# Bad-case trends up to {trends.last_night}",
        "",
        f"- bad-case rate on the last night: **{trends.bad_case_rate:.2%}**{change}",
        f"- share of traffic with a negative user signal: {trends.negative_signal_share:.2%}",
        "- clusters: " + ", ".join(f"{k} {v}" for k, v in trends.clusters.items()),
        f"- charts: [index.html]({trends.path}/index.html), "
        + ", ".join(f"[{c}]({trends.path}/{c}.png)" for c in trends.charts),
        "",
        "| night | answers | bad cases | bad-case rate | negative signals |",
        "|---|---:|---:|---:|---:|",
    ]
    for n in trends.table:
        lines.append(
            f"| {n['night']} | {n['interactions']} | {n['bad_cases']} | "
            f"{n['bad_case_rate']:.2%} | {n['negative_signal_share']:.2%} |"
        )
    return "\n".join(lines) + "\n"


def _llm_section(llm: LLMJudgeSummary, mine: MiningSummary) -> list[str]:
    """The LLM judge and calibration part of the summary."""
    lines = ["", "## LLM judges", ""]
    if not llm.ran:
        lines.append(f"_{llm.notice}_")
    else:
        verdicts = ", ".join(f"{k} {n}" for k, n in llm.verdicts.items()) or "none"
        reasons = ", ".join(f"{k} {n}" for k, n in llm.by_reason.items()) or "none"
        failures = ", ".join(f"{k} {n}" for k, n in llm.call_failures.items()) or "none"
        lines += [
            f"`{llm.model}` with prompt `{llm.prompt_version}`: {llm.candidates} candidates, "
            f"{llm.cached} already judged (cache), {llm.over_limit} over the per-run limit, "
            f"**{llm.selected} judged** ({reasons}).",
            "",
            f"- verdicts: {verdicts}; parse errors (raw output kept): {llm.parse_errors}; "
            f"failed calls: {failures}",
            f"- {llm.requests} requests ({llm.retries} retries), {llm.prompt_tokens} prompt + "
            f"{llm.completion_tokens} completion tokens, {llm.seconds:.1f} s",
            f"- {llm.queued_for_calibration} items sent to people blind for calibration",
        ]
        if llm.budget_notice:
            lines.append(
                f"- **stopped early: {llm.budget_notice}**; {llm.budget_skipped} items are "
                "recorded as `budget_exhausted` and judged next run"
            )
    overall = [a for a in mine.judge_agreement if a["scene"] == "*"]
    if overall:
        lines += ["", "| judge | model | labels | agreement | kappa |", "|---|---|---:|---:|---:|"]
        for a in overall:
            kappa = "n/a" if a["kappa"] is None else f"{a['kappa']:.2f}"
            lines.append(
                f"| `{a['judge']}` | `{a['model']}` | {a['labels']} | {a['agreement']:.2f} "
                f"| {kappa} |"
            )
    for key in mine.untrusted_judges:
        judge, model, _version, scene = key.split("|")
        where = "in every scene" if scene == "*" else f"in scene {scene!r}"
        lines.append(
            f"- **{judge} ({model}) disagrees with people {where}** (kappa below the "
            "threshold): its verdicts no longer count as sole evidence of a bad case there."
        )
    return lines


def _repair_section(routing: RoutingSummary, rewrite: RewriteSummary) -> list[str]:
    """Routing and rewriting: where each new bad case went, and how repairs fared."""
    lines = [
        "",
        "## Routing and repair",
        "",
        f"{routing.routed} new bad cases routed; {routing.queued_for_experts} queued for human "
        "experts (`badcase-loop review export`).",
        "",
        "| route | reason | cases |",
        "|---|---|---:|",
    ]
    for key, n in routing.by_reason.items():
        route, reason = key.split(":", 1)
        lines.append(f"| {route} | `{reason}` | {n} |")
    if rewrite.llm_ran:
        lines += [
            "",
            f"LLM rewriter `{rewrite.model}` (`{rewrite.prompt_version}`): {rewrite.attempted} "
            f"repairs, **{rewrite.chosen} chosen** (preferred in both orders, rules pass), "
            f"{rewrite.rejected} rejected and sent to people, {rewrite.failed} failed calls "
            f"(tried again next run); {rewrite.guided} guided by their cluster's pattern.",
        ]
        if rewrite.reasons:
            lines += ["", "| verification | rewrites |", "|---|---:|"]
            lines += [f"| {reason} | {n} |" for reason, n in rewrite.reasons.items()]
    else:
        lines += ["", f"_{rewrite.notice}_"]
    lines += [
        "",
        f"Expert repairs collected from the review queue: {rewrite.expert_repairs}; cases "
        f"experts found acceptable (dropped): {rewrite.expert_no_repair}.",
    ]
    return lines


def _evalset_section(evalset: SetSummary, build: BuildSummary) -> list[str]:
    """The regression eval set held out of training."""
    held = build.excluded.get("eval_holdout", 0)
    lines = ["", "## Regression eval set", ""]
    if evalset.status == "empty":
        lines.append(
            f"No held-out cases yet ({held}): a cluster gives one after "
            "1 / `build.eval_holdout_share` repaired cases."
        )
    elif evalset.status == "unchanged":
        lines.append(f"Unchanged since {evalset.version}: {evalset.rows} held-out cases.")
    else:
        lines.append(
            f"**{evalset.status} {evalset.version}** at `{evalset.path}`: {evalset.rows} "
            "held-out cases, never in a training set (`evaluate-candidate` replays them)."
        )
        lines += [f"- {f}" for f in evalset.failures]
    return lines


def _publish_section(build: BuildSummary, publish: PublishSummary) -> list[str]:
    """Pairs built and left out, the validation result and the published version."""
    excluded = ", ".join(f"{k} {n}" for k, n in build.excluded.items()) or "none"
    redacted = ", ".join(f"{k} {n}" for k, n in build.redacted.items()) or "none"
    lines = [
        "",
        "## Preference set",
        "",
        f"{build.new_pairs} new pairs; {build.eligible} eligible in all. Left out, with "
        f"reasons (`preference_pairs.exclusion_reason`): {excluded}. PII redacted in new "
        f"pairs: {redacted}. Eval prompts checked against: {build.eval_prompts}.",
        "",
    ]
    if publish.status == "published":
        lines.append(
            f"**Published {publish.version}** at `{publish.path}`: {publish.pairs} pairs "
            f"({publish.added} added, {publish.removed} removed since "
            f"{publish.parent or 'nothing'}), {publish.kto_rows} KTO rows, content hash "
            f"`{publish.content_hash[:16]}`. Validation passed."
        )
    elif publish.status == "unchanged":
        lines.append(f"Content unchanged since {publish.version}: nothing new published.")
    elif publish.status == "empty":
        lines.append("No repaired pairs yet: nothing to publish.")
    else:
        lines += [
            f"**Validation FAILED**: the candidate is quarantined at `{publish.path}` and "
            "triggers nothing; the run is marked failed.",
            "",
            *[f"- {f}" for f in publish.failures],
        ]
    return lines
