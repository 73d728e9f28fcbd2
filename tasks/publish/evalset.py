"""The regression eval set: held-out repaired bad cases, versioned under ``evalsets/``.

``build-preference-pairs`` assigns each repaired case once, per cluster, to
training or to the eval hold-out (``eval_split``; ``build.eval_holdout_share``)
and keeps held-out cases and near copies of them out of every preference set.
This stage publishes the held-out cases as ``evalsets/<name>/vNNNN/``: the
prompt, the verified repair as reference, the original bad answer, cluster and
category. ``evaluate-candidate`` replays them to a new model.
"""

from __future__ import annotations

import logging
from contextlib import closing

import duckdb
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.publish.build import MESSAGES
from tasks.publish.sets import SetSummary, publish_set
from tasks.publish.store import render_card
from tasks.warehouse.db import connect, sql

log = logging.getLogger(__name__)

EVAL_FILE = "data/test-00000-of-00001.parquet"
EVAL_SCHEMA = pa.schema(
    [
        ("eval_id", pa.string()),
        ("prompt", MESSAGES),
        ("reference", pa.string()),
        ("original", pa.string()),
        ("cluster_id", pa.string()),
        ("category", pa.string()),
        ("scene", pa.string()),
    ]
)


def eval_items(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, list[bool]]:
    """The held-out cases as eval rows, and per row whether its case is in training."""
    table = con.sql(sql("select_eval_items")).to_arrow_table()
    in_training = table.column("in_training").to_pylist()
    return table.select(EVAL_SCHEMA.names).cast(EVAL_SCHEMA), in_training


def publish_eval_set(
    con: duckdb.DuckDBPyConnection, run_id: str, root: str, name: str
) -> SetSummary:
    """Validate the held-out cases and publish them as ``<root>/<name>/vNNNN/``."""
    from expectations.suites import validate_eval_set

    table, in_training = eval_items(con)
    clusters: dict[str, int] = {}
    for cluster in table.column("cluster_id").to_pylist():
        clusters[cluster] = clusters.get(cluster, 0) + 1
    return publish_set(
        con,
        "evalset",
        root,
        name,
        EVAL_FILE,
        table,
        lambda t: validate_eval_set(t, in_training),
        _card,
        run_id,
        {"clusters": dict(sorted(clusters.items()))},
    )


def _card(manifest: dict) -> bytes:
    """The dataset card (``cards/evalset.md``) of an eval set version."""
    return render_card("evalset", manifest, data_file=EVAL_FILE, clusters=len(manifest["clusters"]))


@task(name="publish-eval-set", cache_policy=NO_CACHE)
def publish_eval_set_task(
    warehouse: str,
    run_id: str,
    root: str,
    name: str,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> SetSummary:
    """Prefect task: open the warehouse and run :func:`publish_eval_set`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return publish_eval_set(con, run_id, root, name)
