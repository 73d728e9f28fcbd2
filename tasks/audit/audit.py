"""Audit: measure mining on your own traffic, and let the measurement steer it.

``export_audit`` draws a blind stratified sample: every interaction falls in one stratum,
mined or not mined by the rarest source that fired on it (a negative signal, a rule's or
an LLM judge's bad verdict), or ``not_mined:none``; up to ``per_stratum`` items are drawn
from each. The items go to the review queue as kind ``audit`` and are exported in its
format with nothing the miner said (no signals, no verdicts, the same reason for all).
``import_audit`` reads the labels back (:func:`tasks.repair.review.import_review`) and
stores stratified precision / recall estimates with 95% intervals
(:mod:`tasks.audit.estimate`) per signal, rule and judge in ``audit_estimates``.

The loop reads the latest audit (:func:`signal_trust`): a negative signal measured on at
least ``min_labels`` labels with precision below ``min_precision`` is down-weighted,
``weight x precision / min_precision``, and counts as unreliable evidence (no KTO
negative rests on it alone); a signal measured at or above it is reliable whatever the
default list says. Without an audit the configured ``unreliable_signals`` apply.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasks.audit.estimate import Estimate, estimate
from tasks.mine.signals import SIGNALS
from tasks.repair.review import ExportSummary, ImportSummary, export_review, import_review
from tasks.warehouse.db import arrow_view, fetch_dicts, sql, transaction

log = logging.getLogger(__name__)

# The user says in so many words that the answer is bad: where a trusted LLM judge finds
# it fine, the case is disputed and goes to people rather than being cleared.
EXPLICIT_SIGNALS = (
    "thumbs_down",
    "low_rating",
    "correction",
    "edit",
    "negative_comment",
    "escalation",
)
# Measured on real conversations (benchmarks/data/, BENCHMARKS.md): when these fire, the
# answer is bad less often than not. Corrections, thumbs, ratings and rules hold up.
UNRELIABLE_SIGNALS = ("rephrase", "refinement", "abandonment")


class EvidenceSettings(BaseModel):
    """Which evidence is solid enough to train on, and how audits steer it."""

    model_config = ConfigDict(extra="forbid")

    explicit_signals: list[str] = Field(
        default_factory=lambda: list(EXPLICIT_SIGNALS),
        description="Explicit negative feedback: where a trusted LLM judge finds the answer "
        "good or acceptable, the case is disputed (queued for people, not mined) instead of "
        "cleared.",
    )
    judge_clears: bool = Field(
        True,
        description="A trusted LLM judge's good or acceptable verdict clears badness resting "
        "on implicit signals and rules (disputed instead where explicit feedback says bad). "
        "Off: the judge only adds evidence.",
    )
    unreliable_signals: list[str] = Field(
        default_factory=lambda: list(UNRELIABLE_SIGNALS),
        description="Negative signals too unreliable for a KTO negative to rest on alone "
        "(measured on real conversations); an audit with enough labels overrides this per "
        "signal.",
    )
    min_precision: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Audit precision below which a signal is unreliable and its weight is "
        "scaled by precision / min_precision.",
    )
    min_labels: int = Field(
        20, ge=1, description="Labelled items a signal needs in an audit before it is acted on."
    )
    down_weight: bool = Field(
        True, description="Scale down the weights of signals the latest audit found imprecise."
    )
    audit_per_stratum: int = Field(
        20, ge=1, description="Items `badcase-loop audit export` draws per stratum."
    )
    audit_seed: int = Field(0, description="Seed of the audit sample.")

    @field_validator("explicit_signals", "unreliable_signals")
    @classmethod
    def _known_signals(cls, given: list[str]) -> list[str]:
        unknown = sorted(set(given) - set(SIGNALS))
        if unknown:
            raise ValueError(f"unknown signals {unknown}; known: {', '.join(SIGNALS)}")
        return given


@dataclass(frozen=True)
class AuditExport:
    """What ``audit export`` drew and wrote."""

    audit_id: str
    items: int
    strata: dict[str, int]
    export: ExportSummary


@dataclass(frozen=True)
class AuditImport:
    """What ``audit import`` read, and the estimates it stored."""

    review: ImportSummary
    audits: list[str] = field(default_factory=list)
    estimates: list[dict] = field(default_factory=list)


def export_audit(
    con: duckdb.DuckDBPyConnection,
    out: str | Path,
    settings: EvidenceSettings | None = None,
    per_stratum: int | None = None,
) -> AuditExport:
    """Draw a blind stratified sample, queue it (kind ``audit``) and export the pending
    audit items in the review-queue format."""
    settings = settings or EvidenceSettings()
    n = per_stratum or settings.audit_per_stratum
    now = datetime.now(UTC)
    audit_id = (
        "au-"
        + hashlib.md5(f"{now.isoformat()}|{n}|{settings.audit_seed}".encode()).hexdigest()[:12]
    )
    params = {"audit_id": audit_id, "per_stratum": n, "seed": settings.audit_seed, "now": now}
    with transaction(con):
        con.execute(sql("create_audit_population"))
        con.execute(
            sql("insert_audit_items"), {k: params[k] for k in ("audit_id", "per_stratum", "seed")}
        )
        con.execute(sql("insert_audit"), params)
        con.execute(sql("queue_audit_items"), {"audit_id": audit_id, "now": now})
    strata = dict(con.execute(sql("count_audit_strata"), {"audit_id": audit_id}).fetchall())
    exported = export_review(con, out, ("audit",))
    log.info("audit %s: %d items from %d strata", audit_id, sum(strata.values()), len(strata))
    return AuditExport(audit_id, sum(strata.values()), strata, exported)


def import_audit(con: duckdb.DuckDBPyConnection, path: str | Path) -> AuditImport:
    """Import labelled audit items (all or nothing), then estimate every labelled audit."""
    review = import_review(con, path)
    labelled = con.execute(sql("select_labelled_audits")).fetchall()
    for audit_id, strata in labelled:
        store_estimates(con, audit_id, estimate_audit(con, audit_id, json.loads(strata)))
    audits = [audit_id for audit_id, _ in labelled]
    return AuditImport(review, audits, latest_audit(con))


def estimate_audit(
    con: duckdb.DuckDBPyConnection, audit_id: str, strata: dict[str, int]
) -> list[dict]:
    """Precision and recall of the miner, and of each source, from one audit's labels.

    Per source: precision is the share of bad answers among those it fired on; recall the
    share of bad answers it fired on. The miner (``*``): precision and recall of the
    mined set, and the bad rate of all traffic.
    """
    items = fetch_dicts(con.execute(sql("select_audit_labels"), {"audit_id": audit_id}))
    rows = [
        _row("*", "precision", estimate(items, strata, _bad_and(_mined), _mined)),
        _row("*", "recall", estimate(items, strata, _bad_and(_mined), _bad)),
        _row("*", "bad_rate", estimate(items, strata, _bad, lambda i: True)),
    ]
    for source in sorted({s for i in items for s in i["sources"]}):
        fired = _fires(source)
        rows.append(_row(source, "precision", estimate(items, strata, _bad_and(fired), fired)))
        rows.append(_row(source, "recall", estimate(items, strata, _bad_and(fired), _bad)))
    return rows


def _mined(i: dict) -> bool:
    return i["mined"]


def _bad(i: dict) -> bool:
    return i["bad"]


def _fires(source: str):
    return lambda i: source in i["sources"]


def _bad_and(pred):
    return lambda i: i["bad"] and pred(i)


def _row(source: str, metric: str, e: Estimate) -> dict:
    return {
        "source": source,
        "metric": metric,
        "value": e.value,
        "low": e.low,
        "high": e.high,
        "labels": e.items,
    }


_ESTIMATES = pa.schema(
    [
        ("source", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("low", pa.float64()),
        ("high", pa.float64()),
        ("labels", pa.int64()),
    ]
)


def store_estimates(con: duckdb.DuckDBPyConnection, audit_id: str, rows: list[dict]) -> None:
    """Replace one audit's stored estimates."""
    with arrow_view(con, "audit_estimates_arrow", rows, _ESTIMATES), transaction(con):
        con.execute(sql("delete_audit_estimates"), {"audit_id": audit_id})
        con.execute(sql("insert_audit_estimates"), {"audit_id": audit_id, "now": datetime.now(UTC)})


def latest_audit(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The estimates of the most recently estimated audit (empty without one)."""
    return fetch_dicts(con.execute(sql("select_latest_audit")))


@dataclass(frozen=True)
class SignalTrust:
    """What the latest audit (or, without one, the configured list) says about signals."""

    factors: dict[str, float] = field(default_factory=dict)  # weight multipliers < 1
    unreliable: list[str] = field(default_factory=list)


def signal_trust(
    con: duckdb.DuckDBPyConnection, settings: EvidenceSettings | None = None
) -> SignalTrust:
    """Down-weights and the unreliable signals, from the latest audit and the settings.

    Deterministic: a signal with at least ``min_labels`` labels in the latest audit and
    precision ``p < min_precision`` gets weight factor ``p / min_precision`` and is
    unreliable; one measured at or above ``min_precision`` is reliable; the rest keep
    the configured ``unreliable_signals``.
    """
    settings = settings or EvidenceSettings()
    measured = {
        r["source"]: r["value"]
        for r in latest_audit(con)
        if r["metric"] == "precision"
        and r["source"] != "*"
        and r["value"] is not None
        and r["labels"] >= settings.min_labels
        and ":" not in r["source"]  # signals only; rules and judges are not weighted
    }
    low = {s: p for s, p in measured.items() if p < settings.min_precision}
    factors = (
        {s: round(p / settings.min_precision, 6) for s, p in low.items()}
        if settings.down_weight and settings.min_precision > 0
        else {}
    )
    unreliable = sorted(set(low) | {s for s in settings.unreliable_signals if s not in measured})
    return SignalTrust(dict(sorted(factors.items())), unreliable)
