"""The versioned-set store: a committed version is never taken for absent, rewritten, or
given to two writers."""

from __future__ import annotations

import errno
import json
import threading
import time

import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from expectations.suites import ValidationReport
from tasks.publish.sets import publish_set
from tasks.publish.store import PublishError, Store, write_version
from tasks.warehouse.db import connect


class _FailingReads(pafs.FileSystemHandler):
    """The local filesystem, except that reading a file named ``fail`` is an I/O error
    (as a permission problem or a transient S3 error would be)."""

    def __init__(self, fail: str) -> None:
        self.inner = pafs.LocalFileSystem()
        self.fail = fail

    def __eq__(self, other) -> bool:
        return self is other

    def __ne__(self, other) -> bool:
        return self is not other

    def get_type_name(self) -> str:
        return "failing-reads"

    def normalize_path(self, path):
        return self.inner.normalize_path(path)

    def get_file_info(self, paths):
        return self.inner.get_file_info(paths)

    def get_file_info_selector(self, selector):
        return self.inner.get_file_info(selector)

    def open_input_stream(self, path):
        if path.endswith(self.fail):
            raise OSError(errno.EIO, "Input/output error", path)
        return self.inner.open_input_stream(path)

    def open_input_file(self, path):
        return self.inner.open_input_file(path)

    def create_dir(self, path, recursive):
        self.inner.create_dir(path, recursive=recursive)

    def delete_dir(self, path):
        self.inner.delete_dir(path)

    def delete_dir_contents(self, path, missing_dir_ok=False):
        self.inner.delete_dir_contents(path, missing_dir_ok=missing_dir_ok)

    def delete_root_dir_contents(self):
        raise NotImplementedError

    def delete_file(self, path):
        self.inner.delete_file(path)

    def move(self, src, dest):
        self.inner.move(src, dest)

    def copy_file(self, src, dest):
        self.inner.copy_file(src, dest)

    def open_output_stream(self, path, metadata):
        return self.inner.open_output_stream(path)

    def open_append_stream(self, path, metadata):
        return self.inner.open_append_stream(path)


def _commit(store: Store, version: str, text: str) -> None:
    manifest = {"version": version, "status": "published", "content_hash": text}
    write_version(store, "prefs", version, {"data.txt": text.encode()}, manifest, True, "run-1")


def test_a_read_error_is_not_taken_for_absent(tmp_path):
    store = Store(str(tmp_path))
    _commit(store, "v0001", "first")
    store.fs = pafs.PyFileSystem(_FailingReads("manifest.json"))
    with pytest.raises(PublishError, match=r"cannot read .*manifest\.json"):
        store.versions("prefs")  # not []: v0001 would be numbered and written again
    with pytest.raises(PublishError, match="cannot read"):
        store.manifest("prefs", "v0001")
    assert store.read(store.path("prefs", "v0002", "manifest.json")) is None, "truly absent"


def test_a_committed_version_is_never_rewritten(tmp_path):
    store = Store(str(tmp_path))
    _commit(store, "v0001", "first")
    with pytest.raises(PublishError, match="already committed"):
        _commit(store, "v0001", "second")
    assert (tmp_path / "prefs" / "v0001" / "data.txt").read_text() == "first"
    assert json.loads((tmp_path / "prefs" / "v0001" / "manifest.json").read_text())[
        "content_hash"
    ] == ("first")


def _publish_two_at_once(root: str, tmp_path) -> list:
    """Two warehouses publish different content to one root at the same moment."""
    results: list = []
    errors: list = []

    def slow_card(manifest: dict) -> bytes:
        time.sleep(0.5)  # both have chosen their number by now, unless one waits
        return b"card"

    def one(i: int) -> None:
        try:
            con = connect(str(tmp_path / f"wh{i}.duckdb"))
            table = pa.table({"x": [i, i + 10]})
            summary = publish_set(
                con,
                "evalset",
                root,
                "prefs",
                "data.parquet",
                table,
                lambda t: ValidationReport(True),
                slow_card,
                f"run-{i}",
            )
            results.append(summary)
            con.close()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_two_writers_never_take_the_same_version(tmp_path):
    results = _publish_two_at_once(str(tmp_path / "ds"), tmp_path)
    assert sorted(r.version for r in results) == ["v0001", "v0002"]
    store = Store(str(tmp_path / "ds"))
    assert store.versions("prefs") == ["v0001", "v0002"]
    hashes = {store.manifest("prefs", v)["content_hash"] for v in ("v0001", "v0002")}
    assert hashes == {r.content_hash for r in results}, "each version kept its own content"


def test_two_writers_on_s3_never_take_the_same_version(s3_bucket, tmp_path):
    root = f"s3://{s3_bucket}/ds"
    results = _publish_two_at_once(root, tmp_path)
    assert sorted(r.version for r in results) == ["v0001", "v0002"]
    store = Store(root)
    assert store.versions("prefs") == ["v0001", "v0002"]
    hashes = {store.manifest("prefs", v)["content_hash"] for v in ("v0001", "v0002")}
    assert hashes == {r.content_hash for r in results}
