"""Signals + rule judges + mining: time and memory at 1M, quality against ground truth.

Each measurement runs in a fresh process:

    python -m benchmarks.mining stages WAREHOUSE GROUND_TRUTH   -> JSON line
    python -m benchmarks.mining quality LANDING [--no-family]     -> JSON line
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path


def stages(warehouse: Path, ground_truth: Path) -> dict:
    from tasks.mine.mine import mine_bad_cases
    from tasks.mine.rules import judge_with_rules
    from tasks.mine.signals import derive_signals
    from tasks.sample.quality import mining_quality
    from tasks.warehouse.db import connect

    con = connect(warehouse)
    # Measure the first mining of every conversation, whatever an earlier run derived.
    for table in (
        "signals",
        "judgments",
        "bad_cases",
        "mined_conversations",
        "routes",
        "case_texts",
        "request_clusters",
        "request_bands",
        "mining_scopes",
    ):
        con.execute(f"DELETE FROM {table}")
    con.execute("UPDATE interaction_turns SET user_cost = NULL, cost_key = NULL")
    seconds = {}
    start = time.perf_counter()
    for name, stage in (
        ("signals", derive_signals),
        ("rule_judges", judge_with_rules),
        ("mining", mine_bad_cases),
    ):
        t = time.perf_counter()
        result = stage(con, "bench")
        seconds[name] = time.perf_counter() - t
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    interactions = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    quality = mining_quality(con, ground_truth)
    con.close()
    return {
        "interactions": interactions,
        "seconds": seconds,
        "total_seconds": total,
        "peak_rss_bytes": peak,
        "bad_cases": result.bad_cases,
        "clusters": result.clusters,
        "quality": asdict(quality),
    }


def quality(landing: Path, family: bool) -> dict:
    from tasks.ingest.ingest import ingest_logs
    from tasks.mine.mine import MiningSettings, mine_bad_cases
    from tasks.mine.rules import judge_with_rules
    from tasks.mine.signals import derive_signals
    from tasks.sample.quality import mining_quality
    from tasks.warehouse.db import connect

    con = connect(":memory:")
    ingest_logs(con, landing, "bench")
    derive_signals(con, "bench")
    judge_with_rules(con, "bench")
    settings = MiningSettings() if family else MiningSettings(min_family_size=10**9)
    mine_bad_cases(con, "bench", settings)
    return asdict(mining_quality(con, landing / "ground_truth.jsonl"))


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING)
    if argv[0] == "stages":
        result = stages(Path(argv[1]), Path(argv[2]))
    else:
        result = quality(Path(argv[1]), family="--no-family" not in argv)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
