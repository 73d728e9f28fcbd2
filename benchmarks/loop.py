"""The whole loop, one Prefect flow run, on a large landing with a loopback LLM at fixed latency.

    python -m benchmarks.loop LANDING WORKDIR --latency S --concurrency C -> JSON line

Runs ``bad_case_loop`` in this process under a temporary Prefect server (its own
process), with the loopback OpenAI-compatible server (``tests/llm_server.py``,
also its own process) answering every request after S seconds as a sound model
would: rubric verdicts, repairs, pairwise preferences. Reports the flow's wall
time, each stage's own run time as Prefect recorded it, the Prefect overhead
(wall time minus the stages' own time), the LLM requests and the waiting they
imply at concurrency C, and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import time
from datetime import datetime
from pathlib import Path

from benchmarks.llm_process import llm_server_process


def _task_runs(flow_run_id: str) -> list[dict]:
    from prefect.client.orchestration import get_client

    body = {"flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200, "offset": 0}
    with get_client(sync_client=True) as client:
        return client.request("POST", "/task_runs/filter", json=body).json()


def run(landing: Path, workdir: Path, latency: float, concurrency: int) -> dict:
    from prefect.testing.utilities import prefect_test_harness

    from flows.config import LoopConfig
    from flows.loop import bad_case_loop
    from tasks.llm.client import LLMSettings

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    config = LoopConfig(
        landing=str(landing),
        warehouse=str(workdir / "warehouse.duckdb"),
        datasets=str(workdir / "datasets"),
        llm=LLMSettings(concurrency=concurrency),
        # The scripted model writes the same boilerplate repair for every case, so the
        # set's balance bounds (length, scene mix, source mix) would rightly quarantine
        # it; every expectation still runs, only these bounds are opened.
        validation={
            "max_llm_source_share": 1.0,
            "max_scene_share": 1.0,
            "max_chosen_longer_share": 1.0,
            "max_median_length_ratio": 1000.0,
        },
    )
    from tests.llm_server import sound_llm

    timeout = int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
    with llm_server_process(sound_llm, latency) as (base_url, server):
        os.environ.update(
            OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=base_url, BADCASE_LLM_MODEL="bench-model"
        )
        with prefect_test_harness(server_startup_timeout=timeout):
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            start = time.perf_counter()
            summary = bad_case_loop(config)
            wall = time.perf_counter() - start
            runs = _task_runs(summary.run_id)
    requests = server.requests
    stages = {}
    for r in sorted(runs, key=lambda r: r["start_time"] or ""):
        name = r["name"].rsplit("-", 1)[0]
        began = datetime.fromisoformat(r["start_time"])
        ended = datetime.fromisoformat(r["end_time"])
        stages[name] = (ended - began).total_seconds()
    own = sum(stages.values())
    llm_stages = stages.get("judge-with-llm", 0.0) + stages.get("rewrite-bad-cases", 0.0)
    ideal_wait = requests * latency / concurrency
    return {
        "interactions": summary.ingest.interactions.inserted,
        "records_read": summary.ingest.records_read,
        "status": summary.status,
        "wall_seconds": wall,
        "stages": stages,
        "stages_seconds": own,
        "prefect_overhead_seconds": wall - own,
        "llm_stage_seconds": llm_stages,
        "llm_requests": requests,
        "llm_ideal_wait_seconds": ideal_wait,
        "judged": summary.llm_judge.selected,
        "rewrites": summary.rewrite.attempted,
        "chosen": summary.rewrite.chosen,
        "bad_cases": summary.mining.bad_cases,
        "pairs": summary.publish.pairs,
        "kto_rows": summary.publish.kto_rows,
        "publish": summary.publish.status,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rss_before_flow_bytes": rss_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("landing", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(args.landing, args.workdir, args.latency, args.concurrency)))


if __name__ == "__main__":
    main()
