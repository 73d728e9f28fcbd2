"""Run bookkeeping: one row in ``runs`` per loop run, with its config and summary; a run
starts by migrating the warehouse to this code's schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from typing import Any

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.warehouse.db import connect, sql, transaction
from tasks.warehouse.schema import MigrationResult, migrate


def record_run_start(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    config: dict[str, Any],
    config_hash: str,
    flow_run_id: str | None = None,
) -> None:
    """Write the ``running`` row of a run (replacing one left by a killed attempt).

    The caller holds the warehouse lock, so any other ``running`` row is a run that
    died: it is marked ``failed`` as interrupted.
    """
    with transaction(con):
        con.execute(sql("update_interrupted_runs"), {"run_id": run_id})
        con.execute(sql("delete_run"), {"run_id": run_id})
        con.execute(
            sql("insert_run_row"),
            {
                "run_id": run_id,
                "flow_run_id": flow_run_id,
                "landing": config.get("landing"),
                "warehouse": config.get("warehouse"),
                "datasets": config.get("datasets"),
                "config_hash": config_hash,
                "config": json.dumps(config, sort_keys=True),
            },
        )


def record_run_end(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Mark a run ``completed`` or ``failed`` with its summary or error."""
    con.execute(
        sql("update_run_finished"),
        {
            "run_id": run_id,
            "status": status,
            "summary": json.dumps(summary, sort_keys=True, default=str) if summary else None,
            "error": error,
        },
    )


def progress_artifact(key: str, description: str) -> Callable[[int, int], None]:
    """A Prefect progress artifact for a long stage, and the callback that moves it:
    ``progress(done, total)``. Call from inside a task run."""
    from prefect.artifacts import create_progress_artifact, update_progress_artifact

    artifact = create_progress_artifact(progress=0.0, key=key, description=description, _sync=True)

    def progress(done: int, total: int) -> None:
        update_progress_artifact(artifact, progress=100.0 * done / max(total, 1), _sync=True)

    return progress


@task(name="start-run", cache_policy=NO_CACHE)
def start_run_task(
    warehouse: str, run_id: str, config: dict[str, Any], config_hash: str, flow_run_id: str | None
) -> MigrationResult:
    """Prefect task: bring the warehouse to this code's schema (:func:`migrate`, with a
    backup before a data rewrite), then :func:`record_run_start`. The flow holds the
    run lock, so no other run sees the warehouse half-migrated."""
    with closing(connect(warehouse, check_schema=False)) as con:
        result = migrate(con, warehouse)
        if result.applied:
            get_run_logger().info(
                "warehouse schema %04d -> %04d: applied %s%s%s",
                result.from_version,
                result.to_version,
                ", ".join(result.applied),
                " (a 0.1.0 warehouse adopted as the baseline)" if result.adopted else "",
                f"; backup before the data rewrite: {result.backup}" if result.backup else "",
            )
        record_run_start(con, run_id, config, config_hash, flow_run_id)
    return result


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_run_task(
    warehouse: str,
    run_id: str,
    status: str,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Prefect task: :func:`record_run_end`."""
    with closing(connect(warehouse)) as con:
        record_run_end(con, run_id, status, summary, error)
