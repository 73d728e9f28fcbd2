"""Mine: score interactions, keep the bad ones, group them into structural clusters.

"High error frequency, high user cost, clear deviation": each interaction gets a
user cost (weighted signals, positives subtract) and a deviation (judge
evidence); their noisy-or is its badness. Bad cases are grouped by what was
asked (scene + similar request text, MinHash-LSH over character bigrams, so
Chinese and English both work), and ranked by cluster frequency x user cost x
deviation.
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasks.audit.audit import EvidenceSettings, latest_audit, signal_trust
from tasks.judge.calibration import CalibrationSettings, judge_agreement, untrusted_judges
from tasks.mine.signals import SIGNALS, SignalSettings, select_scope
from tasks.warehouse.db import arrow_view, connect, fetch_dicts, sql, transaction

log = logging.getLogger(__name__)

# How much one full-strength signal says "the user was unhappy" (negative) or
# "the user was served" (positive, subtracted). One strong signal alone makes a
# case; weak ones need company. Tuned on generated logs across seeds and sizes
# (benchmarks/mining.py prints the resulting precision and recall).
DEFAULT_SIGNAL_WEIGHTS = {
    "thumbs_down": 1.0,
    "escalation": 1.0,
    "correction": 1.0,
    "low_rating": 1.0,
    "regenerate": 0.8,
    "retry": 0.8,
    "edit": 1.0,
    "negative_comment": 0.8,
    "rephrase": 0.7,
    # weak: a requirement added on top of the same ask (measured on real conversations,
    # benchmarks/data/: mostly served answers being taken further)
    "refinement": 0.2,
    # weak, and only beside other trouble (create_case_scores.sql): most conversations
    # of a chat product simply end
    "abandonment": 0.3,
    "thumbs_up": 1.0,
    "high_rating": 1.0,
    "copy": 0.6,
    "thanks": 0.8,
    "continuation": 0.3,
}


class MiningSettings(BaseModel):
    """Scoring weights and thresholds of bad-case mining."""

    model_config = ConfigDict(extra="forbid")

    signal_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_SIGNAL_WEIGHTS),
        description="Weights by signal; the ones given replace the defaults, the rest keep theirs.",
    )
    badness_threshold: float = Field(0.5, ge=0, le=1, description="Cases at or above are bad.")
    near_miss_min_cost: float = Field(
        0.7, ge=0, description="User cost that marks a rule-clean answer as a near miss."
    )
    near_miss_min_chars: int = Field(80, ge=0, description="Near misses are full answers.")
    complaint_cost: float = Field(
        0.5, ge=0, description="User cost at which an interaction counts as a complaint."
    )
    min_family_size: int = Field(
        5, ge=1, description="Users who got the same answer before its complaint rate counts."
    )
    family_prior: float = Field(
        5.0, ge=0, description="Pseudo-count pulling a family's rate towards the overall rate."
    )
    family_rate_low: float = Field(
        0.2, ge=0, le=1, description="Complaint rate at or below which an answer is accepted."
    )
    family_rate_high: float = Field(
        0.45, ge=0, le=1, description="Complaint rate at or above which an answer is bad for all."
    )
    accepted_answer_trust: float = Field(
        0.35, ge=0, le=1, description="Weight of one user's complaint about an accepted answer."
    )
    # 20 bands of 5 rows: texts with bigram Jaccard >= ~0.55 collide (1/20)^(1/5);
    # looser bands chain different requests of one scene into one cluster.
    lsh_bands: int = Field(20, gt=0, description="MinHash-LSH bands.")
    lsh_rows: int = Field(5, gt=0, description="MinHash rows per band.")
    priority_floor: float = Field(
        0.25, ge=0, description="Added to mean user cost and deviation in the priority."
    )

    @field_validator("signal_weights")
    @classmethod
    def _merge_weights(cls, given: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(given) - set(SIGNALS))
        if unknown:
            raise ValueError(f"unknown signals {unknown}; known: {', '.join(SIGNALS)}")
        if any(w < 0 for w in given.values()):
            raise ValueError("signal weights must be >= 0 (positive signals subtract by polarity)")
        return {**DEFAULT_SIGNAL_WEIGHTS, **given}


@dataclass(frozen=True)
class MiningSummary:
    """What one mining run kept."""

    conversations: int = 0
    interactions: int = 0
    bad_cases: int = 0
    near_misses: int = 0
    clusters: int = 0
    top_clusters: list[dict] = field(default_factory=list)
    untrusted_judges: list[str] = field(default_factory=list)
    judge_agreement: list[dict] = field(default_factory=list)
    signal_reliability: list[dict] = field(default_factory=list)
    cleared_by_judge: int = 0  # would be bad cases; a trusted LLM judge found them fine
    disputed: int = 0  # the same, against the user's explicit feedback: queued for people
    weight_factors: dict[str, float] = field(default_factory=dict)  # from the latest audit
    latest_audit: list[dict] = field(default_factory=list)  # its estimates (audit_estimates)


def score_cases(
    con: duckdb.DuckDBPyConnection,
    settings: MiningSettings,
    signal_settings: SignalSettings,
    untrusted: list[str] | None = None,
    evidence: EvidenceSettings | None = None,
    keep_costs: bool = False,
) -> None:
    """Fill temp table ``case_scores``: user cost, deviation, family evidence and badness
    of every interaction in ``mine_scope`` (see ``tasks/mine/sql/create_case_scores.sql``).

    User costs are computed for the interactions being mined and for those whose kept
    cost is missing or was computed with other weights (``create_interaction_costs.sql``);
    answer families count the kept costs of every other interaction.

    Args:
        untrusted: LLM judge keys that may not be sole evidence
            (:func:`tasks.judge.calibration.untrusted_judges`).
        evidence: Which signals are explicit feedback (they dispute a trusted judge's good
            verdict instead of being cleared by it) and whether a trusted judge clears at all.
        keep_costs: Keep the costs just computed in ``interaction_turns`` (mining does;
            a stage that only looks does not).
    """
    evidence = evidence or EvidenceSettings()
    weights = [{"signal": k, "weight": v} for k, v in sorted(settings.signal_weights.items())]
    cost_key = hashlib.sha256(
        (json.dumps(weights) + sql("create_interaction_costs")).encode()
    ).hexdigest()[:16]
    costs = {"signal_weights": weights, "cost_key": cost_key}
    con.execute(sql("create_interaction_costs"), costs)
    if keep_costs:
        con.execute(sql("update_interaction_costs"), {"cost_key": cost_key})
    con.execute(
        sql("create_case_scores"),
        {
            "correction_prefixes": [p.lower() for p in signal_settings.correction_prefixes],
            "complaint_cost": settings.complaint_cost,
            "min_family_size": settings.min_family_size,
            "family_prior": settings.family_prior,
            "family_rate_low": settings.family_rate_low,
            "family_rate_high": settings.family_rate_high,
            "accepted_answer_trust": settings.accepted_answer_trust,
            "untrusted_llm": untrusted or [],
            "explicit_signals": evidence.explicit_signals,
            "judge_clears": evidence.judge_clears,
        },
    )


def mine_bad_cases(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: MiningSettings | None = None,
    signal_settings: SignalSettings | None = None,
    calibration: CalibrationSettings | None = None,
    top: int = 10,
    evidence: EvidenceSettings | None = None,
) -> MiningSummary:
    """Score the changed conversations, refresh ``bad_cases`` and their clusters.

    Signals and judgments (rules, and LLM judges if any) of the same
    conversations must be derived first. LLM judges that people disagree with
    (``judge_agreement``) count only beside other evidence; a trusted one's good verdict
    clears, or disputes (see ``create_case_scores.sql``). Signals the latest audit found
    imprecise are down-weighted (:func:`tasks.audit.audit.signal_trust`).
    """
    settings = settings or MiningSettings()
    signal_settings = signal_settings or SignalSettings()
    evidence = evidence or EvidenceSettings()
    conversations, _ = select_scope(con, signal_settings.abandon_after_s, run_id, reuse=True)
    untrusted = untrusted_judges(con, calibration)
    factors = signal_trust(con, evidence).factors
    if factors:  # signals the latest audit found imprecise weigh less (tasks/audit/audit.py)
        weights = {k: round(w * factors.get(k, 1.0), 6) for k, w in settings.signal_weights.items()}
        settings = settings.model_copy(update={"signal_weights": weights})
    with transaction(con):
        score_cases(con, settings, signal_settings, untrusted, evidence, keep_costs=True)
        con.execute(sql("delete_scope_rows", table="bad_cases"))
        con.execute(
            sql("insert_bad_cases"),
            {
                "run_id": run_id,
                "badness_threshold": settings.badness_threshold,
                "near_miss_min_cost": settings.near_miss_min_cost,
                "near_miss_min_chars": settings.near_miss_min_chars,
            },
        )
        now = datetime.now(UTC)
        threshold = {"badness_threshold": settings.badness_threshold}
        con.execute(sql("queue_disputed_cases"), {**threshold, "run_id": run_id, "now": now})
        cleared, disputed = con.execute(sql("count_scope_disputes"), threshold).fetchone()
        clusters = _cluster(con, settings)
        con.execute(sql("update_case_priority"), {"floor": settings.priority_floor})
        con.execute(sql("delete_scope_rows", table="mined_conversations"))
        con.execute(sql("insert_mined_conversations"), {"run_id": run_id})
        interactions = con.execute(sql("count_scope_interactions")).fetchone()[0]
        new_cases, near_misses = con.execute(sql("count_scope_cases")).fetchone()
    top_clusters = top_bad_case_clusters(con, top)
    summary = MiningSummary(
        conversations,
        interactions,
        new_cases,
        near_misses or 0,
        clusters,
        top_clusters,
        untrusted,
        [asdict(a) for a in judge_agreement(con)],
        fetch_dicts(con.execute(sql("select_signal_reliability"))),
        cleared_by_judge=cleared or 0,
        disputed=disputed or 0,
        weight_factors=factors,
        latest_audit=latest_audit(con),
    )
    log.info(
        "mining: %d bad cases (%d near misses) among %d interactions; %d clusters; "
        "%d cleared by a trusted judge, %d disputed (queued for people)",
        new_cases,
        summary.near_misses,
        interactions,
        clusters,
        summary.cleared_by_judge,
        summary.disputed,
    )
    return summary


def _cluster(con: duckdb.DuckDBPyConnection, settings: MiningSettings) -> int:
    """Assign every bad case a cluster: connected components of LSH bucket collisions.

    Kept, not recomputed: a cluster is named by its smallest (scene, text), a fact of the
    graph alone, so a night clusters only new nodes, the nodes of clusters that lost one,
    and the kept clusters those touch, each as one unit (``create_cluster_scope.sql``);
    every other cluster keeps its id. The result is what clustering every bad case again
    would give.
    """
    lsh = {"bands": settings.lsh_bands, "rows": settings.lsh_rows}
    con.execute(sql("delete_stale_case_texts"))
    con.execute(sql("insert_case_texts"))
    con.execute(sql("reset_request_clusters"), lsh)
    con.execute(sql("delete_stale_request_bands"), lsh)
    con.execute(sql("insert_request_bands"), lsh)
    con.execute(sql("create_cluster_scope"))
    con.execute(sql("delete_removed_request_bands"))
    # units are numbered in (scene, text) order: the smallest number names a cluster
    (n,) = con.execute(sql("count_cluster_units")).fetchone()
    parent = list(range(n + 1))

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for (members,) in con.execute(sql("select_band_collisions")).fetchall():
        first = find(members[0])
        for other in members[1:]:
            root = find(other)
            if root != first:
                # the smaller unit names the component, so ids do not depend on order
                keep, drop = min(first, root), max(first, root)
                parent[drop] = keep
                first = keep
    nodes = list(range(1, n + 1))
    roots = [find(node) for node in nodes]
    mapping = pa.table({"node": pa.array(nodes, pa.int64()), "root": pa.array(roots, pa.int64())})
    with arrow_view(con, "cluster_map_arrow", mapping):
        con.execute(sql("create_cluster_map"))
    con.execute(sql("update_request_clusters"))
    con.execute(sql("update_case_clusters"))
    return con.execute(sql("count_clusters")).fetchone()[0]


def top_bad_case_clusters(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict]:
    """The highest-priority clusters: scene, size, example request, dominant signals."""
    return fetch_dicts(con.execute(sql("select_top_clusters"), {"limit": limit}))


@task(name="mine-bad-cases", cache_policy=NO_CACHE)
def mine_bad_cases_task(
    warehouse: str,
    run_id: str,
    settings: MiningSettings,
    signal_settings: SignalSettings,
    calibration: CalibrationSettings | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    evidence: EvidenceSettings | None = None,
) -> MiningSummary:
    """Prefect task: open the warehouse and run :func:`mine_bad_cases`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return mine_bad_cases(
            con, run_id, settings, signal_settings, calibration, evidence=evidence
        )
