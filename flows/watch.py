"""The landing watcher: announce new log files as Prefect events.

``watch-landing`` runs every few minutes. It lists the landing root, compares
it with what it announced before (a small state file beside the warehouse, so
it never needs the warehouse itself, which a running loop holds) and emits one
``badcase.logs.landed`` event naming every new or changed file. One event per
check, however many files arrived, so a burst of files makes one loop run; the
loop deployment's trigger listens for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.events import emit_event

from flows.config import LoopConfig
from tasks.ingest.ingest import discover_files
from tasks.ingest.landing import is_remote
from tasks.ingest.sources.translate import source_files

LANDED_EVENT = "badcase.logs.landed"


@dataclass(frozen=True)
class WatchSummary:
    """What one check found."""

    files: int = 0
    new: list[str] = field(default_factory=list)
    event_id: str | None = None


def state_path(config: LoopConfig) -> Path:
    """Where the watcher remembers what it announced: beside the warehouse."""
    return Path(f"{Path(config.warehouse).expanduser().resolve()}.watch.json")


def landing_resource(landing: str) -> dict[str, str]:
    """The Prefect event resource naming a landing root."""
    root = str(Path(landing).expanduser().resolve())
    return {"prefect.resource.id": f"badcase.landing.{root}", "badcase.landing": root}


@flow(name="watch-landing", description="Announce new log files under the landing root.")
def watch_landing(config: LoopConfig | None = None) -> WatchSummary:
    """Emit ``badcase.logs.landed`` naming the files that are new since the last check."""
    config = config or LoopConfig()
    logger = get_run_logger()
    native = not config.sources or is_remote(config.landing) or Path(config.landing).exists()
    files, _ = discover_files(config.landing) if native else ([], [])
    state_file = state_path(config)
    try:
        seen = json.loads(state_file.read_text()) if state_file.exists() else {}
    except ValueError:
        seen = {}  # a damaged state file: announce everything once more (ingest is idempotent)
    current = {f.path: [f.size_bytes, f.mtime.isoformat()] for f in files}
    for source in config.sources:  # [[sources]] roots are watched too
        for path in source_files(source):
            st = path.stat()
            current[str(path.resolve())] = [st.st_size, str(st.st_mtime_ns)]
    new = sorted(path for path, stamp in current.items() if seen.get(path) != stamp)
    event_id = None
    if new:
        event = emit_event(
            event=LANDED_EVENT,
            resource=landing_resource(config.landing),
            payload={"landing": config.landing, "files": new, "count": len(new)},
        )
        event_id = str(event.id) if event else None
        logger.info("%d new log files under %s: announced", len(new), config.landing)
    # written after the event: a crash in between announces the files again, never never
    tmp = state_file.with_suffix(".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(json.dumps(current))
    tmp.replace(state_file)
    return WatchSummary(len(current), new, event_id)
