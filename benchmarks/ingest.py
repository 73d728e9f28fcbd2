"""Ingest throughput against DuckDB's bare read_json scan, and peak memory.

Each measurement runs in a fresh process so its peak RSS is its own:

    python -m benchmarks.ingest bare   LANDING            -> JSON line
    python -m benchmarks.ingest ingest LANDING WAREHOUSE  -> JSON line
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path


def _files(landing: Path, kind: str) -> list[str]:
    return sorted(str(p) for p in (landing / kind).rglob("*.jsonl"))


def bare(landing: Path) -> dict:
    """DuckDB's bare read_json count over the same files (schema auto-detected)."""
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    rows = 0
    for kind in ("interactions", "events"):
        rows += con.execute(
            "SELECT count(*) FROM read_json($files, format = 'newline_delimited')",
            {"files": _files(landing, kind)},
        ).fetchone()[0]
    return {"rows": rows, "seconds": time.perf_counter() - start}


def ingest(landing: Path, warehouse: Path) -> dict:
    """badcase-loop's ingest into a new warehouse file, closed (checkpointed) at the end."""
    from tasks.ingest.ingest import ingest_logs
    from tasks.warehouse.db import connect

    for stale in warehouse.parent.glob(warehouse.name + "*"):
        stale.unlink()
    start = time.perf_counter()
    con = connect(warehouse)
    summary = ingest_logs(con, landing, "bench")
    con.close()
    seconds = time.perf_counter() - start
    assert summary.reconciles and summary.quarantined == 0
    return {
        "rows": summary.records_read,
        "seconds": seconds,
        "fast_path_files": summary.fast_path_files,
        "warehouse_bytes": warehouse.stat().st_size,
    }


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING)
    mode, landing = argv[0], Path(argv[1])
    result = bare(landing) if mode == "bare" else ingest(landing, Path(argv[2]))
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
