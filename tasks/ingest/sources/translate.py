"""Bring a source's files into the warehouse through the native landing format.

Each source file is translated, record by record, into native landing lines
under ``<warehouse>.sources/<name>/{interactions,events}/dt=YYYY-MM-DD/``; then
:func:`tasks.ingest.ingest.ingest_logs` reads that folder like any landing root.
So a source gets the same incremental bookkeeping (``ingested_files``), the
same checks, quarantine and exact counts as the native format:

* a source file whose size and mtime are unchanged is not translated again, and
  a translation that gives the same bytes is not read again;
* a record the adapter cannot map is written as a ``_source_reject`` line that
  ingestion quarantines with the adapter's reason, its detail and raw text;
* a record that is not ours (a tool or HTTP span) is counted as skipped.

Counts reconcile twice: source records read = mapped + skipped + rejected, and
lines written (interactions + events + rejects) = what ingestion read.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.errors import LandingError
from tasks.ingest.ingest import IngestSettings, IngestSummary, ingest_logs
from tasks.ingest.sources import langfuse_export, openai_log, otel_genai
from tasks.ingest.sources.common import Outcome, reject_line
from tasks.ingest.sources.config import SourceConfig
from tasks.warehouse.db import connect

log = logging.getLogger(__name__)

# (lines, source, index kept across files, the file's path parts below the root) -> outcomes
Reader = Callable[
    [Iterator[tuple[int, str]], SourceConfig, dict, tuple[str, ...]], Iterator[Outcome]
]


@dataclass(frozen=True)
class Adapter:
    """How one source kind is read: which files, in which order, by which reader."""

    suffixes: tuple[str, ...]
    read: Reader
    order: Callable[[tuple[str, ...]], int] = lambda parts: 0  # files sort by (order, path)


ADAPTERS: dict[str, Adapter] = {
    "openai-log": Adapter(
        openai_log.SUFFIXES,
        lambda lines, source, index, parts: openai_log.read_openai_log(lines, source),
    ),
    "otel-genai": Adapter(
        otel_genai.SUFFIXES,
        lambda lines, source, index, parts: otel_genai.read_otlp_json(lines, source, index),
    ),
    "langfuse-export": Adapter(
        langfuse_export.SUFFIXES,
        lambda lines, source, index, parts: langfuse_export.read_langfuse_export(
            lines, source, index, langfuse_export.table_of(parts)
        ),
        langfuse_export.file_order,
    ),
}

_DT = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
_MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class FileTranslation:
    """One source file's records, as native landing lines."""

    outcomes: list[Outcome]
    lines: dict[str, list[dict]]  # kind -> native lines (records and rejects), in source order

    @property
    def counts(self) -> dict[str, int]:
        """mapped / skipped / rejected records, and lines written per kind."""
        return {
            "records": len(self.outcomes),
            "mapped": sum(1 for o in self.outcomes if o.records),
            "skipped": sum(1 for o in self.outcomes if o.skip),
            "rejected": sum(1 for o in self.outcomes if o.reject),
            "interactions": sum(
                1 for o in self.outcomes for k, _ in o.records if k == "interactions"
            ),
            "events": sum(1 for o in self.outcomes for k, _ in o.records if k == "events"),
        }


@dataclass(frozen=True)
class SourceSummary:
    """What one source brought in this run.

    ``records_read`` (source records in the files translated this run) =
    ``records_mapped`` + skipped + rejected; ``ingest.records_read`` =
    ``interactions_written`` + ``events_written`` + rejected.
    """

    source: str
    kind: str
    files_seen: int = 0
    files_translated: int = 0
    files_unchanged: int = 0
    records_read: int = 0
    records_mapped: int = 0
    interactions_written: int = 0
    events_written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    ingest: IngestSummary = field(default_factory=IngestSummary)

    @property
    def reconciles(self) -> bool:
        """True when every source record and every line written is accounted for once."""
        rejected = sum(self.rejected.values())
        return (
            self.records_read == self.records_mapped + sum(self.skipped.values()) + rejected
            and self.ingest.records_read
            == self.interactions_written + self.events_written + rejected
            and self.ingest.reconciles
        )

    def as_dict(self) -> dict:
        out = asdict(self)
        out["ingest"] = self.ingest.as_dict()
        out["reconciles"] = self.reconciles
        return out


def source_files(source: SourceConfig) -> list[Path]:
    """The source's log files under its root, in path order (hidden files passed over).

    Raises:
        LandingError: The root does not exist.
    """
    root = Path(source.root).expanduser()
    if not root.is_dir():
        raise LandingError(
            f"source {source.label}: root {root} does not exist or is not a folder "
            "(fix [[sources]] root in the config)"
        )
    adapter = ADAPTERS[source.kind]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        found += [
            Path(dirpath, name)
            for name in sorted(filenames)
            if not name.startswith((".", "_")) and name.endswith(adapter.suffixes)
        ]
    return sorted(found, key=lambda p: (adapter.order(p.relative_to(root).parts), p))


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line_no, text)`` of a file's non-blank lines; gzip when the name ends in ``.gz``.

    A line that is not UTF-8 is given as ``None`` text, so the adapter rejects it.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield line_no, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield line_no, None  # type: ignore[misc]


def translate_file(path: Path, source: SourceConfig, index: dict | None = None) -> FileTranslation:
    """Map one source file to native landing lines.

    Args:
        path: The source file.
        source: Its source config.
        index: State the adapter keeps across files (otel-genai: which span is which
            interaction, for feedback that arrives in a later file).
    """
    adapter = ADAPTERS[source.kind]
    root = Path(source.root).expanduser().resolve()
    resolved = path.resolve()
    parts = resolved.relative_to(root).parts if resolved.is_relative_to(root) else (path.name,)
    bad_utf8: list[Outcome] = []

    def lines() -> Iterator[tuple[int, str]]:
        for line_no, text in numbered_lines(path):
            if text is None:
                raw = "<not valid UTF-8>"
                bad_utf8.append(
                    Outcome(
                        line_no, raw, reject=("invalid_encoding", "the line is not valid UTF-8")
                    )
                )
                continue
            yield line_no, text

    outcomes = list(adapter.read(lines(), source, index if index is not None else {}, parts))
    outcomes = sorted(outcomes + bad_utf8, key=lambda o: o.line_no)
    out: dict[str, list[dict]] = {"interactions": [], "events": []}
    for o in outcomes:
        for kind, record in o.records:
            out[kind].append(record)
        if o.reject:
            reason, detail = o.reject
            where = f"{source.label} {'/'.join(parts)} line {o.line_no}"
            out[o.reject_kind].append(reject_line(reason, f"{where}: {detail}", o.raw, o.line_no))
    return FileTranslation(outcomes, out)


def translate_source(source: SourceConfig, work: Path) -> SourceSummary:
    """Translate the source's new and changed files into the native layout under ``work``.

    Args:
        source: The source config.
        work: This source's folder of translated files (``<warehouse>.sources/<name>``).

    Returns:
        The translation counts (``ingest`` left empty).
    """
    root = Path(source.root).expanduser().resolve()
    files = source_files(source)
    manifest_path = work / _MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    done = manifest.setdefault("files", {})
    index = manifest.setdefault("index", {})
    totals: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    translated = unchanged = 0
    for path in files:
        rel = str(path.resolve().relative_to(root))
        st = path.stat()
        prev = done.get(rel)
        if prev and prev["size"] == st.st_size and prev["mtime_ns"] == st.st_mtime_ns:
            unchanged += 1
            continue
        result = translate_file(path, source, index)
        dt = prev["dt"] if prev else _dt_for(path, root, result, st.st_mtime)
        name = f"{path.name.split('.')[0]}-{hashlib.sha1(rel.encode()).hexdigest()[:10]}.jsonl"
        outputs = {}
        changed = prev is None  # a new file counts even when it maps to nothing
        for kind, lines in result.lines.items():
            if not lines:
                continue
            target = work / kind / f"dt={dt}" / name
            data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
            outputs[kind] = str(target.relative_to(work))
            if target.exists() and target.read_bytes() == data:
                continue
            _write_atomic(target, data)
            changed = True
        for stale in set((prev or {}).get("outputs", {}).values()) - set(outputs.values()):
            (work / stale).unlink(missing_ok=True)
            changed = True
        done[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "dt": dt, "outputs": outputs}
        if not changed:
            unchanged += 1
            continue
        translated += 1
        totals.update(result.counts)
        skipped.update(o.skip for o in result.outcomes if o.skip)
        rejected.update(o.reject[0] for o in result.outcomes if o.reject)
    _write_atomic(manifest_path, json.dumps(manifest).encode())
    return SourceSummary(
        source=source.label,
        kind=source.kind,
        files_seen=len(files),
        files_translated=translated,
        files_unchanged=unchanged,
        records_read=totals["records"],
        records_mapped=totals["mapped"],
        interactions_written=totals["interactions"],
        events_written=totals["events"],
        skipped=dict(skipped),
        rejected=dict(rejected),
    )


def _dt_for(path: Path, root: Path, result: FileTranslation, mtime: float) -> str:
    """The file's partition: its ``dt=`` folder, else its first record's day, else its mtime's."""
    for part in path.relative_to(root).parts[:-1]:
        if m := _DT.match(part):
            return m.group(1)
    days = sorted(r["ts"][:10] for lines in result.lines.values() for r in lines if "ts" in r)
    return days[0] if days else datetime.fromtimestamp(mtime, UTC).date().isoformat()


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part")
    part.write_bytes(data)
    os.replace(part, target)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    work: str | Path,
    run_id: str,
    settings: IngestSettings | None = None,
) -> SourceSummary:
    """Translate a source's new and changed files and ingest them.

    Args:
        con: An open warehouse connection (tables created).
        source: The source config.
        work: The folder holding every source's translated copy
            (``<warehouse>.sources``); this source uses ``<work>/<name>``.
        run_id: The loop run; every row written carries it.
        settings: Ingest settings; the defaults when omitted.

    Returns:
        Translation and ingest counts; ``summary.reconciles`` is always true.
    """
    folder = Path(work) / source.label
    summary = translate_source(source, folder)
    if not any((folder / kind).is_dir() for kind in ("interactions", "events")):
        return summary  # nothing mapped yet
    ingest = ingest_logs(con, folder, run_id, settings)
    summary = replace(summary, ingest=ingest)
    log.info(
        "source %s: %d records read, %d mapped, %d skipped, %d rejected; %d rows inserted",
        source.label,
        summary.records_read,
        summary.records_mapped,
        sum(summary.skipped.values()),
        sum(summary.rejected.values()),
        ingest.inserted,
    )
    return summary


def sources_work_dir(warehouse: str) -> str:
    """Where the sources' translated copies live: beside the warehouse."""
    return f"{warehouse}.sources"


@task(name="ingest-sources", cache_policy=NO_CACHE)
def ingest_sources_task(
    warehouse: str,
    sources: list[SourceConfig],
    run_id: str,
    settings: IngestSettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> list[SourceSummary]:
    """Prefect task: open the warehouse and run :func:`ingest_source` for each source."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return [
            ingest_source(con, source, sources_work_dir(warehouse), run_id, settings)
            for source in sources
        ]
