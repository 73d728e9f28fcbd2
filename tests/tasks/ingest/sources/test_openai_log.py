"""openai-log: real openai client logs, streamed or not, into the native tables."""

from __future__ import annotations

import json

import pytest

from tasks.ingest.sources import SourceConfig, ingest_source, translate_file
from tasks.mine.mine import mine_bad_cases
from tasks.mine.rules import judge_with_rules
from tasks.mine.signals import derive_signals
from tests.tasks.ingest.sources.openai_fixture import FOLLOW_A, TRUNCATED, write_openai_log


@pytest.fixture
def log_root(tmp_path):
    return write_openai_log(tmp_path / "openai-logs")


def _rows(con):
    return con.execute(
        "SELECT interaction_id, conversation_id, turn_index, user_id, scene, model, "
        "response_content, finish_reason, prompt_tokens, completion_tokens "
        "FROM interactions ORDER BY interaction_id"
    ).fetchall()


def test_ingests_reconciles_and_second_run_reads_nothing(con, log_root, tmp_path):
    source = SourceConfig(kind="openai-log", root=str(log_root))
    s = ingest_source(con, source, tmp_path / "work", "r1")
    assert (s.records_read, s.records_mapped, s.interactions_written) == (10, 6, 6)
    assert s.rejected == {
        "invalid_json": 1,
        "error_response": 1,
        "missing_required_field": 1,
        "not_an_object": 1,
    }
    assert s.reconciles and s.ingest.inserted == 6 and s.ingest.quarantined == 4
    reasons = con.execute("SELECT reason, detail, raw FROM quarantine ORDER BY line_no").fetchall()
    assert [r[0] for r in reasons] == [
        "invalid_json",
        "error_response",
        "missing_required_field",
        "not_an_object",
    ]
    assert "rate limited" in reasons[1][1] and reasons[1][2].startswith('{"request"')
    assert "messages" in reasons[2][1]

    again = ingest_source(con, source, tmp_path / "work", "r2")
    assert again.records_read == 0 and again.files_unchanged == 2
    assert again.ingest.records_read == 0 and again.ingest.files_unchanged == 2
    assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 6


def test_fields_map_and_streams_are_concatenated(con, log_root, tmp_path):
    ingest_source(con, SourceConfig(kind="openai-log", root=str(log_root)), tmp_path / "w", "r1")
    rows = {r[0]: r for r in _rows(con)}
    # gateway log, streamed as server-sent events, usage from the last chunk
    assert rows["chatcmpl-a1"] == (
        "chatcmpl-a1",
        "conv-a",
        1,
        "u1",
        "visa",
        "m1",
        FOLLOW_A,
        "stop",
        10,
        5,
    )
    # model_dump() of a non-streamed ChatCompletion, and the planted cut-off answer
    assert rows["chatcmpl-b0"][1:8] == ("conv-b", 0, "u2", "visa", "m1", TRUNCATED, "length")
    # no conversation id logged: both turns still share one derived id
    assert rows["chatcmpl-c0"][1] == rows["chatcmpl-c1"][1] and rows["chatcmpl-c0"][1].startswith(
        "h-"
    )
    assert rows["chatcmpl-c1"][2] == 1
    ts, latency = con.execute(
        "SELECT ts, latency_ms FROM interactions WHERE interaction_id = 'chatcmpl-a0'"
    ).fetchone()
    assert ts.isoformat().startswith("2026-11-01T08:00:00") and latency == 12


def test_planted_failure_is_mined(con, log_root, tmp_path):
    ingest_source(con, SourceConfig(kind="openai-log", root=str(log_root)), tmp_path / "w", "r1")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    mine_bad_cases(con, "r1")
    cases = con.execute("SELECT interaction_id, judges FROM bad_cases").fetchall()
    assert ("chatcmpl-b0", ["rule:truncated"]) in cases


def test_changed_file_is_retranslated_without_duplicates(con, log_root, tmp_path):
    source = SourceConfig(kind="openai-log", root=str(log_root))
    ingest_source(con, source, tmp_path / "w", "r1")
    app = log_root / "app" / "calls.jsonl"
    lines = app.read_text().splitlines()
    app.write_text("\n".join(lines[:2]) + "\n")  # keep two good lines, drop the rest
    s = ingest_source(con, source, tmp_path / "w", "r2")
    assert s.files_translated == 1 and s.records_read == 2 and s.reconciles
    assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_field_paths_are_configurable(con, tmp_path):
    root = tmp_path / "custom"
    root.mkdir()
    line = {
        "req": {"model": "m2", "messages": [{"role": "user", "content": "Hi"}]},
        "resp": {
            "id": "r-1",
            "created": 1_793_520_000,
            "choices": [{"index": 0, "message": {"content": "Hello"}, "finish_reason": "stop"}],
        },
        "session": "s-9",
        "account": "acct-4",
    }
    (root / "x.jsonl").write_text(json.dumps(line) + "\n")
    source = SourceConfig(
        kind="openai-log",
        root=str(root),
        fields={
            "request": ["req"],
            "response": ["resp"],
            "model": ["req.model"],
            "messages": ["req.messages"],
            "conversation_id": ["session"],
            "user_id": ["account"],
        },
    )
    s = ingest_source(con, source, tmp_path / "w", "r1")
    assert s.ingest.inserted == 1
    assert con.execute(
        "SELECT interaction_id, conversation_id, user_id, model, response_content FROM interactions"
    ).fetchone() == ("r-1", "s-9", "acct-4", "m2", "Hello")


def test_unknown_field_names_are_refused():
    with pytest.raises(ValueError, match="has no field"):
        SourceConfig(kind="openai-log", root="x", fields={"userid": ["u"]})


def test_tool_call_only_response_is_rejected_with_its_reason(tmp_path):
    path = tmp_path / "t.jsonl"
    line = {
        "request": {
            "model": "m",
            "messages": [{"role": "user", "content": "weather?"}],
            "user": "u",
        },
        "response": {
            "id": "t1",
            "created": 1,
            "choices": [{"index": 0, "message": {"content": None, "tool_calls": []}}],
        },
    }
    path.write_text(json.dumps(line) + "\n")
    result = translate_file(path, SourceConfig(kind="openai-log", root=str(tmp_path)))
    assert result.outcomes[0].reject[0] == "no_response_text"
