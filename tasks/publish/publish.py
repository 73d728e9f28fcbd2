"""Publish: validate a candidate preference set and write it as a versioned dataset.

Layout (DESIGN.md, "Output"), on a local path or ``s3://`` through pyarrow's
filesystems::

    <datasets>/<name>/v0001/
        data/train-00000-of-00001.parquet   DPO: prompt, chosen, rejected + metadata
        kto/train-00000-of-00001.parquet    KTO: prompt, completion, label
        ranking/train.jsonl                 GRPO/ranking: prompt with ranked responses
        validation/                         GX results (JSON) and Data Docs (HTML)
        README.md                           dataset card (Hugging Face YAML header)
        manifest.json                       written last: the commit marker
    <datasets>/<name>/LATEST                the newest valid version
    <datasets>/<name>/quarantine/<id>/      a candidate that failed validation

A version holds the cumulative set (the parent's pairs and the new ones); its
manifest says what was added and removed. Identical content publishes nothing.
Locally a version is written under a temporary name and renamed into place;
on object storage, where there is no rename, ``manifest.json`` is written last
and readers only trust a version that has one.
"""

from __future__ import annotations

import json
import logging
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
from prefect import task
from prefect.cache_policies import NO_CACHE

from expectations.suites import ValidationSettings
from tasks.audit.audit import EvidenceSettings, signal_trust
from tasks.judge.calibration import CalibrationSettings
from tasks.publish.build import MESSAGES, BuildSettings, content_hash, find_contamination
from tasks.publish.compose import ComposeSettings, composition_report
from tasks.publish.cues import answer_text, cue_accuracy
from tasks.publish.redact import PrivacySettings, Redactor, redact_table, redactor
from tasks.publish.store import (
    PublishError,
    Store,
    file_index,
    manifest_head,
    next_version,
    parquet_bytes,
    point_latest,
    render_card,
    results_json,
    validation_summary,
    write_version,
)
from tasks.warehouse.db import connect, create_text_macros, sql, transaction

__all__ = ["PublishError", "Store", "ValidationFailed", "publish_preference_set"]

log = logging.getLogger(__name__)

DATA_FILE = "data/train-00000-of-00001.parquet"
KTO_FILE = "kto/train-00000-of-00001.parquet"
RANKING_FILE = "ranking/train.jsonl"
KTO_SCHEMA = pa.schema([("prompt", MESSAGES), ("completion", MESSAGES), ("label", pa.bool_())])


class ValidationFailed(Exception):
    """The candidate set failed validation: kept in quarantine, not published; the run fails."""


@dataclass(frozen=True)
class PublishSummary:
    """What publishing did: ``published``, ``unchanged``, ``quarantined`` or ``empty``."""

    status: str
    version: str | None = None
    path: str | None = None
    parent: str | None = None
    content_hash: str | None = None
    pairs: int = 0
    kto_rows: int = 0
    added: int = 0
    removed: int = 0
    failures: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)


MESSAGE_COLUMNS = ("prompt", "chosen", "rejected")


@dataclass(frozen=True)
class KtoRows:
    """The KTO rows to publish (prompt, completion, label), per scene how many are desirable
    and undesirable, and per row the evidence it rests on (checked by the suite, not
    published)."""

    table: pa.Table
    by_scene: dict[str, dict[str, int]]
    evidence: list[str]


def _kto_rows(
    con: duckdb.DuckDBPyConnection, build: BuildSettings, privacy, evidence: EvidenceSettings
) -> KtoRows:
    params = {
        "desirable_ratio": build.kto_desirable_ratio,
        "explicit_signals": evidence.explicit_signals,
        "unreliable_signals": signal_trust(con, evidence).unreliable,
    }
    table = con.sql(sql("select_kto_rows"), params=params).to_arrow_table()
    by_scene: dict[str, dict[str, int]] = {}
    for scene, label in zip(
        table.column("scene").to_pylist(), table.column("label").to_pylist(), strict=True
    ):
        counts = by_scene.setdefault(str(scene), {"desirable": 0, "undesirable": 0})
        counts["desirable" if label else "undesirable"] += 1
    return KtoRows(
        _redact_kto(table.drop_columns(["scene", "evidence"]), privacy),
        dict(sorted(by_scene.items())),
        table.column("evidence").to_pylist(),
    )


def _redact_kto(table: pa.Table, privacy) -> pa.Table:
    redact = redactor(privacy)
    if redact is None or table.num_rows == 0:
        return table.cast(
            pa.schema([("prompt", MESSAGES), ("completion", MESSAGES), ("label", pa.bool_())])
        )
    data = table.to_pylist()
    for row in data:
        for key in ("prompt", "completion"):
            row[key] = [{"role": m["role"], "content": redact(m["content"])} for m in row[key]]
    return pa.Table.from_pylist(
        data,
        schema=pa.schema([("prompt", MESSAGES), ("completion", MESSAGES), ("label", pa.bool_())]),
    )


def _ranking_jsonl(pairs: pa.Table) -> bytes:
    lines = []
    for r in pairs.to_pylist():
        responses = [
            {"completion": r["chosen"], "score": 1.0, "rank": 1, "source": r["rewrite_source"]},
            {"completion": r["rejected"], "score": 0.0, "rank": 2, "source": "production"},
        ]
        lines.append(
            json.dumps(
                {"pair_id": r["pair_id"], "prompt": r["prompt"], "responses": responses},
                ensure_ascii=False,
            )
        )
    return ("\n".join(lines) + "\n").encode() if lines else b""


def publish_preference_set(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    datasets: str,
    name: str,
    build: BuildSettings | None = None,
    validation: ValidationSettings | None = None,
    calibration: CalibrationSettings | None = None,
    privacy: PrivacySettings | None = None,
    config_hash: str | None = None,
    compose: ComposeSettings | None = None,
    evidence: EvidenceSettings | None = None,
) -> PublishSummary:
    """Validate the eligible pairs (as composed) as a candidate set and publish it if it
    passes.

    Long because its steps share one publishing lock and the version being written:
    choosing the number, validating, writing and recording must not interleave with
    another writer, and splitting them would only pass those locals around.
    """
    build = build or BuildSettings()
    validation = validation or ValidationSettings()
    calibration = calibration or CalibrationSettings()
    store = Store(datasets)
    create_text_macros(con)
    pairs = con.sql(sql("select_eligible_pairs")).to_arrow_table()
    if pairs.num_rows == 0:
        log.info("publish: no eligible pairs yet, nothing to publish")
        return PublishSummary("empty")
    pairs = pairs.drop_columns(["first_version"])
    rows = _kto_rows(con, build, privacy, evidence or EvidenceSettings())
    kto = rows.table
    digest = content_hash(pairs, kto)
    with store.publishing(name):  # one writer at a time picks and writes a vNNNN
        record_committed(con, store, name)
        interrupted = store.interrupted(name, digest)
        if interrupted:
            # a run died after committing this version but before LATEST: finish its work
            return _finish_interrupted(con, store, name, interrupted, run_id)
        latest = store.latest(name)
        parent = store.manifest(name, latest) if latest else None
        if parent and parent["content_hash"] == digest:
            log.info("publish: content unchanged since %s, nothing new", latest)
            return PublishSummary(
                "unchanged",
                latest,
                store.uri(name, latest),
                latest,
                digest,
                pairs.num_rows,
                kto.num_rows,
            )
        report, files = _validate(con, pairs, kto, rows.evidence, build, validation, calibration)
        if not report.success:  # the quarantined copy leaves the warehouse too: redacted
            files.update(_redacted_files(pairs, kto, privacy))
        version = next_version(store, name, report.success, run_id, digest)
        manifest = _manifest(
            con, name, version, report.success, latest, parent, run_id, digest, pairs, kto
        )
        manifest.update(files=file_index(files), validation=validation_summary(report))
        manifest["lineage"]["config_hash"] = config_hash
        manifest["counts"]["kto_by_scene"] = rows.by_scene
        manifest["composition"] = _composition(con, pairs, compose)
        files["README.md"] = _card(manifest)
        target = write_version(store, name, version, files, manifest, report.success, run_id)
        _record_version(con, name, manifest, target)
    summary = PublishSummary(
        manifest["status"],
        version,
        target,
        latest,
        digest,
        pairs.num_rows,
        kto.num_rows,
        manifest["added"],
        manifest["removed"],
        report.failures,
        _checks(report),
    )
    log.info(
        "publish: %s %s at %s (%d pairs, %d KTO rows)",
        summary.status,
        version,
        target,
        pairs.num_rows,
        kto.num_rows,
    )
    return summary


def _redacted_files(pairs: pa.Table, kto: pa.Table, privacy) -> dict[str, bytes | str]:
    """The data files of a quarantined version, its text redacted even with redaction off."""
    scrub = redactor(privacy) or Redactor()
    return {
        DATA_FILE: parquet_bytes(redact_table(pairs, scrub, MESSAGE_COLUMNS)),
        KTO_FILE: parquet_bytes(redact_table(kto, scrub, ("prompt", "completion"))),
        RANKING_FILE: _ranking_jsonl(redact_table(pairs, scrub, MESSAGE_COLUMNS)),
    }


def _composition(
    con: duckdb.DuckDBPyConnection, pairs: pa.Table, compose: ComposeSettings | None
) -> dict:
    """The version's composition (tasks/publish/compose.py) and its shallow-cue accuracies."""
    chosen, rejected = pairs.column("chosen").to_pylist(), pairs.column("rejected").to_pylist()
    return {
        **composition_report(con, compose),
        "shallow_cues": cue_accuracy(
            (answer_text(c), answer_text(r)) for c, r in zip(chosen, rejected, strict=True)
        ),
    }


def _card(manifest: dict) -> bytes:
    """The dataset card (``cards/preference.md``) of a preference set version."""
    return render_card(
        "preference",
        manifest,
        data_file=DATA_FILE,
        kto_file=KTO_FILE,
        parent=manifest["parent"] or "the first version",
        scenes=", ".join(f"{k} {v}" for k, v in manifest["scenes"].items()),
        sources=", ".join(f"{k} {v}" for k, v in manifest["sources"].items()),
        composition=composition_lines(manifest.get("composition")),
    )


def composition_lines(composition: dict | None) -> str:
    """The composition of a version as markdown list lines (card and ``datasets show``)."""
    if not composition:
        return "- not recorded (a version published before composition)"

    def counts(values: dict) -> str:
        return ", ".join(f"{k} {n}" for k, n in values.items()) or "none"

    cues = composition["shallow_cues"]
    return "\n".join(
        [
            f"- scenes: {counts(composition['scenes'])}",
            f"- failure categories: {counts(composition['categories'])}",
            f"- clusters: {composition['clusters']}",
            f"- difficulty: {counts(composition['difficulty'])}",
            f"- chosen/rejected length ratio: {counts(composition['length_ratio'])}",
            "- shallow cues (accuracy of picking the chosen answer by the cue alone; 0.5 is "
            f"none): longer answer chosen {cues['longer']:.2f}, markdown list "
            f"{cues['markdown_list']:.2f}, politeness {cues['politeness']:.2f}",
            f"- left out for the next version: {counts(composition['left_out'])}",
        ]
    )


def _validate(
    con: duckdb.DuckDBPyConnection,
    pairs: pa.Table,
    kto: pa.Table,
    kto_evidence: list[str],
    build: BuildSettings,
    validation: ValidationSettings,
    calibration: CalibrationSettings,
):
    """Run the preference-set suites; returns the report and the version's files.

    The files are the data, KTO and ranking files and the validation results with
    their Data Docs pages.
    """
    from expectations.suites import validate_preference_set

    contaminated = find_contamination(con, build)
    contaminated |= {r[0] for r in con.execute(sql("select_heldout_copies")).fetchall()}
    checked = pairs.append_column(
        "contaminated", pa.array([p in contaminated for p in pairs.column("pair_id").to_pylist()])
    )
    kappas = [
        {"judge": j, "kappa": k}
        for j, k in con.execute(
            sql("select_judge_kappas"), {"min_labels": calibration.min_labels}
        ).fetchall()
    ]
    with tempfile.TemporaryDirectory(prefix="badcase-docs-") as docs:
        report = validate_preference_set(
            checked, kto, kappas, validation, Path(docs) / "docs", kto_evidence
        )
        files = {
            DATA_FILE: parquet_bytes(pairs),
            KTO_FILE: parquet_bytes(kto),
            RANKING_FILE: _ranking_jsonl(pairs),
            "validation/results.json": results_json(report),
        }
        for path in sorted((Path(docs) / "docs").rglob("*")):
            if path.is_file():
                files["validation/" + str(path.relative_to(docs))] = path.read_bytes()
    return report, files


def _manifest(
    con: duckdb.DuckDBPyConnection,
    name: str,
    version: str,
    valid: bool,
    latest: str | None,
    parent: dict | None,
    run_id: str,
    digest: str,
    pairs: pa.Table,
    kto: pa.Table,
) -> dict:
    """A version's manifest: counts, what changed since the parent, files, schema, lineage.

    The caller fills in ``files``, ``validation`` and the lineage's ``config_hash``.
    """
    ids = set(pairs.column("pair_id").to_pylist())
    parent_ids = set(parent.get("pair_ids", [])) if parent else set()
    added, removed = sorted(ids - parent_ids), sorted(parent_ids - ids)
    desirable = sum(kto.column("label").to_pylist())
    lineage = con.execute(sql("select_lineage")).fetchone()
    return {
        **manifest_head(name, version, valid, latest, run_id, digest),
        "counts": {
            "pairs": pairs.num_rows,
            "kto": kto.num_rows,
            "kto_desirable": desirable,
            "kto_undesirable": kto.num_rows - desirable,
        },
        "added": len(added),
        "removed": len(removed),
        "added_pair_ids": added,
        "removed_pair_ids": removed,
        "pair_ids": sorted(ids),
        "scenes": _counts(pairs, "scene"),
        "sources": _counts(pairs, "rewrite_source"),
        "files": {},  # filled in once the files are known
        "schema": {"data": _schema(pairs), "kto": _schema(kto)},
        "lineage": {
            "input_files": lineage[0] or [],
            "judges": lineage[1] or [],
            "rewriters": lineage[2] or [],
            "rule_versions": lineage[3] or [],
            "config_hash": None,
        },
    }


def _record_version(con: duckdb.DuckDBPyConnection, name: str, manifest: dict, path: str) -> None:
    """Record a written version in ``published_versions`` (and mark its new pairs)."""
    version = manifest["version"]
    with transaction(con):
        con.execute(
            sql("insert_published_version"),
            {
                "dataset": name,
                "version": version,
                "status": manifest["status"],
                "path": path,
                "parent": manifest["parent"],
                "content_hash": manifest["content_hash"],
                "pairs": manifest["counts"]["pairs"],
                "kto_rows": manifest["counts"]["kto"],
                "added": manifest["added"],
                "removed": manifest["removed"],
                "validation": json.dumps(manifest["validation"]),
                "run_id": manifest["run_id"],
                "now": datetime.now(UTC),
            },
        )
        if manifest["status"] == "published":
            con.execute(sql("update_pairs_first_version"), {"version": version})


def _checks(report) -> list[dict]:
    """One row per expectation, for the validation table artifact."""
    return [
        {
            "suite": r["suite"],
            "expectation": r["expectation"],
            "column": r["column"],
            "success": r["success"],
            "observed": str(r["observed"] if r["observed"] is not None else r["unexpected_count"]),
        }
        for r in report.results
    ]


def _counts(table: pa.Table, column: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in table.column(column).to_pylist():
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


def _schema(table: pa.Table) -> dict[str, str]:
    return {f.name: str(f.type) for f in table.schema}


def record_committed(con: duckdb.DuckDBPyConnection, store: Store, name: str) -> list[str]:
    """Record the versions this warehouse's runs committed but never recorded.

    A run killed between writing a version and recording it leaves a version that
    nothing announces: the next run records it here (and the announce step then
    emits its event). Only versions newer than the newest recorded one, written by a
    run of this warehouse (its ``run_id`` is in ``runs``), are taken.
    """
    rows = con.execute(sql("select_recorded_versions"), {"dataset": name}).fetchall()
    recorded = {r[0] for r in rows}
    newest = max((int(v[1:]) for v in recorded), default=0)
    done = []
    for version in store.versions(name):
        if int(version[1:]) <= newest or version in recorded:
            continue
        manifest = store.manifest(name, version) or {}
        ours = con.execute(sql("count_run"), {"run_id": manifest.get("run_id")}).fetchone()[0]
        if manifest.get("status") == "published" and ours:
            _record_version(con, name, manifest, store.uri(name, version))
            done.append(version)
            log.info("publish: recorded %s, which an interrupted run had committed", version)
    return done


def _finish_interrupted(
    con: duckdb.DuckDBPyConnection, store: Store, name: str, manifest: dict, run_id: str
) -> PublishSummary:
    """Point LATEST at a version a killed run committed, and record it as published."""
    version = manifest["version"]
    try:
        point_latest(store, name, version, run_id)
    except OSError as exc:
        raise PublishError(f"cannot write {store.uri(name, 'LATEST')}: {exc}") from exc
    target = store.uri(name, version)
    counts = manifest["counts"]
    with transaction(con):
        recorded = con.execute(
            sql("count_published_version"), {"dataset": name, "version": version}
        ).fetchone()[0]
        if not recorded:
            con.execute(
                sql("insert_published_version"),
                {
                    "dataset": name,
                    "version": version,
                    "status": "published",
                    "path": target,
                    "parent": manifest["parent"],
                    "content_hash": manifest["content_hash"],
                    "pairs": counts["pairs"],
                    "kto_rows": counts["kto"],
                    "added": manifest["added"],
                    "removed": manifest["removed"],
                    "validation": json.dumps(manifest["validation"]),
                    "run_id": run_id,
                    "now": datetime.now(UTC),
                },
            )
        con.execute(sql("update_pairs_first_version"), {"version": version})
    log.info("publish: finished %s, which an interrupted run had written", version)
    return PublishSummary(
        "published",
        version,
        target,
        manifest["parent"],
        manifest["content_hash"],
        counts["pairs"],
        counts["kto"],
        manifest["added"],
        manifest["removed"],
    )


def list_versions(store: Store, name: str) -> list[dict]:
    """One row per committed version (oldest first), and quarantined candidates."""
    latest = store.latest(name)
    rows = []
    for version in store.versions(name):
        m = store.manifest(name, version) or {}
        rows.append(_row(m, version == latest, store.uri(name, version)))
    selector = pafs.FileSelector(store.path(name, "quarantine"), allow_not_found=True)
    for info in store.fs.get_file_info(selector):
        data = store.read(f"{info.path}/manifest.json")
        if info.type == pafs.FileType.Directory and data:
            rows.append(
                _row(json.loads(data), False, store.uri(name, "quarantine", info.base_name))
            )
    return rows


def _row(m: dict, latest: bool, path: str) -> dict:
    return {
        "version": m.get("version"),
        "status": m.get("status"),
        "latest": latest,
        "created_at": m.get("created_at"),
        "pairs": m.get("counts", {}).get("pairs"),
        "kto_rows": m.get("counts", {}).get("kto"),
        "added": m.get("added"),
        "removed": m.get("removed"),
        "parent": m.get("parent"),
        "content_hash": m.get("content_hash"),
        "validation": "passed" if m.get("validation", {}).get("success") else "failed",
        "path": path,
    }


def read_manifest(store: Store, name: str, version: str) -> dict:
    """The manifest of ``version`` (``latest`` for LATEST).

    Raises:
        PublishError: No such version.
    """
    if version == "latest":
        version = store.latest(name) or ""
    manifest = store.manifest(name, version) if version else None
    if manifest is None:
        known = ", ".join(store.versions(name)) or "none"
        raise PublishError(f"no version {version or 'latest'} of {name} (published: {known})")
    return manifest


def diff_versions(a: dict, b: dict) -> dict:
    """What changed from manifest ``a`` to manifest ``b``."""
    ids_a, ids_b = set(a.get("pair_ids", [])), set(b.get("pair_ids", []))
    scenes = sorted(set(a.get("scenes", {})) | set(b.get("scenes", {})))
    return {
        "from": a["version"],
        "to": b["version"],
        "pairs": [a["counts"]["pairs"], b["counts"]["pairs"]],
        "kto_rows": [a["counts"]["kto"], b["counts"]["kto"]],
        "added": sorted(ids_b - ids_a),
        "removed": sorted(ids_a - ids_b),
        "scenes": {s: [a["scenes"].get(s, 0), b["scenes"].get(s, 0)] for s in scenes},
        "same_content": a["content_hash"] == b["content_hash"],
    }


@task(name="publish-preference-set", cache_policy=NO_CACHE)
def publish_preference_set_task(
    warehouse: str,
    run_id: str,
    datasets: str,
    name: str,
    build: BuildSettings,
    validation: ValidationSettings,
    calibration: CalibrationSettings,
    privacy: PrivacySettings,
    config_hash: str | None = None,
    compose: ComposeSettings | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    evidence: EvidenceSettings | None = None,
) -> PublishSummary:
    """Prefect task: open the warehouse and run :func:`publish_preference_set`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return publish_preference_set(
            con,
            run_id,
            datasets,
            name,
            build,
            validation,
            calibration,
            privacy,
            config_hash,
            compose,
            evidence,
        )


def summary_dict(summary: PublishSummary) -> dict:
    """The summary as plain data (for events and artifacts)."""
    return asdict(summary)
