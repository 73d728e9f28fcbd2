"""Yield of the LLM judge stage when the judge's verdicts are right but messily formatted.

    python -m benchmarks.judge_yield WAREHOUSE --interactions N [--server accept|refuse]
        [--structured auto|json_schema|off] -> JSON line

Generates N sample conversations, ingests them into a fresh WAREHOUSE, derives
signals and rule verdicts, then runs the judge stage (default selection) against
the loopback server. The judge always gives the right verdict, formatted in the
harmless ways of ``tests/reply_corpus.messy_rubric_reply`` (bold verdict, ``N/10``,
a code fence on 30% of replies, sign-offs, bullets, one-line fields, case); asked
for structured output, it answers the JSON object. ``--server refuse`` answers 400
to response_format like servers without support. Reports the yield (verdicts /
items judged), requests per item and which reply format produced the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import random
import tempfile
import time
from pathlib import Path


def _messy_judge(body: dict, n: int):
    from tests.llm_server import Reply, rubric_json
    from tests.reply_corpus import messy_rubric_reply

    prompt = body["messages"][0]["content"]
    digest = hashlib.sha256(prompt.split("<candidate_answer>")[-1].encode()).digest()
    verdict, score = ("bad", 2 + digest[1] % 3) if digest[0] % 2 else ("good", 8 + digest[1] % 3)
    if "response_format" in body:
        return Reply(rubric_json(verdict, score))
    return Reply(messy_rubric_reply(verdict, score, random.Random(n)))


def run(warehouse: Path, interactions: int, server_mode: str, structured: str | None) -> dict:
    from tasks.ingest.ingest import ingest_logs
    from tasks.judge.llm_judge import judge_with_llm
    from tasks.llm.client import LLMClient, LLMSettings, LLMTarget
    from tasks.mine.rules import judge_with_rules
    from tasks.mine.signals import derive_signals
    from tasks.sample.generate import generate_logs
    from tasks.warehouse.db import connect
    from tests.llm_server import LLMServer

    if warehouse.exists():
        warehouse.unlink()
    with tempfile.TemporaryDirectory() as landing:
        generate_logs(Path(landing), interactions, seed=19, days=3, corrupt_rate=0.0)
        con = connect(warehouse)
        ingest_logs(con, Path(landing), "bench")
    derive_signals(con, "bench")
    judge_with_rules(con, "bench")
    extra = {"structured": structured} if structured else {}  # absent before issue 19
    with LLMServer(_messy_judge, structured=server_mode) as server:
        target = LLMTarget(server.base_url, "bench-judge", "sk-bench")

        async def go():
            async with LLMClient(target, LLMSettings(max_retries=0, **extra)) as llm:
                return await judge_with_llm(con, llm, "bench")

        start = time.perf_counter()
        summary = asyncio.run(go())
        seconds = time.perf_counter() - start
    formats = dict(
        con.execute(
            "SELECT coalesce(evidence->>'reply_format', 'unrecorded'), count(*) FROM judgments "
            "WHERE judge = 'llm:rubric' AND verdict IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    con.close()
    verdicts = sum(summary.verdicts.values())
    return {
        "interactions": interactions,
        "items": summary.selected,
        "verdicts": verdicts,
        "parse_errors": summary.parse_errors,
        "yield": round(verdicts / max(summary.selected, 1), 4),
        "requests": summary.requests,
        "requests_per_item": round(summary.requests / max(summary.selected, 1), 4),
        "formats": formats,
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--interactions", type=int, default=600)
    parser.add_argument("--server", choices=["accept", "refuse", "ignore"], default="accept")
    parser.add_argument("--structured", choices=["auto", "json_schema", "off"], default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(args.warehouse, args.interactions, args.server, args.structured)))


if __name__ == "__main__":
    main()
