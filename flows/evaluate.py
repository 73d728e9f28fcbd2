"""``evaluate-candidate``: replay the regression eval set to a new model and gate it.

Started by hand (``badcase-loop evaluate``), or by the ``evaluate-candidate/on-trained``
deployment when the training flow announces a trained model
(``badcase.model.trained``). Emits ``badcase.candidate.evaluated`` with the verdict.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict, Field

from flows.config import check_pinned, served_config
from tasks.errors import ConfigError
from tasks.evaluate.candidate import (
    CandidateSettings,
    Evaluation,
    GateSettings,
    decide_candidate_task,
    eval_set,
    judge_candidate_answers_task,
    replay_eval_prompts_task,
    require_judge,
)
from tasks.llm.client import LLMSettings, resolve_llm
from tasks.warehouse.db import run_lock

FLOW_NAME = "evaluate-candidate"
EVALUATED_EVENT = "badcase.candidate.evaluated"


class EvaluateConfig(BaseModel):
    """Which candidate, which eval set, which judge, and the gate."""

    model_config = ConfigDict(extra="forbid")

    candidate: CandidateSettings | None = Field(
        None, description="The candidate; base_url and model given to the flow override it."
    )
    warehouse: str = Field(".badcase/warehouse.duckdb", description="The DuckDB warehouse.")
    evalsets: str = Field(".badcase/evalsets", description="Root of the eval sets.")
    evalset: str = Field("badcase-preferences", description="The eval set's name.")
    version: str | None = Field(None, description="Its version; default: LATEST.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="The judge model.")
    gate: GateSettings = Field(default_factory=GateSettings)
    lock_wait_s: float = Field(3600, ge=0, description="Wait for a loop run on the warehouse.")


@flow(
    name=FLOW_NAME,
    description="Replay the bad-case regression eval set to a candidate model and gate it.",
    validate_parameters=True,
)
def evaluate_candidate(
    config: EvaluateConfig, base_url: str | None = None, model: str | None = None
) -> Evaluation:
    """Replay, judge, decide; one task per stage. Returns the evaluation.

    ``base_url`` and ``model`` (e.g. from a ``badcase.model.trained`` event) name the
    candidate; they override ``config.candidate``'s.
    """
    logger = get_run_logger()
    config = with_candidate(config, base_url, model)
    check_served(config)
    check_evaluation(config)
    run_id = flow_run.get_id() or str(uuid.uuid4())
    warehouse = str(Path(config.warehouse).expanduser().resolve())
    where = (config.evalsets, config.evalset, config.version)
    with run_lock(warehouse, run_id, config.lock_wait_s):
        replay = replay_eval_prompts_task(warehouse, *where, config.candidate)
        judged = judge_candidate_answers_task(warehouse, *where, config.candidate, config.llm)
        evaluation = decide_candidate_task(
            warehouse, *where, config.candidate, config.llm, config.gate
        )
    evaluation = replace(evaluation, replay=replay, judging=judged)
    for notice in (replay.budget_notice, judged.budget_notice):
        if notice:
            logger.warning("stopped early: %s; the rest is asked next time", notice)
    create_markdown_artifact(
        key="candidate-evaluation",
        markdown=render_evaluation(evaluation),
        description=f"{evaluation.candidate} on {evaluation.evalset}: {evaluation.decision}",
    )
    create_table_artifact(
        key="candidate-fix-rate-by-cluster",
        table=evaluation.clusters or [{"key": "(no items)"}],
        description="Fix rate per cluster with Wilson 95% intervals and the last promoted "
        "candidate's rate.",
    )
    emit_event(
        event=EVALUATED_EVENT,
        resource={
            "prefect.resource.id": f"badcase.candidate.{config.candidate.model}",
            "badcase.candidate": config.candidate.model,
        },
        payload={
            "evaluation_id": evaluation.evaluation_id,
            "candidate": evaluation.candidate,
            "model": config.candidate.model,
            "base_url": config.candidate.base_url,
            "evalset": evaluation.evalset,
            "decision": evaluation.decision,
            "reasons": evaluation.reasons,
            "fix_rate": evaluation.fix_rate,
            "interval": evaluation.interval,
            "regression_rate": evaluation.regression_rate,
            "reference_rate": evaluation.reference_rate,
            "judged": evaluation.judged,
            "items": evaluation.items,
        },
    )
    logger.info(
        "%s: %s (%s)", evaluation.candidate, evaluation.decision, "; ".join(evaluation.reasons)
    )
    return evaluation


def with_candidate(
    config: EvaluateConfig, base_url: str | None, model: str | None
) -> EvaluateConfig:
    """The config with the candidate's endpoint filled in.

    Raises:
        ConfigError: No candidate endpoint and model are known.
    """
    current = config.candidate.model_dump() if config.candidate else {}
    current.update({k: v for k, v in (("base_url", base_url), ("model", model)) if v})
    if not current.get("base_url") or not current.get("model"):
        raise ConfigError("evaluate-candidate needs the candidate's base URL and model name")
    return config.model_copy(update={"candidate": CandidateSettings(**current)})


def check_served(config: EvaluateConfig) -> None:
    """Refuse, before any request, a served run that would send the eval set or a key
    where the served configuration does not allow.

    Under ``badcase-loop serve`` (or a worker with ``$BADCASE_CONFIG``) the candidate's
    base URL and model, from an event or a run parameter, must be allowed by
    ``[orchestration]`` (``candidate_base_url`` / ``candidate_endpoints``,
    ``candidate_model`` / ``candidate_models``); the judge's endpoint and key, the key
    variables and the warehouse are the served ones.

    Raises:
        ConfigError: One line saying what is not allowed.
    """
    served = served_config()
    if served is None or config.candidate is None:
        return
    pinned = EvaluateConfig.model_validate(served.evaluate_config())
    check_pinned(config, pinned, ("warehouse", "evalsets", "llm.base_url", "llm.api_key_env"))
    if config.candidate.api_key_env != CandidateSettings.model_fields["api_key_env"].default:
        raise ConfigError(
            "candidate.api_key_env differs from the served configuration: a run cannot "
            "choose which environment variable is sent as the candidate's key"
        )
    refusal = served.orchestration.candidate_refusal(
        config.candidate.base_url, config.candidate.model
    )
    if refusal:
        raise ConfigError(refusal)


def check_evaluation(config: EvaluateConfig) -> None:
    """Fail before any model is asked: a judge must be configured and the eval set exist.

    Raises:
        ConfigError: Either is missing (one line that says what to do).
    """
    require_judge(resolve_llm(config.llm))
    eval_set(config.evalsets, config.evalset, config.version)


def render_evaluation(e: Evaluation) -> str:
    """The evaluation as markdown (a Prefect artifact and the CLI's report)."""
    rate = "n/a" if e.fix_rate is None else f"{e.fix_rate:.1%}"
    interval = f" (95% CI {e.interval[0]:.1%}–{e.interval[1]:.1%})" if e.interval else ""
    regression = "n/a" if e.regression_rate is None else f"{e.regression_rate:.1%}"
    work = []
    if e.replay and e.judging:
        r, j = e.replay, e.judging
        work.append(
            f"- replay: {r.cached} cached, {r.answered} answered, {r.failed} failed; "
            f"judging: {j.cached} cached, {j.judged} judged, {j.errors} errors"
        )
    lines = [
        f"# {e.candidate} on {e.evalset}: **{e.decision.upper()}**",
        "",
        f"- fix rate: **{rate}**{interval} over {e.judged} judged of {e.items} items",
        f"- at least as good as the reference repair: "
        f"{'n/a' if e.reference_rate is None else f'{e.reference_rate:.1%}'}",
        f"- regression rate on clusters the last promoted candidate fixed "
        f"({e.baseline or 'none yet'}): {regression}",
        *work,
        *[f"- {reason}" for reason in e.reasons],
        "",
        "| cluster | items | judged | fixed | rate | 95% CI | last promoted | regressed |",
        "|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for c in e.clusters:
        rate_c = "n/a" if c["rate"] is None else f"{c['rate']:.2f}"
        ci = "" if c["low"] is None else f"{c['low']:.2f}–{c['high']:.2f}"
        base = "" if c.get("baseline") is None else f"{c['baseline']:.2f}"
        lines.append(
            f"| `{c['key']}` | {c['items']} | {c['judged']} | {c['fixed']} | {rate_c} | {ci} "
            f"| {base} | {'**yes**' if c.get('regressed') else ''} |"
        )
    lines += ["", "| category | judged | fixed | rate |", "|---|---:|---:|---:|"]
    for c in e.categories:
        rate_c = "n/a" if c["rate"] is None else f"{c['rate']:.2f}"
        lines.append(f"| {c['key']} | {c['judged']} | {c['fixed']} | {rate_c} |")
    return "\n".join(lines) + "\n"
