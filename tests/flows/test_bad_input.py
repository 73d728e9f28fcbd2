"""Bad input at production size: 5% malformed records over 100,000 interactions."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.cli import _simulate_experts
from flows.config import LoopConfig
from flows.loop import bad_case_loop
from tasks.sample.generate import generate_logs


@pytest.mark.slow
def test_five_percent_corrupt_over_100k(prefect_server, tmp_path):
    landing = tmp_path / "landing"
    gen = generate_logs(landing, 100_000, seed=21, days=3, corrupt_rate=0.05)
    config = LoopConfig(
        landing=str(landing),
        warehouse=str(tmp_path / "wh.duckdb"),
        datasets=str(tmp_path / "ds"),
    )
    first = bad_case_loop(config)
    ing = first.ingest
    # counts reconcile exactly: every record read is inserted, a duplicate, or quarantined
    assert ing.reconciles and ing.records_read == ing.inserted + ing.duplicates + ing.quarantined
    planted = [json.loads(x) for x in (landing / "corruptions.jsonl").read_text().splitlines()]
    con = duckdb.connect(config.warehouse, read_only=True)
    quarantined = con.execute(
        "SELECT source_file, line_no, reason FROM quarantine WHERE line_no IS NOT NULL"
    ).fetchall()
    bad_ids = {p["record_id"] for p in planted if p.get("record_id")}
    con.close()
    found = {(Path(f).relative_to(landing).as_posix(), line, r) for f, line, r in quarantined}
    for p in planted:
        if p.get("line"):
            assert (p["file"], p["line"], p["expected_reason"]) in found, p
    assert gen.corrupted_records >= 0.04 * gen.interactions
    # repair, publish, and check that nothing malformed reached the published set
    _simulate_experts(config.warehouse, landing, tmp_path / "review")
    second = bad_case_loop(config)
    assert second.publish.status == "published" and second.publish.pairs > 0
    data = pq.read_table(Path(second.publish.path) / "data" / "train-00000-of-00001.parquet")
    duplicated = {p["record_id"] for p in planted if p["kind"] == "duplicate_id"}
    published_ids = set(data.column("interaction_id").to_pylist())
    assert not (published_ids & (bad_ids - duplicated)), "a quarantined record was published"
    for row in data.select(["prompt", "chosen", "rejected"]).to_pylist():
        for side in row.values():
            assert side and all(m["role"] and m["content"] for m in side)
