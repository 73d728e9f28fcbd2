"""LLM judge throughput against the loopback OpenAI-compatible server at a fixed latency.

    python -m benchmarks.judge LANDING WAREHOUSE --items N --latency S --concurrency C
        -> JSON line

Ingests LANDING into a fresh WAREHOUSE, derives signals and rule verdicts, then
runs the judge stage (selection, calls, parsing, batched writes, calibration
queueing) over N items against a server that answers every request after S
seconds. The ideal throughput is C / S.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import time
from pathlib import Path

from benchmarks.llm_process import llm_server_process


def _answer_good(body: dict, n: int):
    from tests.llm_server import Reply, rubric_reply

    return Reply(rubric_reply("good", 9))


def run(landing: Path, warehouse: Path, items: int, latency: float, concurrency: int) -> dict:
    from tasks.ingest.ingest import ingest_logs
    from tasks.judge.llm_judge import JudgeSettings, judge_with_llm
    from tasks.llm.client import LLMClient, LLMSettings, LLMTarget
    from tasks.mine.rules import judge_with_rules
    from tasks.mine.signals import derive_signals
    from tasks.warehouse.db import connect

    if warehouse.exists():
        warehouse.unlink()
    con = connect(warehouse)
    ingest_logs(con, landing, "bench")
    derive_signals(con, "bench")
    judge_with_rules(con, "bench")
    with llm_server_process(_answer_good, latency) as (base_url, server):
        target = LLMTarget(base_url, "bench-judge", "sk-bench")
        settings = JudgeSettings(min_badness=0.0, silent_sample_rate=1.0, max_items=items)
        llm_settings = LLMSettings(concurrency=concurrency, max_retries=0)

        async def go():
            async with LLMClient(target, llm_settings) as llm:
                return await judge_with_llm(con, llm, "bench", settings)

        start = time.perf_counter()
        summary = asyncio.run(go())
        seconds = time.perf_counter() - start
    stored = con.execute(
        "SELECT count(*) FROM judgments WHERE judge = 'llm:rubric' AND verdict IS NOT NULL"
    ).fetchone()[0]
    con.close()
    return {
        "items": summary.selected,
        "stored": stored,
        "requests": summary.requests,
        "seconds": seconds,
        "throughput": summary.selected / seconds,
        "ideal": concurrency / latency,
        "peak_in_flight": server.max_in_flight,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("landing", type=Path)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = run(args.landing, args.warehouse, args.items, args.latency, args.concurrency)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
