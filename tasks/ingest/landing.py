"""Landing roots on object storage (``s3://``, ``gs://``, ...) through pyarrow's filesystems.

DuckDB here has no httpfs extension, so remote log files are listed with
pyarrow and mirrored into a local cache before ingest reads them: only files
that are new or whose size or modification time changed are downloaded, each
into a hidden temporary name renamed into place, so a killed copy is never
mistaken for a file.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import pyarrow.fs as pafs

from tasks.errors import LandingError

log = logging.getLogger(__name__)

KINDS = ("interactions", "events")


def no_log_folders(root: object) -> LandingError:
    """The error for a landing root that holds neither log folder."""
    return LandingError(
        f"landing root {root} has neither interactions/ nor events/: expected "
        "<landing>/interactions/dt=YYYY-MM-DD/*.jsonl (see docs/log-format.md)"
    )


def is_remote(landing: str | Path) -> bool:
    """Whether the landing root is a URI (object storage) rather than a local folder."""
    return "://" in str(landing)


@dataclass(frozen=True)
class RemoteFile:
    """One file under a remote landing root."""

    uri: str
    relative: PurePosixPath  # below the landing root: interactions/dt=.../name
    size_bytes: int
    mtime: datetime


def list_remote(landing: str) -> list[RemoteFile]:
    """Every file under ``<landing>/interactions`` and ``<landing>/events``, in path order.

    Raises:
        LandingError: The URI cannot be opened, or holds neither folder.
    """
    scheme = landing.split("://", 1)[0]
    try:
        fs, root = pafs.FileSystem.from_uri(landing)
    except (OSError, ValueError) as exc:
        raise LandingError(f"landing {landing!r} cannot be opened: {exc}") from exc
    root = root.rstrip("/")
    found: list[RemoteFile] = []
    seen_kind = False
    for kind in KINDS:
        selector = pafs.FileSelector(f"{root}/{kind}", recursive=True, allow_not_found=True)
        try:
            infos = fs.get_file_info(selector)
        except OSError as exc:
            raise LandingError(f"landing {landing!r} cannot be listed: {exc}") from exc
        seen_kind = seen_kind or bool(infos)
        for info in infos:
            if info.type != pafs.FileType.File:
                continue
            relative = PurePosixPath(info.path).relative_to(root)
            mtime = info.mtime or datetime.fromtimestamp(0, UTC)
            found.append(
                RemoteFile(
                    uri=f"{scheme}://{info.path}",
                    relative=relative,
                    size_bytes=info.size,
                    mtime=mtime.astimezone(UTC),
                )
            )
    if not seen_kind:
        raise no_log_folders(landing)
    return sorted(found, key=lambda f: str(f.relative))


def mirror_landing(landing: str, cache_dir: str | Path) -> Path:
    """Bring a remote landing root's new and changed files into a local mirror.

    Args:
        landing: The remote landing root, e.g. ``s3://bucket/logs``.
        cache_dir: The local folder that holds mirrors (one sub-folder per root).

    Returns:
        The local mirror of the root, laid out exactly like the remote one; each
        copy keeps the remote modification time, so an unchanged file is neither
        downloaded nor read again.
    """
    fs, root = pafs.FileSystem.from_uri(landing)
    local_root = Path(cache_dir).expanduser() / landing.split("://", 1)[0] / root.strip("/")
    copied = kept = skipped = 0
    for f in list_remote(landing):
        if f.relative.name.startswith((".", "_")):
            continue  # ingest ignores them; no need to download
        local = _inside(local_root, f.relative)
        if local is None:
            log.warning("landing %s: key %s leads outside the mirror; not copied", landing, f.uri)
            skipped += 1
            continue
        if local.exists():
            st = local.stat()
            if st.st_size == f.size_bytes and int(st.st_mtime) == int(f.mtime.timestamp()):
                kept += 1
                continue
        local.parent.mkdir(parents=True, exist_ok=True)
        part = local.with_name(f".{local.name}.part")
        with (
            fs.open_input_stream(f.uri.split("://", 1)[1], compression=None) as src,
            open(part, "wb") as dst,
        ):
            shutil.copyfileobj(src, dst, length=8 << 20)
        stamp = f.mtime.timestamp()
        os.utime(part, (stamp, stamp))
        os.replace(part, local)
        copied += 1
    log.info(
        "landing %s: %d files downloaded, %d already mirrored, %d unsafe keys skipped",
        landing,
        copied,
        kept,
        skipped,
    )
    return local_root


def _inside(local_root: Path, relative: PurePosixPath) -> Path | None:
    """Where a remote file is mirrored, or None when its key would lead outside the
    mirror (``..``, ``.``, an absolute or empty part: object stores allow such keys)."""
    parts = relative.parts
    if relative.is_absolute() or any(p in ("", ".", "..") or "\\" in p for p in parts):
        return None
    local = local_root.joinpath(*parts)
    if not os.path.abspath(local).startswith(os.path.abspath(local_root) + os.sep):
        return None
    return local
