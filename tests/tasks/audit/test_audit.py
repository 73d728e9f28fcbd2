"""Audits: a blind stratified sample out, labels in, estimates stored and acted on."""

from __future__ import annotations

import json

from tasks.audit.audit import EvidenceSettings, export_audit, import_audit, signal_trust
from tasks.audit.estimate import estimate
from tasks.ingest.ingest import ingest_logs
from tasks.mine.mine import mine_bad_cases
from tasks.mine.rules import judge_with_rules
from tasks.mine.signals import derive_signals
from tasks.repair.route import route_bad_cases
from tasks.sample.generate import generate_logs
from tasks.sample.quality import mining_quality
from tasks.warehouse.db import connect


def test_the_stratified_estimate_weights_each_stratum_by_its_size():
    # 2 labelled of 100 mined (both bad), 2 labelled of 900 not mined (one bad)
    items = [
        {"stratum": "m", "bad": True},
        {"stratum": "m", "bad": True},
        {"stratum": "n", "bad": True},
        {"stratum": "n", "bad": False},
    ]
    e = estimate(items, {"m": 100, "n": 900}, lambda i: i["bad"], lambda i: True)
    assert abs(e.value - (100 + 450) / 1000) < 1e-9 and e.items == 4
    assert e.low <= e.value <= e.high


def _label(path, out, truth: dict[str, bool]) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for r in rows:
        r.update(
            label="bad" if truth[r["interaction_id"]] else "good",
            reviewer="ann",
            reviewed_at="2026-11-05T10:00:00",
        )
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_export_is_blind_and_import_estimates_per_source(tmp_path):
    landing = tmp_path / "landing"
    generate_logs(landing, 1500, seed=8, days=1)
    con = connect(tmp_path / "wh.duckdb")
    ingest_logs(con, landing, "r1")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    mine_bad_cases(con, "r1")
    quality = mining_quality(con, landing / "ground_truth.jsonl")
    done = export_audit(con, tmp_path / "audit.jsonl", per_stratum=15)
    assert done.items == sum(done.strata.values()) and len(done.strata) >= 4
    assert any(s.startswith("mined:") for s in done.strata)
    assert "not_mined:none" in done.strata
    rows = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert len(rows) == done.items
    for r in rows:  # blind: nothing the miner said
        assert r["kind"] == "audit" and r["reason"] == "audit_sample" and r["signals"] == []
        assert r["case_id"] is None and r["cluster_id"] is None and r["judge_rationale"] is None
        assert not {"stratum", "mined", "sources"} & set(r)
    truth = {
        t["interaction_id"]: t["bad"]
        for t in map(json.loads, (landing / "ground_truth.jsonl").read_text().splitlines())
    }
    _label(tmp_path / "audit.jsonl", tmp_path / "labelled.jsonl", truth)
    imported = import_audit(con, tmp_path / "labelled.jsonl")
    assert imported.review.imported == done.items and imported.audits == [done.audit_id]
    est = {(e["source"], e["metric"]): e for e in imported.estimates}
    precision = est[("*", "precision")]
    assert precision["low"] <= quality.precision + 0.05 and precision["value"] > 0.8
    assert est[("*", "recall")]["value"] > 0.5
    assert ("thumbs_down", "precision") in est and ("rule:truncated", "recall") in est
    stored = con.execute("SELECT count(*) FROM audit_estimates").fetchone()[0]
    assert stored == len(imported.estimates)
    # Re-importing the same file changes nothing.
    again = import_audit(con, tmp_path / "labelled.jsonl")
    assert again.review.imported == 0 and again.estimates == imported.estimates

    # The loop acts on it: a strict bar makes imprecise signals weigh less, deterministically.
    strict = EvidenceSettings(min_precision=0.99, min_labels=5, unreliable_signals=[])
    trust = signal_trust(con, strict)
    low = {
        e["source"]: e["value"]
        for e in imported.estimates
        if e["metric"] == "precision"
        and ":" not in e["source"]
        and e["source"] != "*"
        and e["labels"] >= 5
        and e["value"] < 0.99
    }
    assert trust.factors == {s: round(p / 0.99, 6) for s, p in sorted(low.items())}
    assert trust.unreliable == sorted(low)
    con.execute("DELETE FROM mined_conversations")
    summary = mine_bad_cases(con, "r2", evidence=strict)
    assert summary.weight_factors == trust.factors and summary.latest_audit
    route_bad_cases(con, "r2", evidence=strict)
    con.close()
