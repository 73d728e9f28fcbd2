"""The LLM-bound stages on Prefect's Dask task runner, with a real local Dask cluster."""

from __future__ import annotations

import os

import duckdb
import pytest

from flows.config import LoopConfig, OrchestrationSettings
from flows.loop import bad_case_loop
from flows.runners import llm_stage_runner
from tests.flows.test_loop import _task_runs
from tests.llm_server import LLMServer, sound_llm

distributed = pytest.importorskip("distributed")

# dask keys are named after the task functions
LLM_STAGES = {"judge_with_llm_task", "rewrite_bad_cases_task"}


def _config(landing, tmp_path, name: str, **orchestration) -> LoopConfig:
    config = LoopConfig(
        landing=str(landing),
        warehouse=str(tmp_path / f"{name}.duckdb"),
        datasets=str(tmp_path / f"{name}-datasets"),
        orchestration=OrchestrationSettings(**orchestration),
    )
    config.judge.max_items = 120
    config.routing.max_llm_rewrites = 30
    # all chosen answers are the scripted model's and skewed to the top clusters' scenes;
    # this test is about where stages run (the balance guards have their own tests)
    config.validation.max_llm_source_share = 1.0
    config.validation.max_scene_share = 1.0
    return config


def _outputs(warehouse: str) -> dict:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return {
            "judgments": con.execute(
                "SELECT interaction_id, verdict, score FROM judgments "
                "WHERE judge = 'llm:rubric' ORDER BY 1"
            ).fetchall(),
            "rewrites": con.execute(
                "SELECT case_id, verification, verification_reason FROM rewrites ORDER BY 1"
            ).fetchall(),
        }
    finally:
        con.close()


def test_llm_stages_run_unchanged_on_a_dask_cluster(
    prefect_server, clean_logs, tmp_path, monkeypatch
):
    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        local = bad_case_loop(_config(clean_logs, tmp_path, "local"))
        # worker processes inherit the environment above: the LLM key and server
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            config = _config(
                clean_logs,
                tmp_path,
                "dask",
                task_runner="dask",
                dask_address=cluster.scheduler_address,
            )
            with distributed.get_task_stream(client) as stream:
                on_dask = bad_case_loop(config)
    ran_on_dask = {str(record["key"]).rsplit("-", 1)[0] for record in stream.data}
    assert ran_on_dask == LLM_STAGES, "the LLM stages, and only they, ran on the cluster"
    # still one Prefect task run per stage, in the flow run, as the dashboard shows it
    names = _task_runs(on_dask.run_id)
    assert names.count("judge-with-llm") == names.count("rewrite-bad-cases") == 1
    # same work, same answers: the stages did not change to run there
    assert on_dask.llm_judge.selected == local.llm_judge.selected == 120
    assert on_dask.rewrite.attempted == local.rewrite.attempted > 0
    assert _outputs(config.warehouse) == _outputs(str(tmp_path / "local.duckdb"))
    assert on_dask.publish.status == local.publish.status == "published"
    assert on_dask.publish.content_hash == local.publish.content_hash


def test_a_local_cluster_is_started_for_the_run_when_no_address_is_given(prefect_server):
    from prefect import flow, task

    @task(name="where-am-i")
    def where_am_i(offset: int) -> int:
        return os.getpid() + offset

    @flow
    def probe() -> int:
        with llm_stage_runner(
            OrchestrationSettings(task_runner="dask", dask_workers=1)
        ) as run_stage:
            return run_stage(where_am_i, 0)

    assert probe() != os.getpid(), "the task ran in a worker process"
