"""Announce published versions: ``badcase.dataset.published``, right after the commit.

The training deployment's trigger listens for the event. It is sent for every
published version that ``published_versions`` records and
``published_announcements`` does not: the version this run just committed, and any a
killed run committed but never announced. A run killed after sending and before
recording sends it again next time (at least once, never never).
"""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import UTC, datetime

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from tasks.warehouse.db import connect, fetch_dicts, sql, transaction

log = logging.getLogger(__name__)

PUBLISHED_EVENT = "badcase.dataset.published"


def announce_versions(con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> list[str]:
    """Emit ``badcase.dataset.published`` for each unannounced version; returns them."""
    announced = []
    rows = fetch_dicts(con.execute(sql("select_unannounced_versions"), {"dataset": name}))
    for row in rows:
        event = emit_event(
            event=PUBLISHED_EVENT,
            resource={"prefect.resource.id": f"badcase.dataset.{name}", "badcase.dataset": name},
            payload={"dataset": name, **row},
        )
        with transaction(con):
            con.execute(
                sql("insert_announcement"),
                {
                    "dataset": name,
                    "version": row["version"],
                    "event_id": str(event.id) if event else None,
                    "run_id": run_id,
                    "now": datetime.now(UTC),
                },
            )
        log.info("announced %s %s (%s)", name, row["version"], PUBLISHED_EVENT)
        announced.append(row["version"])
    return announced


@task(name="announce-published-versions", cache_policy=NO_CACHE)
def announce_versions_task(
    warehouse: str,
    name: str,
    run_id: str,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> list[str]:
    """Prefect task: open the warehouse and run :func:`announce_versions`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return announce_versions(con, name, run_id)
