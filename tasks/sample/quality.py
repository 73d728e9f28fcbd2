"""Measure mined bad cases against the sample-log generator's ground truth.

Used by tests and ``make bench`` only: the loop never reads ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tasks.warehouse.db import sql


@dataclass(frozen=True)
class SignalReliability:
    """How often a signal (or judge), when it fires, marks a truly bad answer."""

    signal: str
    fired: int
    reliability: float


@dataclass(frozen=True)
class MiningQuality:
    """Precision and recall of ``bad_cases`` against ground truth."""

    interactions: int
    truly_bad: int
    mined: int
    precision: float
    recall: float
    cluster_purity: float = 0.0  # share of cases whose cluster's main (intent, language) is theirs
    recall_by_category: dict[str, float] = field(default_factory=dict)
    signal_reliability: list[SignalReliability] = field(default_factory=list)


def mining_quality(con: duckdb.DuckDBPyConnection, ground_truth: str | Path) -> MiningQuality:
    """Compare ``bad_cases`` with a ``ground_truth.jsonl`` written by ``generate-logs``."""
    con.execute(sql("load_ground_truth"), {"path": str(ground_truth)})
    interactions, truly_bad, mined, hits = con.execute(sql("evaluate_mining")).fetchone()
    by_category = dict(con.execute(sql("evaluate_recall_by_category")).fetchall())
    reliability = [
        SignalReliability(name, fired, rel)
        for name, fired, rel in con.execute(sql("evaluate_signal_reliability")).fetchall()
    ]
    purity = con.execute(sql("evaluate_cluster_purity")).fetchone()[0]
    return MiningQuality(
        interactions=interactions,
        truly_bad=truly_bad,
        mined=mined,
        precision=hits / mined if mined else 0.0,
        recall=hits / truly_bad if truly_bad else 0.0,
        cluster_purity=purity or 0.0,
        recall_by_category=by_category,
        signal_reliability=reliability,
    )
