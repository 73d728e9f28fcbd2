"""Ingestion: incremental, idempotent, every malformed record quarantined with its reason."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from tasks.errors import LandingError
from tasks.ingest.ingest import IngestSettings, discover_files, ingest_logs
from tests.conftest import CONTRACT

DAY = "dt=2026-11-01"


def _interaction(iid: str, **overrides) -> dict:
    record = {
        "interaction_id": iid,
        "conversation_id": "c-" + iid,
        "turn_index": 0,
        "ts": "2026-11-01T08:00:00Z",
        "user_id": "u1",
        "scene": "visa",
        "model": "m1",
        "messages": [{"role": "user", "content": "What do I need for a visa?"}],
        "response": {"content": "A passport and a form.", "finish_reason": "stop"},
    }
    record.update(overrides)
    return record


def _write(path: Path, records: list, raw_lines: list[bytes] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    data += b"".join(line + b"\n" for line in raw_lines or [])
    path.write_bytes(data)
    return path


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_contract_sample(con):
    s = ingest_logs(con, CONTRACT / "landing", "r1")
    assert (_count(con, "interactions"), _count(con, "events")) == (7, 5)
    assert s.records_read == 13 and s.quarantined == 1 and s.reconciles
    row = con.execute("SELECT line_no, reason, record_id FROM quarantine").fetchone()
    assert row == (8, "invalid_json", None)


def test_second_run_reads_nothing(con, clean_logs):
    first = ingest_logs(con, clean_logs, "r1")
    before = (_count(con, "interactions"), _count(con, "events"))
    second = ingest_logs(con, clean_logs, "r2")
    assert first.inserted > 0 and first.reconciles
    assert second.records_read == 0 and second.files_new == 0
    assert second.files_unchanged == first.files_seen
    assert (_count(con, "interactions"), _count(con, "events")) == before


def test_clean_files_take_the_fast_path(con, clean_logs):
    s = ingest_logs(con, clean_logs, "r1")
    assert s.careful_path_files == 0 and s.fast_path_files == s.files_seen
    paths = {r[0] for r in con.execute("SELECT DISTINCT parse_path FROM ingested_files").fetchall()}
    assert paths == {"fast"}
    # The fast path keeps every field.
    row = con.execute(
        "SELECT len(messages), response_content IS NOT NULL, metadata->>'lang', dt "
        "FROM interactions LIMIT 1"
    ).fetchone()
    assert row[0] >= 2 and row[1] and row[2] in ("en", "zh") and str(row[3]).startswith("2026-11-0")


def test_every_corruption_is_quarantined_at_its_line(con, corrupt_logs):
    s = ingest_logs(con, corrupt_logs, "r1")
    assert s.reconciles
    quarantined = {
        (Path(r[0]).relative_to(corrupt_logs).as_posix(), r[1]): r[2]
        for r in con.execute("SELECT source_file, line_no, reason FROM quarantine").fetchall()
    }
    listed = [json.loads(x) for x in (corrupt_logs / "corruptions.jsonl").read_text().splitlines()]
    assert len(listed) == len(quarantined)
    for c in listed:
        assert quarantined[(c["file"], c["line"])] == c["expected_reason"], c
    assert s.duplicates == sum(1 for c in listed if c["kind"] == "duplicate_id")
    assert s.quarantined == sum(1 for c in listed if c["line"] is not None) - s.duplicates
    assert s.files_quarantined == 1  # the empty file


def test_nothing_malformed_reaches_the_tables(con, corrupt_logs):
    ingest_logs(con, corrupt_logs, "r1")
    truth = [json.loads(x) for x in (corrupt_logs / "ground_truth.jsonl").read_text().splitlines()]
    corrupted = {t["interaction_id"] for t in truth if t["corrupted"]}
    kept = {r[0] for r in con.execute("SELECT interaction_id FROM interactions").fetchall()}
    assert not (corrupted & kept)
    assert kept == {t["interaction_id"] for t in truth if not t["corrupted"]}
    dupes = con.execute(
        "SELECT count(*) FROM "
        "(SELECT interaction_id FROM interactions GROUP BY 1 HAVING count(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0


def test_counts_reconcile_per_file(con, corrupt_logs):
    ingest_logs(con, corrupt_logs, "r1")
    rows = con.execute(
        "SELECT path, rows_read, rows_inserted, rows_duplicate, rows_quarantined, kind "
        "FROM ingested_files"
    ).fetchall()
    for path, read, inserted, dup, quarantined, kind in rows:
        assert read == inserted + dup + quarantined
        table = "interactions" if kind == "interactions" else "events"
        in_table = con.execute(
            f"SELECT count(*) FROM {table} WHERE source_file = ?", [path]
        ).fetchone()[0]
        in_quarantine = con.execute(
            "SELECT count(*) FROM quarantine WHERE source_file = ? AND line_no IS NOT NULL", [path]
        ).fetchone()[0]
        assert (in_table, in_quarantine) == (inserted, dup + quarantined)


def test_duplicate_ids_keep_the_first_row(con, tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "interactions" / DAY / "a.jsonl", [_interaction("x1"), _interaction("x2")])
    _write(
        landing / "interactions" / DAY / "b.jsonl",
        [_interaction("x2", model="later"), _interaction("x3"), _interaction("x3", model="again")],
    )
    s = ingest_logs(con, landing, "r1")
    assert (s.inserted, s.duplicates, s.quarantined) == (3, 2, 0)
    assert con.execute("SELECT model FROM interactions WHERE interaction_id = 'x2'").fetchall() == [
        ("m1",)
    ]
    assert con.execute("SELECT model FROM interactions WHERE interaction_id = 'x3'").fetchall() == [
        ("m1",)
    ]
    dup_lines = con.execute(
        "SELECT line_no FROM quarantine WHERE reason = 'duplicate_id' ORDER BY line_no"
    ).fetchall()
    assert dup_lines == [(1,), (3,)]
    # A later run that re-delivers an id keeps the warehouse's row.
    _write(landing / "interactions" / DAY / "c.jsonl", [_interaction("x1", model="redelivered")])
    s2 = ingest_logs(con, landing, "r2")
    assert (s2.inserted, s2.duplicates) == (0, 1)
    assert con.execute("SELECT model FROM interactions WHERE interaction_id = 'x1'").fetchall() == [
        ("m1",)
    ]


def test_changed_file_is_reread_without_duplicates(con, tmp_path):
    landing = tmp_path / "landing"
    path = _write(
        landing / "interactions" / DAY / "a.jsonl", [_interaction("x1"), _interaction("x2")]
    )
    ingest_logs(con, landing, "r1")
    _write(path, [_interaction("x1"), _interaction("x3")], raw_lines=[b"{broken"])
    os.utime(path, (1_900_000_000, 1_900_000_000))
    s = ingest_logs(con, landing, "r2")
    assert s.files_changed == 1 and s.reconciles
    ids = sorted(r[0] for r in con.execute("SELECT interaction_id FROM interactions").fetchall())
    assert ids == ["x1", "x3"], "the file's new content replaces its old rows"
    assert con.execute("SELECT line_no, reason FROM quarantine").fetchall() == [(3, "invalid_json")]
    assert _count(con, "ingested_files") == 1


def test_touched_file_with_same_bytes_is_not_reread(con, tmp_path):
    landing = tmp_path / "landing"
    path = _write(landing / "interactions" / DAY / "a.jsonl", [_interaction("x1")])
    ingest_logs(con, landing, "r1")
    os.utime(path, (1_900_000_000, 1_900_000_000))
    s = ingest_logs(con, landing, "r2")
    assert s.files_unchanged == 1 and s.records_read == 0
    s3 = ingest_logs(con, landing, "r3")  # the new mtime was remembered: no hashing again
    assert s3.files_unchanged == 1


def test_copied_file_is_recognised_by_its_bytes(con, tmp_path):
    landing = tmp_path / "landing"
    a = _write(landing / "interactions" / DAY / "a.jsonl", [_interaction("x1")])
    ingest_logs(con, landing, "r1")
    shutil.copy(a, landing / "interactions" / DAY / "copy-of-a.jsonl")
    s = ingest_logs(con, landing, "r2")
    assert s.files_duplicate == 1 and s.records_read == 0
    status = con.execute(
        "SELECT status FROM ingested_files WHERE path LIKE '%copy-of-a.jsonl'"
    ).fetchone()
    assert status == ("duplicate_file",)


def test_gzip_and_parquet_read_like_jsonl(con, clean_logs, tmp_path):
    import duckdb

    gz = tmp_path / "gz"
    pq = tmp_path / "pq"
    for kind in ("interactions", "events"):
        for src in (clean_logs / kind).rglob("part-*.jsonl"):
            rel = src.relative_to(clean_logs)
            dst = (gz / rel).with_suffix(".jsonl.gz")
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(gzip.compress(src.read_bytes()))
            out = (pq / rel).with_suffix(".parquet")
            out.parent.mkdir(parents=True, exist_ok=True)
            duckdb.sql(f"COPY (SELECT * FROM read_json('{src}')) TO '{out}' (FORMAT parquet)")
    expect = ingest_logs(con, clean_logs, "r1")
    sig = (
        "SELECT count(*), sum(hash(interaction_id, response_content, messages[-1].content, ts)) "
        "FROM interactions"
    )
    baseline = con.execute(sig).fetchone()
    for root in (gz, pq):
        from tasks.warehouse.db import connect

        other = connect(":memory:")
        s = ingest_logs(other, root, "r1")
        assert (s.inserted, s.quarantined) == (expect.inserted, 0)
        assert other.execute(sig).fetchone() == baseline
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == expect.events.inserted
        other.close()


def test_parquet_rows_are_checked_like_lines(con, tmp_path):
    import duckdb

    landing = tmp_path / "landing"
    src = _write(
        tmp_path / "src.jsonl",
        [_interaction("x1"), _interaction("x2", turn_index=-3), _interaction("x3")],
    )
    out = landing / "interactions" / DAY / "p.parquet"
    out.parent.mkdir(parents=True)
    duckdb.sql(f"COPY (SELECT * FROM read_json('{src}')) TO '{out}' (FORMAT parquet)")
    s = ingest_logs(con, landing, "r1")
    assert (s.inserted, s.quarantined) == (2, 1)
    assert con.execute("SELECT line_no, reason FROM quarantine").fetchall() == [
        (2, "invalid_value")
    ]


def test_unreadable_file_is_quarantined_and_the_run_goes_on(con, tmp_path):
    landing = tmp_path / "landing"
    (landing / "interactions" / DAY).mkdir(parents=True)
    (landing / "interactions" / DAY / "bad.jsonl.gz").write_bytes(b"this is not gzip at all")
    _write(landing / "interactions" / DAY / "ok.jsonl", [_interaction("x1")])
    s = ingest_logs(con, landing, "r1")
    assert s.inserted == 1 and s.files_quarantined == 1
    row = con.execute("SELECT reason, line_no FROM quarantine").fetchone()
    assert row == ("unreadable_file", None)


def test_files_outside_the_layout_are_ignored(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "interactions" / DAY / "ok.jsonl", [_interaction("x1")])
    _write(landing / "interactions" / "loose.jsonl", [_interaction("x2")])
    _write(landing / "interactions" / DAY / ".part-1.jsonl.tmp", [_interaction("x3")])
    _write(landing / "interactions" / DAY / "notes.json", [_interaction("x4")])
    files, ignored = discover_files(landing)
    assert [Path(f.path).name for f in files] == ["ok.jsonl"]
    assert len(ignored) == 3


@pytest.mark.parametrize("layout", ["missing", "no-kinds"])
def test_bad_landing_root_says_what_to_do(con, tmp_path, layout):
    root = tmp_path / "nowhere"
    if layout == "no-kinds":
        root.mkdir()
    with pytest.raises(
        LandingError, match="interactions" if layout == "no-kinds" else "does not exist"
    ):
        ingest_logs(con, root, "r1")


def test_quarantined_raw_text_is_truncated(con, corrupt_logs):
    ingest_logs(con, corrupt_logs, "r1", IngestSettings(quarantine_raw_chars=100))
    longest = con.execute("SELECT max(length(raw)), max(raw_bytes) FROM quarantine").fetchone()
    assert longest[0] <= 100 and longest[1] > 2_000_000


def test_invalid_utf8_keeps_line_numbers_of_the_rest(con, tmp_path):
    landing = tmp_path / "landing"
    _write(
        landing / "interactions" / DAY / "a.jsonl",
        [_interaction("x1")],
        raw_lines=[
            b'{"interaction_id": "\xff\xfe"}',
            b"",
            json.dumps(_interaction("x2", messages=[])).encode(),
            b"\xc3\x28 not utf-8",
            json.dumps(_interaction("x3", ts="not a time")).encode(),
        ],
    )
    s = ingest_logs(con, landing, "r1")
    got = con.execute("SELECT line_no, reason FROM quarantine ORDER BY line_no").fetchall()
    assert got == [
        (2, "invalid_encoding"),
        (4, "invalid_value"),
        (5, "invalid_encoding"),
        (6, "wrong_type"),
    ]
    assert s.inserted == 1 and s.reconciles
