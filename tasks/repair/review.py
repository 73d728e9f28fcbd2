"""The human review queue: export pending items for people, import their work back.

One queue (``review_queue``) carries three kinds of item:

- ``judge_calibration``: label an answer bad / acceptable / good, blind (the
  judge's verdict and rationale are never exported). Labels feed Cohen's kappa
  in :mod:`tasks.judge.calibration`; on a ``disputed`` item (a trusted LLM judge
  found the answer fine, the user's explicit feedback says bad) the label settles
  the case: the next run mines its conversation again with the label.
- ``audit``: label an answer of a blind stratified sample (:mod:`tasks.audit.audit`);
  nothing the miner said about it is exported.
- ``expert_repair``: write the corrected answer (starting from the LLM draft if
  there is one), or label the original acceptable / good when it needs no repair.

The JSONL export is the contract; a CSV with the same columns is written beside
it for spreadsheets, and a Label Studio task file (``.label-studio.json``) for
teams that label there (bring results back as JSONL or CSV). Import validates
every row first and writes nothing unless all rows are valid; rows nobody filled
in yet are skipped, so a half-done file can come back.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.errors import BadcaseError
from tasks.publish.redact import PrivacySettings, redactor
from tasks.warehouse.db import arrow_view, fetch_dicts, sql, transaction

log = logging.getLogger(__name__)

KINDS = ("judge_calibration", "expert_repair")
LABELS = ("bad", "acceptable", "good")
FILL_IN = ("label", "rewrite", "reviewer", "reviewed_at", "notes")
INSTRUCTIONS = {
    "judge_calibration": "Read the conversation and the original answer. Set label to bad "
    "(it fails the user on something that matters), acceptable (minor flaws only) or good. "
    "Fill in reviewer and reviewed_at (ISO-8601).",
    "audit": "Read the conversation and the answer. Set label to bad (it fails the user on "
    "something that matters: wrong, cut off, ignores the instructions, garbage), acceptable "
    "(minor flaws only) or good. Fill in reviewer and reviewed_at (ISO-8601).",
    "expert_repair": "Write the corrected answer the user should have got in rewrite "
    "(start from draft if there is one), or set label to acceptable or good if the original "
    "needs no repair. Fill in reviewer and reviewed_at (ISO-8601).",
}
MAX_FIELD_CHARS = 16 << 20  # a CSV field may hold a long rewrite (Python's default: 128 KiB)
COLUMNS = (
    "item_id",
    "kind",
    "task",
    "reason",
    "scene",
    "interaction_id",
    "case_id",
    "cluster_id",
    "context",
    "original_answer",
    "signals",
    "judge_rationale",
    "draft",
    *FILL_IN,
)


class ReviewImportError(BadcaseError):
    """A review file has invalid rows; nothing was imported. ``problems`` lists them."""

    def __init__(self, path: str, problems: list[str]) -> None:
        shown = problems[:50]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > 50 else ""
        super().__init__(
            f"{path}: {len(problems)} invalid row(s), nothing imported:\n  "
            + "\n  ".join(shown)
            + more
        )
        self.problems = problems


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    jsonl: str
    csv: str
    label_studio: str
    items: int
    by_kind: dict[str, int] = field(default_factory=dict)


def export_review(
    con: duckdb.DuckDBPyConnection,
    out: str | Path,
    kinds: tuple[str, ...] = KINDS,
    privacy: PrivacySettings | None = None,
) -> ExportSummary:
    """Write the pending items to ``out`` (JSONL) and ``out`` with ``.csv`` (spreadsheets).

    Items stay pending until their completed rows are imported, so exporting
    twice gives the same items. The text leaves the warehouse with PII redacted
    (``privacy``; on by default), and CSV cells cannot start a spreadsheet formula.
    """
    redact = redactor(privacy) or (lambda value: value)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = fetch_dicts(con.execute(sql("select_review_items"), {"kinds": list(kinds)}))
    csv_path = out.with_suffix(".csv")
    studio_path = out.with_suffix(".label-studio.json")
    studio: list[dict] = []
    with (
        out.open("w", encoding="utf-8") as jf,
        csv_path.open("w", encoding="utf-8", newline="") as cf,
    ):
        writer = csv.DictWriter(cf, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            row["context"] = [{**m, "content": redact(m["content"])} for m in row["context"]]
            for name in ("original_answer", "judge_rationale", "draft"):
                row[name] = redact(row.get(name))
            item = {c: row.get(c) for c in COLUMNS}
            item["task"] = INSTRUCTIONS[row["kind"]]
            for name in FILL_IN:
                item[name] = None
            jf.write(json.dumps(item, ensure_ascii=False) + "\n")
            flat = dict(item)
            flat["context"] = "\n\n".join(f"[{m['role']}] {m['content']}" for m in row["context"])
            flat["signals"] = ", ".join(row["signals"])
            writer.writerow({k: "" if v is None else _cell(v) for k, v in flat.items()})
            # Label Studio's task import format: the fields under "data" ($context, ...)
            studio.append({"data": {k: v for k, v in flat.items() if k not in FILL_IN}})
    studio_path.write_text(json.dumps(studio, ensure_ascii=False, indent=1), encoding="utf-8")
    by_kind = dict(Counter(r["kind"] for r in rows))
    log.info("exported %d review items to %s (and %s, %s)", len(rows), out, csv_path, studio_path)
    return ExportSummary(str(out), str(csv_path), str(studio_path), len(rows), by_kind)


@dataclass(frozen=True)
class ImportSummary:
    """What an import took in."""

    file: str
    rows: int
    imported: int
    already_imported: int
    not_reviewed: int
    by_kind: dict[str, int] = field(default_factory=dict)


def _read_rows(path: Path) -> list[tuple[int, dict | None, str | None]]:
    """(line number, row or None, problem) for each record of a JSONL or CSV file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadcaseError(f"review file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadcaseError(f"cannot read review file {path}: {exc}") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(path, text)
    rows: list[tuple[int, dict | None, str | None]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((n, None, f"not valid JSON ({exc.msg})"))
            continue
        except RecursionError:
            rows.append((n, None, "JSON nested too deeply"))
            continue
        if not isinstance(value, dict):
            rows.append((n, None, "not a JSON object"))
            continue
        rows.append((n, value, None))
    return rows


def _read_csv(path: Path, text: str) -> list[tuple[int, dict | None, str | None]]:
    """The records of a CSV review file; fields may be as long as a record may be."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FIELD_CHARS))
    try:
        reader = csv.DictReader(text.splitlines(keepends=True))
        if not reader.fieldnames or "item_id" not in reader.fieldnames:
            raise BadcaseError(f"{path}: a CSV review file needs a header row with item_id")
        return [
            (reader.line_num, {k: (v if v != "" else None) for k, v in row.items() if k}, None)
            for row in reader
        ]
    except csv.Error as exc:
        raise BadcaseError(f"{path}: line {reader.line_num}: {exc}") from None
    finally:
        csv.field_size_limit(limit)


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a leading ``=``, ``+``, ``-``, ``@``,
    tab or carriage return would make it a formula (OWASP "CSV injection"), so it gets
    a leading apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def _text(row: dict, name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {type(value).__name__}")
    return value.strip() or None


def _timestamp(value: str) -> datetime:
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"reviewed_at {value!r} is not an ISO-8601 time") from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


_IMPORT_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("kind", pa.string()),
        ("label", pa.string()),
        ("rewrite", pa.string()),
        ("reviewer", pa.string()),
        ("reviewed_at", pa.timestamp("us", tz="UTC")),
        ("notes", pa.string()),
    ]
)


def import_review(con: duckdb.DuckDBPyConnection, path: str | Path) -> ImportSummary:
    """Validate every row of a completed review file, then import all of it or nothing.

    Raises:
        ReviewImportError: Some rows are invalid; each problem names its line.
        BadcaseError: The file cannot be read.
    """
    path = Path(path)
    records = _read_rows(path)
    ids = [r.get("item_id") for _, r, _ in records if r and isinstance(r.get("item_id"), str)]
    state = {
        row[0]: row for row in con.execute(sql("select_review_state"), {"item_ids": ids}).fetchall()
    }
    problems: list[str] = []
    updates: list[dict] = []
    seen: set[str] = set()
    outcomes: Counter[str] = Counter()
    for line, row, problem in records:
        outcome, found = _check_row(line, row, problem, state, seen)
        outcomes[outcome] += 1
        if outcome == "problem":
            problems += found
        elif outcome == "update":
            updates.append(found)
    if problems:
        raise ReviewImportError(str(path), problems)
    if updates:
        with arrow_view(con, "review_import_arrow", updates, _IMPORT_SCHEMA), transaction(con):
            con.execute(sql("update_review_items"), {"import_file": str(path.resolve())})
            con.execute(sql("delete_settled_disputes"))
    by_kind = dict(Counter(u["kind"] for u in updates))
    log.info("imported %d review rows from %s", len(updates), path)
    return ImportSummary(
        str(path),
        len(records),
        len(updates),
        outcomes["already"],
        outcomes["unreviewed"],
        by_kind,
    )


def _check_row(
    line: int, row: dict | None, problem: str | None, state: dict, seen: set[str]
) -> tuple[str, object]:
    """What one row of a completed file is.

    Returns:
        ``("problem", [messages])``, ``("unreviewed", None)``, ``("already", None)``
        (imported before with the same values) or ``("update", row to import)``.
    """
    where = f"line {line}"
    if problem:
        return "problem", [f"{where}: {problem}"]
    assert row is not None
    item_id = row.get("item_id")
    if not isinstance(item_id, str) or not item_id:
        return "problem", [f"{where}: no item_id"]
    where += f" ({item_id})"
    if item_id in seen:
        return "problem", [f"{where}: item_id appears twice in the file"]
    seen.add(item_id)
    if item_id not in state:
        return "problem", [f"{where}: no such item in the review queue of this warehouse"]
    try:
        label, rewrite, reviewer, reviewed_at, notes = (_text(row, n) for n in FILL_IN)
    except ValueError as exc:
        return "problem", [f"{where}: {exc}"]
    if label is None and rewrite is None and reviewer is None and reviewed_at is None:
        return "unreviewed", None
    _, kind, status, old_label, old_rewrite, old_reviewer, original = state[item_id]
    if label is not None:
        label = label.lower()
    errors, when = _review_errors(kind, label, rewrite, reviewer, reviewed_at, original)
    if errors:
        return "problem", [f"{where}: {e}" for e in errors]
    if kind == "expert_repair" and rewrite is not None:
        label = "bad"  # a repair says the original was bad
    if status == "done":
        if (label, rewrite, reviewer) == (old_label, old_rewrite, old_reviewer):
            return "already", None
        return "problem", [f"{where}: already reviewed by {old_reviewer}, with other values"]
    return "update", {
        "item_id": item_id,
        "kind": kind,
        "label": label,
        "rewrite": rewrite,
        "reviewer": reviewer,
        "reviewed_at": when,
        "notes": notes,
    }


def _review_errors(
    kind: str,
    label: str | None,
    rewrite: str | None,
    reviewer: str | None,
    reviewed_at: str | None,
    original: str,
) -> tuple[list[str], datetime | None]:
    """What is wrong with a reviewed row's values for its kind, and its review time."""
    errors = []
    if label is not None and label not in LABELS:
        errors.append(f"label {label!r} is not one of {', '.join(LABELS)}")
    if reviewer is None:
        errors.append("reviewer is empty")
    when = None
    if reviewed_at is None:
        errors.append("reviewed_at is empty")
    else:
        try:
            when = _timestamp(reviewed_at)
        except ValueError as exc:
            errors.append(str(exc))
    if kind in ("judge_calibration", "audit"):
        what = "a calibration item" if kind == "judge_calibration" else "an audit item"
        if label is None:
            errors.append(f"{what} needs a label (bad, acceptable or good)")
        if rewrite is not None:
            errors.append(f"{what} takes a label, not a rewrite")
    elif rewrite is None and label not in ("acceptable", "good"):
        errors.append(
            "an expert repair needs a rewrite, or label acceptable/good if the original "
            "needs no repair"
        )
    elif rewrite is not None and label in ("acceptable", "good"):
        errors.append(f"a rewrite with label {label!r}: a repaired answer implies 'bad'")
    elif rewrite is not None and rewrite == original.strip():
        errors.append("the rewrite is the original answer unchanged")
    return errors, when


def queue_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Items in the queue by kind and status."""
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in con.execute(sql("count_review_queue")).fetchall():
        counts.setdefault(kind, {})[status] = n
    return counts
