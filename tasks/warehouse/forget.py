"""Deletion requests: forget a user or a conversation everywhere the loop keeps it.

``forget(con, user_id=...)`` deletes the user's rows from every warehouse table
(interactions, events, quarantined records, signals, judgments, bad cases, routes,
rewrites, the review queue, eval split, candidate answers and RL samples, and the
per-turn and per-case copies mining keeps; the clusters and band keys of their requests
go at the next mining), withdraws
their preference pairs (excluded as ``forgotten``, text erased, so the next version
drops them), records the request in ``forget_requests``, and reads every version ever
written (its Parquet files) to report which still hold the user's pairs or cases: those
must be retracted by hand, since a committed version is never rewritten.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from tasks.errors import BadcaseError
from tasks.warehouse.db import sql, transaction

log = logging.getLogger(__name__)

# (table, key column, the SQL that deletes by it): children first, interactions last.
_DELETES = (
    ("events", "interaction_id", "delete_forgotten_by_interaction"),
    ("events", "conversation_id", "delete_forgotten_by_conversation"),
    ("signals", "interaction_id", "delete_forgotten_by_interaction"),
    ("judgments", "interaction_id", "delete_forgotten_by_interaction"),
    ("review_queue", "interaction_id", "delete_forgotten_by_interaction"),
    ("routes", "case_id", "delete_forgotten_by_case"),
    ("rewrites", "case_id", "delete_forgotten_by_case"),
    ("eval_split", "case_id", "delete_forgotten_by_case"),
    ("candidate_answers", "eval_id", "delete_forgotten_by_case"),
    ("candidate_judgments", "eval_id", "delete_forgotten_by_case"),
    ("rl_samples", "case_id", "delete_forgotten_by_case"),
    ("bad_cases", "case_id", "delete_forgotten_by_case"),
    ("mined_conversations", "conversation_id", "delete_forgotten_by_conversation"),
    # derived copies mining keeps (their texts included); the clusters and band keys of
    # the forgotten cases' requests go at the next mining (nodes no case asks any more)
    ("case_texts", "case_id", "delete_forgotten_by_case"),
    ("mining_scopes", "conversation_id", "delete_forgotten_by_conversation"),
    ("interaction_turns", "interaction_id", "delete_forgotten_by_interaction"),
    ("interactions", "interaction_id", "delete_forgotten_by_interaction"),
)
_ID_COLUMNS = ("pair_id", "case_id", "eval_id", "prompt_id")


@dataclass(frozen=True)
class ForgetSummary:
    """What a deletion request did, and the written versions that still hold the data."""

    request_id: str
    rows_deleted: dict[str, int] = field(default_factory=dict)
    pairs_withdrawn: list[str] = field(default_factory=list)
    still_in: list[dict] = field(default_factory=list)  # {name, version, status, path, ...}

    @property
    def total(self) -> int:
        return sum(self.rows_deleted.values())


def forget(
    con: duckdb.DuckDBPyConnection,
    user_id: str | None = None,
    conversation_id: str | None = None,
    datasets: str | None = None,
) -> ForgetSummary:
    """Delete one user's (or one conversation's) data from the warehouse and find it in
    the written versions. The caller holds the warehouse's run lock.

    Args:
        con: The warehouse.
        user_id: Forget this user ...
        conversation_id: ... or this conversation.
        datasets: A datasets root whose versions are read too (besides the versions this
            warehouse recorded), e.g. ones another warehouse wrote.

    Raises:
        BadcaseError: Neither or both of ``user_id`` and ``conversation_id`` are given.
    """
    if (user_id is None) == (conversation_id is None):
        raise BadcaseError("forget needs exactly one of --user-id or --conversation-id")
    ids = {"user_id": user_id, "conversation_id": conversation_id}
    deleted: dict[str, int] = {}
    with transaction(con):
        con.execute(sql("create_forget_targets"), ids)
        con.execute(sql("create_forget_keys"))
        pair_ids, case_ids = con.execute(sql("select_forget_pairs")).fetchone()
        pair_ids, case_ids = pair_ids or [], case_ids or []
        deleted["quarantine"] = _count(con.execute(sql("delete_forgotten_quarantine"), ids))
        for table, column, statement in _DELETES:
            n = _count(con.execute(sql(statement, table=table, id=column)))
            deleted[table] = deleted.get(table, 0) + n
        con.execute(sql("update_forgotten_pairs"))
    still_in = _written_versions_holding(con, set(pair_ids), set(case_ids), datasets)
    summary = ForgetSummary(
        "fr-" + uuid.uuid4().hex[:12],
        {k: v for k, v in deleted.items() if v},
        sorted(pair_ids),
        still_in,
    )
    with transaction(con):
        con.execute(
            sql("insert_forget_request"),
            {
                **ids,
                "request_id": summary.request_id,
                "requested_at": datetime.now(UTC),
                "rows_deleted": json.dumps(summary.rows_deleted),
                "pairs_withdrawn": summary.pairs_withdrawn,
                "still_in": json.dumps(still_in),
            },
        )
    log.info(
        "forget %s: %d rows deleted, %d pairs withdrawn, still in %d written versions",
        summary.request_id,
        summary.total,
        len(pair_ids),
        len(still_in),
    )
    return summary


def _count(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _written_versions_holding(
    con: duckdb.DuckDBPyConnection,
    pair_ids: set[str],
    case_ids: set[str],
    datasets: str | None,
) -> list[dict]:
    """The versions (published or quarantined) whose Parquet files hold one of the ids."""
    if not pair_ids and not case_ids:
        return []
    found = []
    locations = con.execute(sql("select_published_locations")).fetchall()
    known = {str(path).rstrip("/") for *_, path in locations}
    locations += [loc for loc in _versions_under(datasets) if loc[3] not in known]
    for name, version, status, path in locations:
        held = _ids_in(path)
        if held is None:  # cannot tell: listed, so that someone looks
            found.append({"name": name, "version": version, "status": status, "path": path})
            continue
        pairs, cases = set(), set()
        for column, values in held.items():
            pairs |= values & pair_ids if column == "pair_id" else set()
            cases |= values & case_ids if column != "pair_id" else set()
        if pairs or cases:
            found.append(
                {
                    "name": name,
                    "version": version,
                    "status": status,
                    "path": path,
                    "pairs": sorted(pairs),
                    "cases": sorted(cases),
                }
            )
    return found


def _versions_under(root: str | None) -> list[tuple[str, str, str, str]]:
    """``(name, version, status, path)`` of every version folder under a datasets root."""
    if root is None:
        return []
    try:
        fs, base = pafs.FileSystem.from_uri(root if "://" in root else f"file://{root}")
        names = fs.get_file_info(pafs.FileSelector(base, allow_not_found=True))
        found = []
        for info in names:
            if info.type != pafs.FileType.Directory or info.base_name.startswith("."):
                continue
            for status, folder in (
                ("published", info.path),
                ("quarantined", f"{info.path}/quarantine"),
            ):
                for v in fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True)):
                    if v.type == pafs.FileType.Directory and not v.base_name.startswith(
                        (".", "quarantine")
                    ):
                        uri = (
                            v.path if "://" not in root else f"{root.split('://', 1)[0]}://{v.path}"
                        )
                        found.append((info.base_name, v.base_name, status, uri))
    except (OSError, ValueError) as exc:
        log.warning("cannot list the datasets root %s: %s", root, exc)
        return []
    return found


def _ids_in(path: str) -> dict[str, set[str]] | None:
    """The id columns of every Parquet file of a written version (its manifest's files);
    None when the version cannot be read."""
    try:
        fs, base = pafs.FileSystem.from_uri(path if "://" in path else f"file://{path}")
        with fs.open_input_stream(f"{base}/manifest.json") as fh:
            files = json.loads(fh.read()).get("files", {})
    except (OSError, ValueError) as exc:
        log.warning("cannot read the version at %s: %s", path, exc)
        return None
    ids: dict[str, set[str]] = {}
    for name in files:
        if not name.endswith(".parquet"):
            continue
        try:
            with fs.open_input_file(f"{base}/{name}") as fh:
                parquet = pq.ParquetFile(fh)
                columns = [c for c in _ID_COLUMNS if c in parquet.schema_arrow.names]
                table = parquet.read(columns=columns)
        except OSError as exc:
            log.warning("cannot read %s/%s: %s", path, name, exc)
            return None
        for column in _ID_COLUMNS:
            if column in table.column_names:
                values = {v for v in table.column(column).to_pylist() if v is not None}
                ids.setdefault(column, set()).update(values)
    return ids
