"""RL prompt sets (GRPO-style) from bad-case clusters, calibrated for difficulty.

A prompt teaches a policy-gradient run only when the current model sometimes
solves it: always solved gives no signal, never solved gives no reward to climb.
So each candidate prompt (a repaired bad case on the training side, never a
held-out eval case) is sampled ``k`` times from the current model's endpoint;
each sample *passes* when the pairwise judge prefers it to the original bad answer
in both orders and the rubric judge does not call it bad (the eval's "fixed").
Prompts whose pass rate falls inside ``band`` (default 0.3-0.7) are kept and
ordered as a curriculum, easiest first. Each row carries what a reward function
needs: the verified repair as ``reference`` and a ``verifier`` spec (the original
bad answer to beat, the rule judges it failed). Samples are cached per policy in
``rl_samples``; the set is published as ``rlsets/<name>/vNNNN/`` like the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tasks.evaluate.candidate import CandidateSettings, judge_fix, require_judge
from tasks.llm.client import BudgetExhausted, LLMCallFailed, LLMClient, LLMSettings, resolve_llm
from tasks.publish.build import MESSAGES
from tasks.publish.sets import SetSummary, publish_set
from tasks.publish.store import render_card
from tasks.warehouse.db import connect, fetch_dicts, replace_rows, sql

log = logging.getLogger(__name__)

RL_FILE = "data/train-00000-of-00001.parquet"
RL_SCHEMA = pa.schema(
    [
        ("prompt_id", pa.string()),
        ("prompt", MESSAGES),
        ("reference", pa.string()),
        ("verifier", pa.string()),
        ("pass_rate", pa.float64()),
        ("samples", pa.int64()),
        ("rank", pa.int64()),
        ("cluster_id", pa.string()),
        ("category", pa.string()),
        ("scene", pa.string()),
    ]
)


class RLSettings(BaseModel):
    """The RL prompt set: where the current model is served and the difficulty band."""

    model_config = ConfigDict(extra="forbid")

    policy_base_url: str | None = Field(
        None,
        description="The current model's OpenAI-compatible endpoint; unset: no RL prompt set "
        "is built.",
    )
    policy_model: str | None = Field(None, description="The current model's name.")
    samples: int = Field(8, ge=2, description="Answers sampled per prompt (k).")
    temperature: float = Field(1.0, gt=0, le=2, description="Sampling temperature.")
    band: tuple[float, float] = Field(
        (0.3, 0.7), description="Pass rates kept: too easy or too hard teaches nothing."
    )
    max_prompts: int = Field(500, ge=1, description="Candidate prompts per build.")
    concurrency: int = Field(8, ge=1)
    max_requests: int | None = Field(50_000, ge=1, description="Policy request budget per build.")
    root: str | None = Field(None, description="Default: rlsets/ beside the datasets root.")

    @model_validator(mode="after")
    def _band_is_ordered(self) -> RLSettings:
        low, high = self.band
        if not 0 <= low <= high <= 1:
            raise ValueError("band must be (low, high) with 0 <= low <= high <= 1")
        return self

    def policy(self) -> CandidateSettings | None:
        """The policy as an endpoint (its key: ``$CANDIDATE_API_KEY``), or None when unset.

        ``policy_base_url`` and ``policy_model`` stay flat ``[rl]`` keys (configs
        already written keep loading); the endpoint they make resolves its key
        like every other (:func:`tasks.llm.client.resolve_endpoint`).
        """
        if not (self.policy_base_url and self.policy_model):
            return None
        return CandidateSettings(
            base_url=self.policy_base_url,
            model=self.policy_model,
            concurrency=self.concurrency,
            max_requests=self.max_requests,
            temperature=self.temperature,
        )


@dataclass(frozen=True)
class CalibrationSummary:
    """What sampling and scoring did."""

    prompts: int = 0
    samples: int = 0
    cached: int = 0
    passed: int = 0
    errors: int = 0
    kept: int = 0
    too_easy: int = 0
    too_hard: int = 0
    unsettled: int = 0
    budget_notice: str | None = None
    notice: str | None = None


async def calibrate_prompts(
    con: duckdb.DuckDBPyConnection,
    settings: RLSettings,
    policy: CandidateSettings,
    judge: LLMClient,
) -> tuple[CalibrationSummary, pa.Table]:
    """Sample, score, keep the band, order easy to hard (see the module docstring)."""
    candidates = fetch_dicts(
        con.execute(sql("select_rl_candidates"), {"max_prompts": settings.max_prompts})
    )
    done: dict[tuple[str, int], bool] = {
        (c, s): p
        for c, s, p in con.execute(sql("select_rl_samples"), {"policy": policy.name}).fetchall()
    }
    wanted = {c["prompt_id"] for c in candidates}
    cached = sum(1 for (case, _) in done if case in wanted)
    todo = [
        (c, i)
        for c in candidates
        for i in range(settings.samples)
        if (c["prompt_id"], i) not in done
    ]
    rows, notice = await _sample(todo, policy, judge)
    replace_rows(con, rows, "delete_rl_sample_errors", "insert_rl_samples", {"policy": policy.name})
    for r in rows:
        if r["passed"] is not None:
            done[(r["case_id"], r["sample"])] = r["passed"]
    kept, easy, hard, unsettled = _keep_band(candidates, done, settings)
    table = _rl_table(kept, settings, judge.target.model)
    summary = CalibrationSummary(
        prompts=len(candidates),
        samples=len(rows),
        cached=cached,
        passed=sum(1 for r in rows if r["passed"]),
        errors=sum(1 for r in rows if r["error"]),
        kept=len(kept),
        too_easy=easy,
        too_hard=hard,
        unsettled=unsettled,
        budget_notice=notice,
    )
    log.info(
        "rl prompts: %d candidates, %d kept in %s, %d too easy, %d too hard, %d unsettled",
        len(candidates),
        len(kept),
        settings.band,
        easy,
        hard,
        unsettled,
    )
    return summary, table


async def _sample(
    todo: list[tuple[dict, int]], policy: CandidateSettings, judge: LLMClient
) -> tuple[list[dict], str | None]:
    """Ask the policy for each (prompt, sample number) and judge whether it fixes the case.

    Returns the ``rl_samples`` rows and the notice of a spent budget (the rest is
    sampled next build).
    """
    target, llm_settings = policy.target()
    rows: list[dict] = []
    notices: list[str] = []
    async with LLMClient(target, llm_settings) as llm:

        async def one(c: dict, i: int) -> None:
            prompt = c["prompt"]  # {role, content} structs, as the chat API takes them
            row = {
                "policy": policy.name,
                "case_id": c["prompt_id"],
                "sample": i,
                "answer": None,
                "passed": None,
                "error": None,
                "created_at": datetime.now(UTC),
            }
            try:
                answer = (await llm.complete(prompt)).text
                row["answer"] = answer
                verdict = await judge_fix(judge, prompt, answer, c["original"])
            except LLMCallFailed as exc:
                row["error"] = f"call_failed: {exc}"
                rows.append(row)
                return
            except BudgetExhausted as exc:
                notices.append(str(exc))
                return
            row["error"] = verdict.error
            row["passed"] = verdict.fixed
            rows.append(row)

        await asyncio.gather(*(one(c, i) for c, i in todo))
    return rows, notices[0] if notices else None


def _keep_band(
    candidates: list[dict], done: dict[tuple[str, int], bool], settings: RLSettings
) -> tuple[list[tuple[dict, float]], int, int, int]:
    """The prompts whose pass rate is inside the band, easiest first, with the counts of
    those too easy, too hard and not fully sampled yet."""
    low, high = settings.band
    kept, easy, hard, unsettled = [], 0, 0, 0
    for c in candidates:
        results = [done.get((c["prompt_id"], i)) for i in range(settings.samples)]
        if any(r is None for r in results):
            unsettled += 1  # sampled again next build
            continue
        rate = round(sum(results) / len(results), 4)
        if rate > high:
            easy += 1
        elif rate < low:
            hard += 1
        else:
            kept.append((c, rate))
    kept.sort(key=lambda cr: (-cr[1], cr[0]["prompt_id"]))  # curriculum: easiest first
    return kept, easy, hard, unsettled


def _rl_table(kept: list[tuple[dict, float]], settings: RLSettings, judge_model: str) -> pa.Table:
    """The RL set rows: prompt, reference, verifier spec, pass rate and curriculum rank."""
    return pa.Table.from_pylist(
        [
            {
                "prompt_id": c["prompt_id"],
                "prompt": c["prompt"],
                "reference": c["reference"],
                "verifier": json.dumps(
                    {
                        "kind": "beats_original_and_not_bad",
                        "original": c["original"],
                        "rules_failed_by_original": [
                            j for j in (c["judges"] or []) if j.startswith("rule:")
                        ],
                        "judge_model": judge_model,
                    },
                    ensure_ascii=False,
                ),
                "pass_rate": rate,
                "samples": settings.samples,
                "rank": rank,
                "cluster_id": c["cluster_id"],
                "category": c["category"],
                "scene": c["scene"],
            }
            for rank, (c, rate) in enumerate(kept, start=1)
        ],
        schema=RL_SCHEMA,
    )


def publish_rl_prompt_set(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    settings: RLSettings,
    root: str,
    name: str,
    run_id: str,
) -> SetSummary:
    """Validate the calibrated prompts and publish them as ``<root>/<name>/vNNNN/``."""
    from expectations.suites import validate_rl_prompt_set

    return publish_set(
        con,
        "rlset",
        root,
        name,
        RL_FILE,
        table,
        lambda t: validate_rl_prompt_set(t, settings.band),
        _card,
        run_id,
        {
            "band": list(settings.band),
            "samples_per_prompt": settings.samples,
            "policy": settings.policy_model,
        },
    )


def _card(manifest: dict) -> bytes:
    """The dataset card (``cards/rlset.md``) of an RL prompt set version."""
    low, high = manifest["band"]
    return render_card("rlset", manifest, data_file=RL_FILE, low=low, high=high)


@task(name="calibrate-rl-prompts", cache_policy=NO_CACHE)
def build_rl_prompt_set_task(
    warehouse: str,
    settings: RLSettings,
    llm: LLMSettings,
    root: str,
    name: str,
    run_id: str,
) -> tuple[CalibrationSummary, SetSummary]:
    """Prefect task: sample and score the prompts, then publish the set (one task)."""
    policy = settings.policy()
    if policy is None:
        notice = "no policy endpoint configured ([rl] policy_base_url, policy_model)"
        return CalibrationSummary(notice=notice), SetSummary()
    target = require_judge(resolve_llm(llm), "scoring RL prompt samples")

    async def go() -> tuple[CalibrationSummary, pa.Table]:
        async with LLMClient(target, llm) as judge:
            with closing(connect(warehouse)) as con:
                return await calibrate_prompts(con, settings, policy, judge)

    summary, table = asyncio.run(go())
    with closing(connect(warehouse)) as con:
        return summary, publish_rl_prompt_set(con, table, settings, root, name, run_id)
