"""``build-rl-prompts``: a GRPO-style prompt set from bad-case clusters, calibrated on the
current model. Runs after each published preference set (``build-rl-prompts/on-publish``)
or by hand (``badcase-loop rl-prompts``); does nothing until ``[rl]`` names the current
model's endpoint.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from flows.config import LoopConfig, check_pinned, served_config
from tasks.evaluate.rlprompts import CalibrationSummary, build_rl_prompt_set_task
from tasks.publish.sets import SetSummary
from tasks.warehouse.db import run_lock

FLOW_NAME = "build-rl-prompts"


@dataclass(frozen=True)
class RLPromptSummary:
    """Calibration and publishing of one RL prompt set."""

    calibration: CalibrationSummary
    published: SetSummary


@flow(
    name=FLOW_NAME,
    description="Sample the current model on bad-case prompts and publish those of useful "
    "difficulty as an RL prompt set.",
    validate_parameters=True,
)
def build_rl_prompts(config: LoopConfig | None = None) -> RLPromptSummary:
    """Calibrate and publish (one task); a notice and nothing else when [rl] is unset."""
    served = served_config()
    config = config or served or LoopConfig()
    if served is not None:
        check_pinned(config, served)  # where the policy's key and prompts go
    logger = get_run_logger()
    run_id = flow_run.get_id() or str(uuid.uuid4())
    warehouse = str(Path(config.warehouse).expanduser().resolve())
    with run_lock(warehouse, run_id, config.lock_wait_s):
        calibration, published = build_rl_prompt_set_task(
            warehouse, config.rl, config.llm, config.rlsets_root, config.dataset_name, run_id
        )
    if calibration.notice:
        logger.warning("RL prompt set not built: %s", calibration.notice)
        return RLPromptSummary(calibration, published)
    low, high = config.rl.band
    create_markdown_artifact(
        key="rl-prompt-set",
        markdown="\n".join(
            [
                f"# RL prompt set: {published.status} {published.version or ''}",
                "",
                f"- {calibration.prompts} candidate prompts, {config.rl.samples} samples each "
                f"from `{config.rl.policy_model}` ({calibration.samples} new, "
                f"{calibration.cached} cached, {calibration.errors} failed)",
                f"- kept in the band {low:.2f}-{high:.2f}: **{calibration.kept}**; too easy "
                f"{calibration.too_easy}, too hard {calibration.too_hard}, not yet settled "
                f"{calibration.unsettled}",
                f"- at `{published.path}`" if published.path else "- nothing published",
                *[f"- {f}" for f in published.failures],
            ]
        )
        + "\n",
        description="Prompts of useful difficulty for the current model, easiest first.",
    )
    return RLPromptSummary(calibration, published)
