"""Versioned sets besides the preference set: regression evals and RL prompts.

They are published exactly like the preference set (``tasks/publish/publish.py``): a
version is written under a temporary name and appears with its manifest (the
commit marker), ``LATEST`` names the newest valid one, identical content is never
published twice, and a set that fails validation is kept under ``quarantine/``
with its report. ``published_sets`` records every outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from expectations.suites import ValidationReport
from tasks.publish.build import content_hash
from tasks.publish.redact import Redactor, redact_table
from tasks.publish.store import (
    Store,
    file_index,
    manifest_head,
    next_version,
    parquet_bytes,
    point_latest,
    results_json,
    validation_summary,
    write_version,
)
from tasks.warehouse.db import sql, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetSummary:
    """What publishing one set did."""

    status: str = "empty"  # published | unchanged | quarantined | empty
    version: str | None = None
    path: str | None = None
    parent: str | None = None
    content_hash: str | None = None
    rows: int = 0
    failures: list[str] = field(default_factory=list)


def publish_set(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    root: str,
    name: str,
    data_file: str,
    table: pa.Table,
    validate: Callable[[pa.Table], ValidationReport],
    card: Callable[[dict], bytes],
    run_id: str,
    extra: dict | None = None,
) -> SetSummary:
    """Validate ``table`` and publish it as ``<root>/<name>/vNNNN/<data_file>``.

    Args:
        con: The warehouse (``published_sets`` gets a row per outcome).
        kind: ``evalset`` or ``rlset``.
        root: The sets' root (local path or ``s3://``).
        name: The set's name.
        data_file: Path of the Parquet file inside a version.
        table: The rows.
        validate: Runs the set's Great Expectations suite.
        card: Renders the dataset card (``README.md``) from the manifest.
        run_id: The run publishing it.
        extra: More manifest fields (counts per cluster, settings, ...).
    """
    if table.num_rows == 0:
        log.info("%s %s: no rows yet, nothing to publish", kind, name)
        return SetSummary()
    store = Store(root)
    digest = content_hash(table)
    with store.publishing(name):  # one writer at a time picks and writes a vNNNN
        interrupted = store.interrupted(name, digest)
        if interrupted:
            point_latest(store, name, interrupted["version"], run_id)  # a killed run's last step
        latest = store.latest(name)
        parent = store.manifest(name, latest) if latest else None
        if parent and parent["content_hash"] == digest:
            return SetSummary(
                "unchanged", latest, store.uri(name, latest), latest, digest, table.num_rows
            )
        report = validate(table)
        version = next_version(store, name, report.success, run_id, digest)
        # A quarantined copy leaves the warehouse too: its text is redacted.
        stored = table if report.success else redact_table(table, Redactor())
        files = {data_file: parquet_bytes(stored), "validation/results.json": results_json(report)}
        manifest = {
            **manifest_head(name, version, report.success, latest, run_id, digest, kind),
            "rows": table.num_rows,
            **(extra or {}),
            "files": file_index(files),
            "schema": {f.name: str(f.type) for f in table.schema},
            "validation": validation_summary(report),
        }
        files["README.md"] = card(manifest)
        path = write_version(store, name, version, files, manifest, report.success, run_id)
    _record_set(con, kind, manifest, path)
    log.info("%s %s: %s %s (%d rows)", kind, name, manifest["status"], version, table.num_rows)
    return SetSummary(
        manifest["status"], version, path, latest, digest, table.num_rows, report.failures
    )


def _record_set(con: duckdb.DuckDBPyConnection, kind: str, manifest: dict, path: str) -> None:
    """Record one publishing outcome in ``published_sets``."""
    with transaction(con):
        con.execute(
            sql("insert_published_set"),
            {
                "kind": kind,
                "name": manifest["name"],
                "version": manifest["version"],
                "status": manifest["status"],
                "path": path,
                "parent": manifest["parent"],
                "content_hash": manifest["content_hash"],
                "rows": manifest["rows"],
                "validation": json.dumps(manifest["validation"]),
                "run_id": manifest["run_id"],
                "now": datetime.now(UTC),
            },
        )


def read_set(
    root: str, name: str, data_file: str, version: str | None = None
) -> tuple[str, dict, pa.Table]:
    """A published set's version, manifest and rows (``LATEST`` when no version is given).

    Raises:
        FileNotFoundError: No such set or version.
    """
    import pyarrow.parquet as pq

    store = Store(root)
    version = version or store.latest(name)
    manifest = store.manifest(name, version) if version else None
    if not manifest:
        raise FileNotFoundError(
            f"no published set {store.uri(name, version or 'LATEST')}: run the loop first"
        )
    with store.fs.open_input_file(store.path(name, version, data_file)) as f:
        table = pq.read_table(f)
    return version, manifest, table
