"""Source adapters: logs in formats teams already write, into the native tables.

See ``docs/sources.md``. Each adapter maps a source record to native landing
records (``tasks/ingest/records.py``); :mod:`tasks.ingest.sources.translate`
writes them as a native landing root and ingests it.
"""

from tasks.ingest.sources.config import SourceConfig
from tasks.ingest.sources.translate import (
    SourceSummary,
    ingest_source,
    ingest_sources_task,
    translate_file,
)

__all__ = [
    "SourceConfig",
    "SourceSummary",
    "ingest_source",
    "ingest_sources_task",
    "translate_file",
]
