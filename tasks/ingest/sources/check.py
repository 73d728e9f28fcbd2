"""``badcase-loop sources check``: how a sample of a source maps, before the first run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tasks.ingest.sources.config import SourceConfig
from tasks.ingest.sources.translate import source_files, translate_file


@dataclass(frozen=True)
class SourceCheck:
    """What a sample of a source's files would become; nothing is written."""

    source: str
    kind: str
    files_found: int = 0
    files_read: int = 0
    records_read: int = 0
    records_mapped: int = 0
    interactions: int = 0
    events: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    reject_examples: list[str] = field(default_factory=list)  # "file line N: reason: detail"
    sample: dict[str, dict] = field(default_factory=dict)  # kind -> first mapped record


def check_source(source: SourceConfig, max_files: int = 20, examples: int = 5) -> SourceCheck:
    """Translate up to ``max_files`` of the source's files in memory and count the outcomes.

    Raises:
        LandingError: The source root does not exist.
    """
    files = source_files(source)
    root = Path(source.root).expanduser().resolve()
    index: dict = {}
    totals: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    shown: list[str] = []
    sample: dict[str, dict] = {}
    for path in files[:max_files]:
        result = translate_file(path, source, index)
        totals.update(result.counts)
        for o in result.outcomes:
            if o.skip:
                skipped[o.skip] += 1
            if o.reject:
                rejected[o.reject[0]] += 1
                if len(shown) < examples:
                    where = path.resolve().relative_to(root)
                    shown.append(f"{where} line {o.line_no}: {o.reject[0]}: {o.reject[1]}")
            for kind, record in o.records:
                sample.setdefault(kind, record)
    return SourceCheck(
        source=source.label,
        kind=source.kind,
        files_found=len(files),
        files_read=min(len(files), max_files),
        records_read=totals["records"],
        records_mapped=totals["mapped"],
        interactions=totals["interactions"],
        events=totals["events"],
        skipped=dict(skipped),
        rejected=dict(rejected),
        reject_examples=shown,
        sample=sample,
    )
