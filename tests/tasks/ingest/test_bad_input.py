"""Hostile or broken landing input is quarantined with a reason; the rest of the run goes on."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from tasks.ingest import ingest as ingest_module
from tasks.ingest import landing as landing_module
from tasks.ingest.ingest import IngestSettings, ingest_logs
from tasks.ingest.landing import RemoteFile, mirror_landing

DAY = "dt=2026-11-01"


def _record(iid: str) -> bytes:
    record = {
        "interaction_id": iid,
        "conversation_id": "c-" + iid,
        "turn_index": 0,
        "ts": "2026-11-01T08:00:00Z",
        "user_id": "u1",
        "model": "m1",
        "messages": [{"role": "user", "content": "hello"}],
        "response": {"content": "hi", "finish_reason": "stop"},
    }
    return json.dumps(record).encode() + b"\n"


def _landing(tmp_path: Path) -> Path:
    day = tmp_path / "landing" / "interactions" / DAY
    day.mkdir(parents=True)
    (day / "good.jsonl").write_bytes(_record("good"))
    return tmp_path / "landing"


def _quarantine(con) -> dict[str, str]:
    rows = con.execute("SELECT source_file, reason FROM quarantine").fetchall()
    return {Path(path).name: reason for path, reason in rows}


def _ids(con) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT interaction_id FROM interactions ORDER BY 1").fetchall()
    ]


def test_a_link_out_of_the_landing_root_is_quarantined_not_followed(con, tmp_path):
    landing = _landing(tmp_path)
    secret = tmp_path / "secret.jsonl"
    secret.write_bytes(_record("secret"))
    (landing / "interactions" / DAY / "link.jsonl").symlink_to(secret)
    summary = ingest_logs(con, landing, "r1")
    assert _ids(con) == ["good"]
    assert _quarantine(con) == {"link.jsonl": "outside_landing_root"}
    assert summary.files_quarantined == 1 and summary.reconciles
    again = ingest_logs(con, landing, "r2")  # recorded: not looked at again
    assert again.files_unchanged == 2 and _ids(con) == ["good"]


def test_glob_characters_in_a_file_name_are_never_expanded(con, tmp_path):
    landing = _landing(tmp_path)
    day = landing / "interactions" / DAY
    (day / "[g]ood.jsonl").write_bytes(_record("bracket"))  # as a glob: matches good.jsonl
    (day / "star*.jsonl").write_bytes(_record("star"))
    ingest_logs(con, landing, "r1")
    assert _ids(con) == ["good"]
    assert _quarantine(con) == {
        "[g]ood.jsonl": "unsafe_file_name",
        "star*.jsonl": "unsafe_file_name",
    }


def test_a_file_deleted_between_listing_and_reading(con, tmp_path, monkeypatch):
    landing = _landing(tmp_path)
    day = landing / "interactions" / DAY
    (day / "gone.jsonl").write_bytes(_record("gone"))
    (day / "twin.jsonl").write_bytes(_record("twin"))  # same size: hashed before it is read
    listed = ingest_module.discover_files

    def list_then_delete(root):
        found = listed(root)
        (day / "gone.jsonl").unlink()
        return found

    monkeypatch.setattr(ingest_module, "discover_files", list_then_delete)
    summary = ingest_logs(con, landing, "r1")
    assert _ids(con) == ["good", "twin"]
    assert _quarantine(con) == {"gone.jsonl": "unreadable_file"}
    assert summary.reconciles


def test_a_gzip_bomb_is_quarantined_unread(con, tmp_path):
    landing = _landing(tmp_path)
    bomb = landing / "interactions" / DAY / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb") as fh:
        fh.write(_record("bomb"))
        fh.write(b" " * (4 << 20))
    ingest_logs(con, landing, "r1", IngestSettings(max_decompressed_bytes=1 << 20))
    assert _ids(con) == ["good"]
    assert _quarantine(con) == {"bomb.jsonl.gz": "decompressed_too_large"}


def test_a_remote_key_with_dot_dot_is_never_written_outside_the_mirror(tmp_path, monkeypatch):
    src = tmp_path / "bucket"
    (src / "interactions" / DAY).mkdir(parents=True)
    good = src / "interactions" / DAY / "a.jsonl"
    good.write_bytes(_record("a"))
    now = datetime.now(UTC)

    def listing(landing: str) -> list[RemoteFile]:
        return [
            RemoteFile(f"file://{good}", PurePosixPath(f"interactions/{DAY}/a.jsonl"), 10, now),
            RemoteFile(
                f"file://{good}",
                PurePosixPath(f"interactions/{DAY}/../../../../../escaped.jsonl"),
                10,
                now,
            ),
        ]

    monkeypatch.setattr(landing_module, "list_remote", listing)
    cache = tmp_path / "deep" / "cache"
    root = mirror_landing(f"file://{src}", cache)
    assert (root / "interactions" / DAY / "a.jsonl").exists()
    written = [p for p in tmp_path.rglob("escaped.jsonl")]
    assert written == []


def test_quarantined_raw_text_is_redacted_and_still_capped(con, tmp_path):
    landing = _landing(tmp_path)
    bad = (
        b'{"interaction_id": "x", "note": "mail ann@corp.com or call +1 415 555 2671", '
        + b"x" * 5000
    )
    (landing / "interactions" / DAY / "broken.jsonl").write_bytes(_record("ok") + bad + b"\n")
    ingest_logs(con, landing, "r1", IngestSettings(quarantine_raw_chars=100))
    (raw,) = con.execute("SELECT raw FROM quarantine").fetchone()
    assert "ann@corp.com" not in raw and "555 2671" not in raw
    assert "[EMAIL]" in raw and "[PHONE]" in raw and len(raw) == 100
