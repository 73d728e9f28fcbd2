"""A landing root on object storage (a local S3 server): listed, mirrored, ingested."""

from __future__ import annotations

import shutil
import time

import pyarrow.fs as pafs
import pytest

from tasks.errors import LandingError
from tasks.ingest.ingest import discover_files, ingest_logs
from tasks.sample.generate import generate_logs
from tasks.warehouse.db import connect


@pytest.fixture
def landed(tmp_path, s3_bucket):
    """The same generated logs (gzipped, a few corrupt) locally and under s3://<bucket>/logs."""
    local = tmp_path / "landing"
    generate_logs(local, 400, seed=3, days=2, corrupt_rate=0.05, compress=True)
    (local / "interactions" / "README.txt").write_text("not a log")
    s3, _ = pafs.FileSystem.from_uri(f"s3://{s3_bucket}")
    pafs.copy_files(str(local), f"{s3_bucket}/logs", destination_filesystem=s3)
    return local, f"s3://{s3_bucket}/logs"


def _counts(con) -> tuple:
    return (
        con.execute("SELECT count(*) FROM interactions").fetchone()[0],
        con.execute("SELECT count(*) FROM events").fetchone()[0],
        con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 1").fetchall(),
    )


def test_a_remote_landing_root_ingests_exactly_like_a_local_one(landed, tmp_path):
    local, uri = landed
    files, ignored = discover_files(uri)
    local_files, local_ignored = discover_files(local)
    assert [f.path.split("/logs/", 1)[1] for f in files] == [
        f.path.split("/landing/", 1)[1] for f in local_files
    ]
    assert all(f.path.startswith(uri) for f in files)
    assert [(f.size_bytes, f.kind, f.dt, f.format) for f in files] == [
        (f.size_bytes, f.kind, f.dt, f.format) for f in local_files
    ]
    assert [why for _, why in ignored] == [why for _, why in local_ignored] != []

    with connect(":memory:") as ref:
        expected = ingest_logs(ref, local, "r1")
        expected_counts = _counts(ref)
    con = connect(":memory:")
    got = ingest_logs(con, uri, "r1", cache_dir=tmp_path / "cache")
    assert got.reconciles and got.records_read == expected.records_read > 400
    assert (got.inserted, got.quarantined) == (expected.inserted, expected.quarantined)
    assert _counts(con) == expected_counts
    mirror = tmp_path / "cache" / "s3" / uri.removeprefix("s3://")
    assert (mirror / "interactions").is_dir() and not list(mirror.rglob(".*.part"))

    # nothing new: nothing downloaded, nothing read
    before = {p: p.stat().st_mtime_ns for p in mirror.rglob("*.gz")}
    again = ingest_logs(con, uri, "r2", cache_dir=tmp_path / "cache")
    assert again.records_read == 0 and again.files_unchanged == len(files)
    assert {p: p.stat().st_mtime_ns for p in mirror.rglob("*.gz")} == before

    # a new file lands remotely: only it is read
    first = next(local.glob("interactions/dt=*/*.jsonl.gz"))
    extra = first.with_name("late-arrival.jsonl.gz")
    shutil.copy(first, extra)
    time.sleep(0.01)
    s3, _ = pafs.FileSystem.from_uri(uri)
    relative = extra.relative_to(local).as_posix()
    with (
        open(extra, "rb") as src,
        s3.open_output_stream(f"{uri[5:]}/{relative}", compression=None) as dst,
    ):
        dst.write(src.read())
    third = ingest_logs(con, uri, "r3", cache_dir=tmp_path / "cache")
    assert third.files_duplicate == 1 and third.records_read == 0, "same bytes: not read again"
    con.close()


def test_a_remote_root_without_log_folders_is_a_clear_error(s3_bucket, tmp_path):
    with pytest.raises(LandingError, match="neither interactions/ nor events/"):
        discover_files(f"s3://{s3_bucket}/nothing-here")
    con = connect(":memory:")
    with pytest.raises(LandingError, match="neither interactions/ nor events/"):
        ingest_logs(con, f"s3://{s3_bucket}/nothing-here", "r1", cache_dir=tmp_path)
    con.close()
