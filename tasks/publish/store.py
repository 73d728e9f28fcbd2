"""The versioned-set store every published set shares: preference, eval and RL sets.

A set lives on a local path or ``s3://`` (pyarrow's filesystems)::

    <root>/<name>/vNNNN/...          one version: its files, README.md, manifest.json
    <root>/<name>/LATEST             the newest valid version
    <root>/<name>/quarantine/<id>/   a candidate that failed validation

:func:`write_version` is the one writer: locally a version is written under a
temporary name and renamed into place; on object storage, where there is no
rename, ``manifest.json`` is written last and readers only trust a version that
has one. ``LATEST`` moves only after the version is complete. A committed version
(one with a manifest) is never deleted or rewritten, and two writers never take
the same ``vNNNN``: locally they take turns on a lock file (``<name>/.publish.lock``,
``fcntl``); on ``s3://`` each claims its number with a conditional create
(``<name>/.claims/vNNNN``, ``If-None-Match: *``). Only a definite "not found"
counts as absent; any other read error stops the publish. Each kind of set
supplies its files, its manifest fields and its card template
(``tasks/publish/cards/<kind>.md``, rendered by :func:`render_card`).
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from tasks.errors import BadcaseError
from tasks.files import stage_file_text

_VERSION = re.compile(r"^v(\d{4,})$")


class PublishError(BadcaseError):
    """The datasets location cannot be written or read."""


class Store:
    """A datasets root on any pyarrow filesystem (local path or ``s3://``)."""

    def __init__(self, root: str) -> None:
        try:
            if "://" in root:
                self.fs, base = pafs.FileSystem.from_uri(root)
            else:
                self.fs, base = pafs.LocalFileSystem(), str(Path(root).expanduser().resolve())
        except (pa.ArrowInvalid, OSError) as exc:
            raise PublishError(f"cannot open the datasets location {root}: {exc}") from None
        self.root = root
        self.base = base.rstrip("/")
        self.local = isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, *parts: str) -> str:
        return "/".join([self.base, *parts])

    def uri(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def write(self, path: str, data: bytes) -> None:
        self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self.fs.open_output_stream(path) as out:
            out.write(data)

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None only when it definitely does not exist.

        Raises:
            PublishError: It exists but cannot be read (permissions, a transient
                object-storage error, ...): never taken for "absent".
        """
        try:
            with self.fs.open_input_stream(path) as f:
                return f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            try:
                missing = self.fs.get_file_info(path).type == pafs.FileType.NotFound
            except OSError:
                missing = False
            if missing:
                return None
            raise PublishError(f"cannot read {path}: {exc}") from exc

    @contextmanager
    def publishing(self, name: str) -> Iterator[None]:
        """Hold ``name``'s publish lock while a version number is chosen and written.

        Locally an exclusive ``fcntl`` lock on ``<name>/.publish.lock`` (released when the
        process dies); on object storage nothing: :meth:`claim` makes numbers unique.
        """
        if not self.local:
            yield
            return
        folder = Path(self.path(name))
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".publish.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def claim(self, name: str, version: str, digest: str) -> bool:
        """Claim ``version`` of ``name`` for content ``digest`` on object storage.

        A conditional create (``If-None-Match: *``) of ``<name>/.claims/<version>``: of
        two writers only one gets it. A claim with the same content is taken again (a
        killed run's retry). Locally every number is free to the lock holder.

        Raises:
            PublishError: boto3 is missing or the claim cannot be written.
        """
        if self.local:
            return True
        try:
            import boto3
            from botocore.exceptions import ClientError
        except ImportError:
            raise PublishError(
                "publishing to s3:// claims each version with a conditional create, which "
                "needs boto3: pip install 'badcase-loop[s3]'"
            ) from None
        bucket, _, prefix = self.base.partition("/")
        key = "/".join(p for p in (prefix, name, ".claims", version) if p)
        client = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
        try:
            client.put_object(Bucket=bucket, Key=key, Body=digest.encode(), IfNoneMatch="*")
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
                raise PublishError(f"cannot claim {self.uri(name, version)}: {exc}") from exc
        held = client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        return held == digest and self.manifest(name, version) is None

    def versions(self, name: str) -> list[str]:
        """Committed versions (those with a manifest), oldest first."""
        selector = pafs.FileSelector(self.path(name), allow_not_found=True)
        found = []
        for info in self.fs.get_file_info(selector):
            base = info.base_name
            committed = self.read(self.path(name, base, "manifest.json")) is not None
            if info.type == pafs.FileType.Directory and _VERSION.match(base) and committed:
                found.append(base)
        return sorted(found, key=lambda v: int(v[1:]))

    def latest(self, name: str) -> str | None:
        data = self.read(self.path(name, "LATEST"))
        return data.decode().strip() if data else None

    def manifest(self, name: str, version: str) -> dict | None:
        data = self.read(self.path(name, version, "manifest.json"))
        return json.loads(data) if data else None

    def interrupted(self, name: str, digest: str) -> dict | None:
        """The manifest of a version with this content that a killed run committed but
        never pointed ``LATEST`` at (its last step), or None."""
        versions = self.versions(name)
        if not versions or versions[-1] == self.latest(name):
            return None
        newest = self.manifest(name, versions[-1]) or {}
        if newest.get("content_hash") == digest and newest.get("status") == "published":
            return newest
        return None


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as a zstd-compressed Parquet file."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def version_name(versions: list[str], valid: bool, run_id: str, digest: str) -> str:
    """The next ``vNNNN`` after the committed ``versions``, or a quarantine name."""
    number = int(versions[-1][1:]) + 1 if versions else 1
    return f"v{number:04d}" if valid else f"q-{run_id[:8]}-{digest[:8]}"


def next_version(store: Store, name: str, valid: bool, run_id: str, digest: str) -> str:
    """The version this content gets: the next free ``vNNNN`` (claimed on object
    storage), or a quarantine name. Call it inside :meth:`Store.publishing`."""
    version = version_name(store.versions(name), valid, run_id, digest)
    if not valid:
        return version
    number = int(version[1:])
    while not store.claim(name, f"v{number:04d}", digest):
        number += 1
    return f"v{number:04d}"


def results_json(report) -> bytes:
    """A validation report as the ``validation/results.json`` a version carries."""
    return json.dumps(
        {"success": report.success, "results": report.results}, indent=1, default=str
    ).encode()


def file_index(files: dict[str, bytes]) -> dict[str, dict]:
    """sha256 and size of a version's files for its manifest (Data Docs pages left out)."""
    return {
        path: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for path, data in files.items()
        if not path.startswith("validation/docs")
    }


def manifest_head(
    name: str,
    version: str,
    valid: bool,
    parent: str | None,
    run_id: str,
    digest: str,
    kind: str | None = None,
) -> dict:
    """The fields every manifest starts with: name, (kind,) version, status, parent, time,
    run and content hash."""
    return {
        "name": name,
        **({"kind": kind} if kind else {}),
        "version": version,
        "status": "published" if valid else "quarantined",
        "parent": parent,
        "created_at": datetime.now(UTC).isoformat(),
        "run_id": run_id,
        "content_hash": digest,
    }


def validation_summary(report) -> dict:
    """The ``validation`` block of a manifest: success, expectations run, failures."""
    return {
        "success": report.success,
        "expectations": len(report.results),
        "failures": report.failures,
    }


def render_card(kind: str, manifest: dict, **values: object) -> bytes:
    """The dataset card ``README.md`` of a version, from ``tasks/publish/cards/<kind>.md``.

    The template is a :meth:`str.format` string: it reads ``{manifest[...]}``,
    ``{validation}`` (``passed`` or ``FAILED``) and the named ``values``.
    """
    text = stage_file_text("cards", ".md", kind)
    success = manifest["validation"]["success"]
    text = text.format(manifest=manifest, validation="passed" if success else "FAILED", **values)
    return text.encode()


def card_names() -> list[str]:
    """Every card template shipped in ``tasks/<stage>/cards`` (for wiring tests)."""
    from tasks.files import stage_files

    return list(stage_files("cards", ".md"))


def write_version(
    store: Store,
    name: str,
    version: str,
    files: dict[str, bytes],
    manifest: dict,
    valid: bool,
    run_id: str,
) -> str:
    """Write a version so that it appears only when complete; returns its location.

    A valid version becomes ``LATEST``; an invalid one goes to ``quarantine/``.

    Raises:
        PublishError: The location cannot be written.
    """
    final = ("quarantine", version) if not valid else (version,)
    manifest_bytes = json.dumps(manifest, indent=1, ensure_ascii=False, default=str).encode()
    try:
        if store.local:
            tmp = store.path(name, f".tmp-{version}-{run_id[:8]}")
            store.fs.delete_dir_contents(tmp, missing_dir_ok=True)
            for path, data in files.items():
                store.write(f"{tmp}/{path}", data)
            store.write(f"{tmp}/manifest.json", manifest_bytes)  # the commit marker, last
            store.fs.create_dir(store.path(name, *final[:-1]), recursive=True)
            _remove_remnant(store, store.path(name, *final))  # a killed run's half version
            store.fs.move(tmp, store.path(name, *final))
        else:
            _remove_remnant(store, store.path(name, *final))
            for path, data in files.items():
                store.write(store.path(name, *final, path), data)
            store.write(store.path(name, *final, "manifest.json"), manifest_bytes)
        if valid:
            point_latest(store, name, version, run_id)
    except OSError as exc:
        raise PublishError(f"cannot write {store.uri(name, *final)}: {exc}") from exc
    return store.uri(name, *final)


def point_latest(store: Store, name: str, version: str, run_id: str) -> None:
    """Point LATEST at ``version`` (atomically where the filesystem can rename)."""
    if store.local:
        tmp = store.path(name, f".LATEST-{run_id[:8]}")
        store.write(tmp, version.encode() + b"\n")
        store.fs.move(tmp, store.path(name, "LATEST"))
    else:
        store.write(store.path(name, "LATEST"), version.encode() + b"\n")


def _remove_remnant(store: Store, path: str) -> None:
    """Delete what a killed run left at a version's place (no manifest: never visible).

    Raises:
        PublishError: A committed version (with a manifest) is there: never rewritten.
    """
    if store.fs.get_file_info(path).type == pafs.FileType.NotFound:
        return
    if store.read(f"{path}/manifest.json") is not None:
        raise PublishError(f"{path} is already committed: a published version is never rewritten")
    store.fs.delete_dir(path)
