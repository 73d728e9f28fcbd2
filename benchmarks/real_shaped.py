"""Mining on real-shaped logs: per-stage wall time, MB/s and peak RSS beside a bare scan.

Real conversations are long and every interaction carries its whole history, so a
stage that looks at histories costs conversation length squared. Each measurement
runs in a fresh process (its peak RSS is its own):

    python -m benchmarks.real_shaped bare LANDING DB              -> JSON line
    python -m benchmarks.real_shaped loop LANDING WAREHOUSE       -> JSON line

``bare`` is DuckDB's plain ``CREATE TABLE AS SELECT * FROM read_json(...)`` of the
landed interaction files into a new database file. ``loop`` is two nights: the first
ingests and mines every partition but the last one, the second adds the last one (5%
of the logs when there are 20 daily partitions) and mines again, a third finds nothing
new (what a night costs whatever it brings).
"""

from __future__ import annotations

import json
import logging
import resource
import shutil
import sys
import time
from contextlib import closing
from pathlib import Path


def _files(landing: Path) -> list[str]:
    return sorted(str(p) for p in (landing / "interactions").rglob("*.jsonl"))


def _fresh(db: Path) -> None:
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()


def bare(landing: Path, db: Path) -> dict:
    """DuckDB's plain CREATE TABLE AS scan of the same files, into a new file, closed."""
    import duckdb

    _fresh(db)
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_json($files, format = 'newline_delimited')",
        {"files": _files(landing)},
    )
    rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return {"rows": rows, "seconds": time.perf_counter() - start}


def mine_night(warehouse: Path, landing: Path, run_id: str) -> dict[str, float]:
    """Ingest ``landing`` and mine it without an LLM, as one night does; seconds per stage.

    Each stage opens the warehouse and closes it, as the flow's Prefect tasks do, so its
    time includes making its writes durable (DuckDB checkpoints on close).
    """
    from tasks.ingest.ingest import ingest_logs
    from tasks.mine.mine import mine_bad_cases
    from tasks.mine.rules import judge_with_rules
    from tasks.mine.signals import derive_signals
    from tasks.warehouse.db import connect

    seconds = {}
    for name, stage in (
        ("ingest", lambda con: ingest_logs(con, landing, run_id)),
        ("signals", lambda con: derive_signals(con, run_id)),
        ("rules", lambda con: judge_with_rules(con, run_id)),
        ("mining", lambda con: mine_bad_cases(con, run_id)),
    ):
        t = time.perf_counter()
        with closing(connect(warehouse)) as con:
            stage(con)
        seconds[name] = time.perf_counter() - t
    return seconds


def loop(landing: Path, warehouse: Path) -> dict:
    """Night one on all partitions but the last, night two with it added."""
    from tasks.warehouse.db import connect

    _fresh(warehouse)
    days = sorted((landing / "interactions").iterdir())
    last, held = days[-1], warehouse.parent / ("held-" + days[-1].name)
    shutil.rmtree(held, ignore_errors=True)
    shutil.move(last, held)
    try:
        first_bytes = sum(Path(f).stat().st_size for f in _files(landing))
        first = mine_night(warehouse, landing, "night-1")
        first_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    finally:
        shutil.move(held, last)
    all_bytes = sum(Path(f).stat().st_size for f in _files(landing))
    second = mine_night(warehouse, landing, "night-2")
    idle = mine_night(warehouse, landing, "night-3")  # nothing new: the fixed cost of a night
    with closing(connect(warehouse)) as con:
        interactions, cases, clusters = con.execute(
            "SELECT (SELECT count(*) FROM interactions), count(*), count(DISTINCT cluster_id) "
            "FROM bad_cases"
        ).fetchone()
    return {
        "interactions": interactions,
        "bytes": all_bytes,
        "first_bytes": first_bytes,
        "first": first,
        "second": second,
        "idle": idle,
        "bad_cases": cases,
        "clusters": clusters,
        "first_peak_rss_bytes": first_rss,
    }


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING)
    mode, landing, target = argv[0], Path(argv[1]), Path(argv[2])
    result = bare(landing, target) if mode == "bare" else loop(landing, target)
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
