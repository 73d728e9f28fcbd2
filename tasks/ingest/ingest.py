"""Ingest: landed log files into the warehouse, incrementally and idempotently.

Files are found under ``<landing>/interactions/dt=YYYY-MM-DD/`` and
``<landing>/events/dt=YYYY-MM-DD/`` (``.jsonl``, ``.jsonl.gz``, ``.parquet``).
``ingested_files`` remembers each file's size, mtime and sha256, so a second run
reads nothing, and a changed file is re-read whole without leaving duplicates.

Two read paths, both DuckDB readers (no Python loop over rows):

* **fast**: the typed ``read_json`` reader inserts a whole batch of JSONL files
  straight into the table. A file whose read fails, or whose rows break a rule
  or repeat an id, is taken back out and read carefully instead.
* **careful**: the file is read as numbered text lines (or Parquet rows as
  JSON), every record is parsed and checked, and each bad one goes to
  ``quarantine`` with its line number, a stable reason and its raw text.

Both paths apply the same rules (``create_ingest_macros.sql``). Counts
reconcile exactly: records read = inserted + duplicates + quarantined.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, astuple, dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.errors import LandingError
from tasks.ingest.landing import KINDS, is_remote, list_remote, mirror_landing, no_log_folders
from tasks.ingest.turns import sync_turns
from tasks.publish.redact import Redactor
from tasks.warehouse.db import connect, sql, transaction

log = logging.getLogger(__name__)

FORMATS = {".jsonl.gz": "jsonl.gz", ".jsonl": "jsonl", ".parquet": "parquet"}
_DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
Digest = str | Future  # a sha256, or one being computed on the hashing thread

# A control character valid JSON never holds unescaped: lines are never split on it.
_LINE_DELIMITER = "\x1f"


class IngestSettings(BaseModel):
    """How ingestion reads and judges landed records."""

    model_config = ConfigDict(extra="forbid")

    max_record_bytes: int = Field(
        default=2_000_000,
        gt=0,
        description="Records whose message and response text exceed this many bytes are "
        "quarantined as record_too_large.",
    )
    quarantine_raw_chars: int = Field(
        default=2_000, ge=0, description="How much of a quarantined record's raw text to keep."
    )
    redact_quarantined_raw: bool = Field(
        default=True,
        description="Redact PII in the raw text kept with a quarantined record (before it "
        "is cut to quarantine_raw_chars).",
    )
    batch_bytes: int = Field(
        default=1 << 30,
        gt=0,
        description="Landed bytes read per fast-path transaction.",
    )
    max_decompressed_bytes: int = Field(
        default=16 << 30,
        gt=0,
        description="A .jsonl.gz file that inflates to more than this many bytes is "
        "quarantined as decompressed_too_large (a gzip bomb), unread.",
    )
    landing_cache: str | None = Field(
        default=None,
        description="Local folder where a remote (s3://...) landing root is mirrored before "
        "it is read; default <warehouse>.landing-cache.",
    )


@dataclass(frozen=True)
class _KindSpec:
    table: str
    id_column: str
    problem_macro: str
    fast_sql: str
    careful_sql: str

    @property
    def identifiers(self) -> dict[str, str]:
        """The ``{{table}}``, ``{{id}}`` and ``{{problem}}`` names of the shared SQL files."""
        return {"table": self.table, "id": self.id_column, "problem": self.problem_macro}


_SPECS = {
    "interactions": _KindSpec(
        "interactions",
        "interaction_id",
        "interactions_problem",
        "insert_interactions_fast",
        "stage_interactions_careful",
    ),
    "events": _KindSpec(
        "events", "event_id", "events_problem", "insert_events_fast", "stage_events_careful"
    ),
}


@dataclass(frozen=True)
class LandedFile:
    """One log file found under the landing root."""

    path: str
    kind: str
    format: str
    dt: date
    size_bytes: int
    mtime: datetime
    problem: tuple[str, str] | None = None  # (reason, detail): quarantined unread


# DuckDB expands these in a path it is given to read (a glob), so a file whose path holds
# one could read other files, or none.
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class KindCounts:
    """Record counts for one record kind in one ingest run."""

    files: int = 0
    records_read: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def __add__(self, other: KindCounts) -> KindCounts:
        return KindCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class IngestSummary:
    """What one ingest run did. Records read = inserted + duplicates + quarantined."""

    files_seen: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_duplicate: int = 0
    files_quarantined: int = 0
    files_ignored: int = 0
    fast_path_files: int = 0
    careful_path_files: int = 0
    interactions: KindCounts = KindCounts()
    events: KindCounts = KindCounts()
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def records_read(self) -> int:
        return self.interactions.records_read + self.events.records_read

    @property
    def inserted(self) -> int:
        return self.interactions.inserted + self.events.inserted

    @property
    def duplicates(self) -> int:
        return self.interactions.duplicates + self.events.duplicates

    @property
    def quarantined(self) -> int:
        return self.interactions.quarantined + self.events.quarantined

    @property
    def reconciles(self) -> bool:
        """True when every record read is accounted for exactly once."""
        return self.records_read == self.inserted + self.duplicates + self.quarantined

    def as_dict(self) -> dict:
        out = asdict(self)
        out.update(
            records_read=self.records_read,
            inserted=self.inserted,
            duplicates=self.duplicates,
            quarantined=self.quarantined,
            reconciles=self.reconciles,
        )
        return out


@dataclass(frozen=True)
class _FileResult:
    status: str = "ingested"  # or empty_file | unreadable_file | duplicate_file
    parse_path: str | None = None  # fast | careful
    rows_read: int = 0
    rows_inserted: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0


def discover_files(landing: str | Path) -> tuple[list[LandedFile], list[tuple[str, str]]]:
    """List the log files under a landing root, in path order.

    Args:
        landing: The landing root: a local folder, or a URI pyarrow can open
            (``s3://bucket/prefix``); remote files are listed, not read.

    Returns:
        The files to consider, and ``(path, why)`` for files that were passed
        over (outside a ``dt=`` folder, unknown extension, hidden).

    Raises:
        LandingError: The root is missing or has neither ``interactions/`` nor ``events/``.
    """
    found: list[LandedFile] = []
    ignored: list[tuple[str, str]] = []
    if is_remote(landing):
        entries: Iterator[tuple[str, Sequence[str], str, Callable]] = (
            (
                f.relative.parts[0],
                f.relative.parts[1:],
                f.uri,
                lambda f=f: (f.size_bytes, f.mtime, None),
            )
            for f in list_remote(str(landing))
        )
    else:
        entries = _local_entries(Path(landing).expanduser())
    for kind, parts, path, stat in entries:
        why = _why_ignored(parts)
        if why:
            ignored.append((path, why))
            continue
        try:
            size, mtime, problem = stat()
        except FileNotFoundError:
            ignored.append((path, "vanished before it was read"))
            continue
        if problem is None and _GLOB_CHARS.search(path):
            problem = ("unsafe_file_name", "the path holds *, ? or [, which the reader expands")
        found.append(
            LandedFile(path, kind, _format_of(parts[-1]), _dt_of(parts), size, mtime, problem)
        )
    found.sort(key=lambda f: (KINDS.index(f.kind), f.path))
    return found, ignored


def _local_entries(root: Path) -> Iterator[tuple[str, Sequence[str], str, Callable]]:
    """``(kind, path below <root>/<kind>/, path, stat)`` for each file of a local root;
    ``stat()`` gives ``(size, mtime, problem)`` and is only called for files that are
    read. A link that leads outside the landing root keeps its own path and gets the
    problem ``outside_landing_root``: it is quarantined, never followed."""
    if not root.is_dir():
        raise LandingError(f"landing root {root} does not exist or is not a folder")
    if not any((root / kind).is_dir() for kind in KINDS):
        raise no_log_folders(root)
    for kind in KINDS:
        base = root / kind
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
            for name in sorted(filenames):
                found = Path(dirpath, name)
                path = found.resolve()
                try:
                    parts = path.relative_to(base.resolve()).parts
                except ValueError:
                    outside = Path(os.path.abspath(found))
                    stat = partial(_stat, outside, ("outside_landing_root", f"a link to {path}"))
                    yield kind, found.relative_to(base).parts, str(outside), stat
                    continue
                yield kind, parts, str(path), partial(_stat, path)


def _stat(
    path: Path, problem: tuple[str, str] | None = None
) -> tuple[int, datetime, tuple[str, str] | None]:
    st = path.lstat() if problem else path.stat()
    return st.st_size, datetime.fromtimestamp(st.st_mtime, UTC), problem


def _gunzipped_over(path: str, limit: int) -> bool:
    """Whether a gzip file inflates to more than ``limit`` bytes (read in chunks, never
    held; a broken file answers False and is left to the reader to quarantine)."""
    total = 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    return True
    except (OSError, EOFError, zlib.error):
        return False
    return False


def _problem(f: LandedFile, settings: IngestSettings) -> tuple[str, str] | None:
    """Why a file must be quarantined unread, or None."""
    if f.problem:
        return f.problem
    if f.format == "jsonl.gz" and _gunzipped_over(f.path, settings.max_decompressed_bytes):
        limit = settings.max_decompressed_bytes
        return "decompressed_too_large", f"inflates to more than {limit} bytes"
    return None


def _format_of(name: str) -> str:
    return next(fmt for suffix, fmt in FORMATS.items() if name.endswith(suffix))


def _why_ignored(parts: Sequence[str]) -> str | None:
    """Why a file (its path below ``<landing>/<kind>/``) is passed over, or None."""
    name = parts[-1]
    if any(part.startswith((".", "_")) for part in parts):
        return "hidden or marker file"
    if not any(name.endswith(suffix) for suffix in FORMATS):
        return "not .jsonl, .jsonl.gz or .parquet"
    try:
        _dt_of(parts)
    except ValueError as exc:
        return str(exc)
    return None


def _dt_of(parts: Sequence[str]) -> date:
    match = _DT_FOLDER.match(parts[0]) if len(parts) > 1 else None
    if not match:
        raise ValueError("not inside a dt=YYYY-MM-DD folder")
    return date.fromisoformat(match.group(1))


def file_sha256(path: str) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def ingest_logs(
    con: duckdb.DuckDBPyConnection,
    landing: str | Path,
    run_id: str,
    settings: IngestSettings | None = None,
    cache_dir: str | Path | None = None,
) -> IngestSummary:
    """Read new and changed log files from the landing root into the warehouse.

    Args:
        con: An open warehouse connection (tables created).
        landing: The landing root: a local folder or a URI (``s3://bucket/prefix``).
        run_id: The loop run this ingest belongs to; every row written carries it.
        settings: Ingest settings; the defaults when omitted.
        cache_dir: Where a remote landing root is mirrored before it is read
            (``ingest.landing_cache``, else ``<warehouse>.landing-cache``).

    Returns:
        The run's counts; ``summary.reconciles`` is always true.
    """
    settings = settings or IngestSettings()
    if is_remote(landing):
        if cache_dir is None:
            raise LandingError(f"landing {landing!r} is remote: give a local cache_dir")
        landing = mirror_landing(str(landing), cache_dir)
    files, ignored = discover_files(landing)
    for path, why in ignored:
        log.info("ignored %s: %s", path, why)
    con.execute(sql("create_ingest_macros"))

    known = {
        row[0]: row for row in con.execute(sql("select_ingested_files")).fetchall()
    }  # path -> (path, size, mtime, sha256, status)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
        todo, quarantined, unchanged, duplicate = _triage(
            con, files, known, run_id, settings, hasher
        )
        work = [item for item in todo if item[0].path not in quarantined]
        results = {**quarantined, **_ingest_files(con, work, run_id, settings)}
    sync_turns(con)  # each new turn read from its messages once, while it is at hand
    summary = _summarise(con, run_id, files, ignored, todo, results, unchanged, duplicate)
    log.info(
        "ingest: %d records read, %d inserted, %d duplicates, %d quarantined (%d files new, "
        "%d changed, %d unchanged)",
        summary.records_read,
        summary.inserted,
        summary.duplicates,
        summary.quarantined,
        summary.files_new,
        summary.files_changed,
        summary.files_unchanged,
    )
    return summary


def _triage(
    con: duckdb.DuckDBPyConnection,
    files: list[LandedFile],
    known: dict,
    run_id: str,
    settings: IngestSettings,
    hasher: ThreadPoolExecutor,
) -> tuple[list[tuple[LandedFile, Digest, bool]], dict[str, _FileResult], int, int]:
    """Which files to read (``(file, sha256, changed)``), which were quarantined unread,
    and how many are unchanged or byte-identical copies."""
    sha_of_ingested = {row[3]: row[0] for row in known.values() if row[4] == "ingested"}
    # A file is hashed before it is read only when its size says it might be a copy
    # or an unchanged file; otherwise it is hashed on a worker thread while DuckDB
    # reads it (hashlib releases the GIL).
    sizes = Counter(f.size_bytes for f in files)
    known_sizes = {row[1] for row in known.values()}
    todo: list[tuple[LandedFile, Digest, bool]] = []  # (file, sha256, changed)
    unchanged = duplicate = 0
    quarantined: dict[str, _FileResult] = {}
    for f in files:
        prev = known.get(f.path)
        if prev and prev[1] == f.size_bytes and prev[2] == f.mtime:
            unchanged += 1
            continue
        problem = _problem(f, settings)
        if problem is None and (f.size_bytes not in known_sizes and sizes[f.size_bytes] == 1):
            todo.append((f, hasher.submit(file_sha256, f.path), prev is not None))
            continue
        try:
            digest = "" if problem else file_sha256(f.path)
        except OSError as exc:
            problem = ("unreadable_file", f"cannot be read: {exc.strerror or exc}")
        if problem:
            log.warning("%s is quarantined: %s", f.path, problem[1])
            quarantined[f.path] = _quarantine_file(
                con, _SPECS[f.kind], f, "", prev is not None, run_id, *problem
            )
            todo.append((f, "", prev is not None))
            continue
        if prev and prev[3] == digest:
            con.execute(sql("update_ingested_file_mtime"), {"path": f.path, "mtime": f.mtime})
            unchanged += 1
            continue
        twin = sha_of_ingested.get(digest)
        if prev is None and twin is not None:
            log.info("%s has the same bytes as %s: not read again", f.path, twin)
            _record_file(con, f, digest, run_id, _FileResult("duplicate_file"))
            duplicate += 1
            continue
        sha_of_ingested.setdefault(digest, f.path)
        todo.append((f, digest, prev is not None))
    return todo, quarantined, unchanged, duplicate


def _summarise(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    files: list[LandedFile],
    ignored: list[tuple[str, str]],
    todo: list[tuple[LandedFile, Digest, bool]],
    results: dict[str, _FileResult],
    unchanged: int,
    duplicate: int,
) -> IngestSummary:
    """The run's counts per file and per kind of record, and the quarantine reasons."""
    fast_files = sum(1 for r in results.values() if r.parse_path == "fast")
    careful_files = sum(1 for r in results.values() if r.parse_path == "careful")
    per_kind = {
        kind: sum(
            (
                KindCounts(1, r.rows_read, r.rows_inserted, r.rows_duplicate, r.rows_quarantined)
                for f, _, _ in todo
                if f.kind == kind and (r := results[f.path])
            ),
            KindCounts(),
        )
        for kind in KINDS
    }
    reasons = dict(con.execute(sql("count_quarantine_reasons"), {"run_id": run_id}).fetchall())
    summary = IngestSummary(
        files_seen=len(files),
        files_new=sum(1 for _, _, c in todo if not c),
        files_changed=sum(1 for _, _, c in todo if c),
        files_unchanged=unchanged,
        files_duplicate=duplicate,
        files_quarantined=sum(1 for r in results.values() if r.status != "ingested"),
        files_ignored=len(ignored),
        fast_path_files=fast_files,
        careful_path_files=careful_files,
        interactions=per_kind["interactions"],
        events=per_kind["events"],
        quarantine_reasons=reasons,
    )
    return summary


def _ingest_files(
    con: duckdb.DuckDBPyConnection,
    todo: list[tuple[LandedFile, Digest, bool]],
    run_id: str,
    settings: IngestSettings,
) -> dict[str, _FileResult]:
    """Read the new and changed files, kind by kind: fast path first, careful path for the rest."""
    results: dict[str, _FileResult] = {}
    for kind in KINDS:
        spec = _SPECS[kind]
        work = [item for item in todo if item[0].kind == kind]
        fast = [w for w in work if w[0].format != "parquet" and w[0].size_bytes > 0]
        careful = [w for w in work if w[0].format == "parquet"]
        for f, digest, changed in work:
            if f.size_bytes == 0:
                results[f.path] = _quarantine_file(
                    con, spec, f, digest, changed, run_id, "empty_file", "the file is empty"
                )
        for batch in _batches(fast, settings.batch_bytes):
            done, retry = _ingest_fast(con, spec, batch, run_id, settings)
            results.update(done)
            careful.extend(retry)
        for item in sorted(careful, key=lambda w: w[0].path):
            results[item[0].path] = _ingest_careful(con, spec, *item, run_id, settings)
    return results


def _sha(digest: Digest) -> str:
    """The file's sha256; empty when the file vanished or could not be read while hashing
    (its read fails too, so it is quarantined)."""
    if isinstance(digest, str):
        return digest
    try:
        return digest.result()
    except OSError:
        return ""


def _batches(
    items: Sequence[tuple[LandedFile, Digest, bool]], limit: int
) -> Iterator[list[tuple[LandedFile, Digest, bool]]]:
    batch: list[tuple[LandedFile, Digest, bool]] = []
    size = 0
    for item in items:
        if batch and size + item[0].size_bytes > limit:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item[0].size_bytes
    if batch:
        yield batch


def _forget(con: duckdb.DuckDBPyConnection, spec: _KindSpec, paths: list[str]) -> None:
    """Drop what earlier runs kept from these (changed) files."""
    if not paths:
        return
    con.execute(sql("delete_file_rows", table=spec.table), {"files": paths})
    con.execute(sql("delete_file_rows", table="quarantine"), {"files": paths})
    con.execute(sql("delete_ingested_files"), {"paths": paths})


class _ReadFailed(Exception):
    """The typed reader rejected a batch: some line in it is malformed."""


def _ingest_fast(
    con: duckdb.DuckDBPyConnection,
    spec: _KindSpec,
    batch: list[tuple[LandedFile, Digest, bool]],
    run_id: str,
    settings: IngestSettings,
) -> tuple[dict[str, _FileResult], list[tuple[LandedFile, Digest, bool]]]:
    """Typed read of a batch of JSONL files in one transaction.

    Returns the files it finished and the ones that must be read carefully.
    """
    paths = [f.path for f, _, _ in batch]
    # Row order is irrelevant on this path (no line numbers): let DuckDB write in any order.
    con.execute(sql("set_preserve_insertion_order"), {"value": False})
    try:
        with transaction(con):
            _forget(con, spec, [f.path for f, _, changed in batch if changed])
            try:
                con.execute(
                    sql(spec.fast_sql),
                    {"files": paths, "run_id": run_id, "max_object_size": _reader_limit(settings)},
                )
            except duckdb.Error as exc:
                raise _ReadFailed(str(exc).splitlines()[0]) from exc
            done, dirty = _settle_fast_batch(con, spec, batch, run_id, settings)
    except _ReadFailed as failed:
        if len(batch) == 1:
            log.info("%s needs the careful path: %s", paths[0], failed)
            return {}, batch
        # One malformed file fails the whole read: find it file by file.
        done, retry = {}, []
        for item in batch:
            d, r = _ingest_fast(con, spec, [item], run_id, settings)
            done.update(d)
            retry.extend(r)
        return done, retry
    finally:
        con.execute(sql("set_preserve_insertion_order"), {"value": True})
    return done, [item for item in batch if item[0].path in dirty]


def _settle_fast_batch(
    con: duckdb.DuckDBPyConnection,
    spec: _KindSpec,
    batch: list[tuple[LandedFile, Digest, bool]],
    run_id: str,
    settings: IngestSettings,
) -> tuple[dict[str, _FileResult], set[str]]:
    """Take back the files whose rows break a rule or repeat an id; record the rest."""
    paths = [f.path for f, _, _ in batch]
    ident = spec.identifiers
    params = {"files": paths, "run_id": run_id}
    broken = con.execute(
        sql("find_broken_files", **ident), {**params, "max_bytes": settings.max_record_bytes}
    ).fetchall()
    repeating = con.execute(sql("find_files_repeating_ids", **ident), params).fetchall()
    dirty = {row[0] for row in broken + repeating}
    if dirty:
        con.execute(sql("delete_file_rows", table=spec.table), {"files": sorted(dirty)})
    counts = dict(con.execute(sql("count_fresh_rows", table=spec.table), params).fetchall())
    done: dict[str, _FileResult] = {}
    for f, digest, _ in batch:
        if f.path in dirty:
            continue
        n = counts.get(f.path, 0)
        result = _FileResult("ingested" if n else "empty_file", "fast", n, n, 0, 0)
        if n == 0:
            _insert_file_quarantine(con, spec, f, run_id, "empty_file", "no records")
        _record_file(con, f, digest, run_id, result)
        done[f.path] = result
    return done, dirty


def _reader_limit(settings: IngestSettings) -> int:
    # Lines up to 4x the record limit are read (and then quarantined by the
    # record rule with their raw text); larger ones are rejected by the reader.
    return max(16 * 1024 * 1024, 4 * settings.max_record_bytes)


def _ingest_careful(
    con: duckdb.DuckDBPyConnection,
    spec: _KindSpec,
    f: LandedFile,
    digest: Digest,
    changed: bool,
    run_id: str,
    settings: IngestSettings,
) -> _FileResult:
    """Read one file record by record, quarantining each bad record with its reason."""
    ident = spec.identifiers
    con.execute(sql("create_stage_lines"))
    try:
        # Only the read itself may fail because of the file; any later error is ours and raises.
        if f.format == "parquet":
            con.execute(sql("read_parquet_lines"), {"path": f.path})
            con.execute(sql("create_empty_rejects"))
        else:
            con.execute(
                sql("read_jsonl_lines"),
                {
                    "path": f.path,
                    "delim": _LINE_DELIMITER,
                    "max_line_size": _reader_limit(settings),
                },
            )
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0][:500]
        log.warning("%s is unreadable: %s", f.path, detail)
        return _quarantine_file(con, spec, f, digest, changed, run_id, "unreadable_file", detail)
    with transaction(con):
        _forget(con, spec, [f.path])
        con.execute(sql("insert_stage_lines"), {"path": f.path})
        con.execute(sql("insert_stage_rejects"), {"path": f.path})
        con.execute(sql(spec.careful_sql), {"run_id": run_id})
        con.execute(sql("classify_stage", **ident), {"max_bytes": settings.max_record_bytes})
        con.execute(sql("insert_staged_rows", **ident))
        con.execute(
            sql("insert_staged_quarantine", **ident),
            # a margin, so that a value cut at the limit is still whole when redacted
            {"run_id": run_id, "kind": f.kind, "raw_chars": settings.quarantine_raw_chars + 256},
        )
        _finish_quarantined_raw(con, f.path, settings)
        row = con.execute(sql("count_staged_rows")).fetchone()
        result = (
            _FileResult("ingested", "careful", *row[1:])
            if row
            else _FileResult("empty_file", "careful")
        )
        if result.status == "empty_file":
            _insert_file_quarantine(con, spec, f, run_id, "empty_file", "no records")
        _record_file(con, f, digest, run_id, result)
    return result


def _finish_quarantined_raw(
    con: duckdb.DuckDBPyConnection, path: str, settings: IngestSettings
) -> None:
    """Redact the raw text kept with a file's quarantined records, then cut it to size."""
    redact = Redactor() if settings.redact_quarantined_raw else None
    updates = []
    for rowid, raw in con.execute(sql("select_quarantined_raw"), {"path": path}).fetchall():
        kept = (redact(raw) if redact else raw)[: settings.quarantine_raw_chars]
        if kept != raw:
            updates.append([kept, rowid])
    if updates:
        con.executemany(sql("update_quarantined_raw"), updates)


def _quarantine_file(
    con: duckdb.DuckDBPyConnection,
    spec: _KindSpec,
    f: LandedFile,
    digest: Digest,
    changed: bool,
    run_id: str,
    reason: str,
    detail: str,
) -> _FileResult:
    with transaction(con):
        if changed:
            _forget(con, spec, [f.path])
        _insert_file_quarantine(con, spec, f, run_id, reason, detail)
        result = _FileResult(reason)
        _record_file(con, f, digest, run_id, result)
    return result


def _insert_file_quarantine(
    con: duckdb.DuckDBPyConnection,
    spec: _KindSpec,
    f: LandedFile,
    run_id: str,
    reason: str,
    detail: str,
) -> None:
    con.execute(
        sql("insert_file_quarantine"),
        {
            "run_id": run_id,
            "kind": f.kind,
            "path": f.path,
            "reason": reason,
            "detail": detail,
            "size_bytes": f.size_bytes,
        },
    )


def _record_file(
    con: duckdb.DuckDBPyConnection,
    f: LandedFile,
    digest: Digest,
    run_id: str,
    result: _FileResult,
) -> None:
    con.execute(
        sql("insert_ingested_file"),
        {
            "path": f.path,
            "kind": f.kind,
            "format": f.format,
            "dt": f.dt,
            "size_bytes": f.size_bytes,
            "mtime": f.mtime,
            "sha256": _sha(digest),
            "status": result.status,
            "parse_path": result.parse_path,
            "rows_read": result.rows_read,
            "rows_inserted": result.rows_inserted,
            "rows_duplicate": result.rows_duplicate,
            "rows_quarantined": result.rows_quarantined,
            "run_id": run_id,
        },
    )


@task(name="ingest-logs", cache_policy=NO_CACHE)
def ingest_logs_task(
    warehouse: str,
    landing: str,
    run_id: str,
    settings: IngestSettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> IngestSummary:
    """Prefect task: open the warehouse and run :func:`ingest_logs`."""
    cache = settings.landing_cache or f"{warehouse}.landing-cache"
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return ingest_logs(con, landing, run_id, settings, cache)
