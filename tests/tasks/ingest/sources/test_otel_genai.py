"""otel-genai: spans made by the real OpenTelemetry SDK, as OTLP/JSON, into the native tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tasks.ingest.ingest import ingest_logs
from tasks.ingest.sources import SourceConfig, ingest_source
from tasks.ingest.sources.common import derived_conversation_id
from tasks.ingest.sources.otel_genai import any_value, hex_id
from tasks.mine.mine import mine_bad_cases
from tasks.mine.rules import judge_with_rules
from tasks.mine.signals import derive_signals
from tasks.warehouse.db import connect
from tests.tasks.ingest.sources.langfuse_fixture import write_langfuse
from tests.tasks.ingest.sources.openai_fixture import SCRIPT, T0, conversations, write_openai_log
from tests.tasks.ingest.sources.otel_fixture import SYSTEM, write_otel


@pytest.fixture
def otel_root(tmp_path):
    return write_otel(tmp_path / "otel")


def test_ingests_reconciles_and_second_run_reads_nothing(con, otel_root, tmp_path):
    source = SourceConfig(kind="otel-genai", root=str(otel_root))
    s = ingest_source(con, source, tmp_path / "work", "r1")
    # 6 chat spans + 3 agent spans + 1 annotation span + 1 feedback span event + 1 broken line
    assert s.records_read == 12 and s.records_mapped == 8
    assert s.skipped == {"not_a_chat_span": 3} and s.rejected == {"invalid_json": 1}
    assert (s.interactions_written, s.events_written) == (6, 2)
    assert s.reconciles and s.ingest.inserted == 8 and s.ingest.quarantined == 1
    assert con.execute("SELECT reason, line_no FROM quarantine").fetchall() == [("invalid_json", 3)]
    events = con.execute(
        "SELECT interaction_id, conversation_id, type, value FROM events ORDER BY interaction_id"
    ).fetchall()
    assert events == [
        ("chatcmpl-a1", "conv-a", "thumbs_down", None),
        ("chatcmpl-b0", "conv-b", "rating", "1"),
    ]
    again = ingest_source(con, source, tmp_path / "work", "r2")
    assert again.records_read == 0 and again.ingest.records_read == 0
    assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 6


def test_openinference_span_maps_like_a_genai_span(con, otel_root, tmp_path):
    ingest_source(con, SourceConfig(kind="otel-genai", root=str(otel_root)), tmp_path / "w", "r1")
    row = con.execute(
        "SELECT conversation_id, turn_index, user_id, scene, model, messages[1].content, "
        "len(messages), prompt_tokens, latency_ms FROM interactions "
        "WHERE interaction_id = 'chatcmpl-b1'"
    ).fetchone()
    assert row == ("conv-b", 1, "u2", "visa", "m1", SYSTEM, 4, 10, 12)


def test_planted_failure_is_mined(con, otel_root, tmp_path):
    ingest_source(con, SourceConfig(kind="otel-genai", root=str(otel_root)), tmp_path / "w", "r1")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    mine_bad_cases(con, "r1")
    cases = dict(con.execute("SELECT interaction_id, signals FROM bad_cases").fetchall())
    assert "thumbs_down" in cases["chatcmpl-a1"]


def test_feedback_in_a_later_file_finds_its_chat_span(con, otel_root, tmp_path):
    source = SourceConfig(kind="otel-genai", root=str(otel_root))
    ingest_source(con, source, tmp_path / "w", "r1")
    parent = con.execute(
        "SELECT metadata->>'span_id' FROM interactions WHERE interaction_id = 'chatcmpl-c1'"
    ).fetchone()[0]
    late = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0" * 32,
                                "spanId": "1" * 16,
                                "parentSpanId": parent,
                                "name": "gen_ai.evaluation.result",
                                "startTimeUnixNano": str((T0 + 900) * 10**9),
                                "attributes": [
                                    {
                                        "key": "gen_ai.evaluation.name",
                                        "value": {"stringValue": "thumbs"},
                                    },
                                    {
                                        "key": "gen_ai.evaluation.score.value",
                                        "value": {"intValue": "1"},
                                    },
                                ],
                            }
                        ]
                    }
                ]
            }
        ]
    }
    (otel_root / "z-later.jsonl").write_text(json.dumps(late) + "\n")
    s = ingest_source(con, source, tmp_path / "w", "r2")
    assert s.records_read == 1 and s.events_written == 1 and s.reconciles
    assert con.execute(
        "SELECT type FROM events WHERE interaction_id = 'chatcmpl-c1'"
    ).fetchone() == ("thumbs_up",)


def test_otlp_json_values_and_ids():
    assert any_value({"intValue": "42"}) == 42
    assert any_value({"arrayValue": {"values": [{"stringValue": "stop"}]}}) == ["stop"]
    assert any_value({"kvlistValue": {"values": [{"key": "a", "value": {"boolValue": True}}]}}) == {
        "a": True
    }
    assert hex_id("AAECAwQFBgc=") == "0001020304050607"  # protobuf's base64 JSON mapping
    assert hex_id("0001020304050607") == "0001020304050607"


_COLUMNS = (
    "interaction_id, conversation_id, turn_index, ts, user_id, scene, model, "
    "to_json(messages), response_content, finish_reason, prompt_tokens, completion_tokens"
)


def _native(root):
    """The same conversations in the native landing format."""
    lines, n = [], 0
    for conv, user, turns in conversations():
        messages = [{"role": "system", "content": SYSTEM}]
        for question, answer in turns:
            iid, offset, _, finish = SCRIPT[n]
            n += 1
            messages.append({"role": "user", "content": question})
            lines.append(
                {
                    "interaction_id": iid,
                    "conversation_id": conv or derived_conversation_id(user, messages),
                    "turn_index": sum(1 for m in messages if m["role"] == "assistant"),
                    "ts": datetime.fromtimestamp(T0 + offset, UTC).isoformat(),
                    "user_id": user,
                    "scene": "visa",
                    "model": "m1",
                    "messages": list(messages),
                    "response": {"content": answer, "finish_reason": finish},
                    "prompt_tokens": 10,
                    "completion_tokens": 5,
                }
            )
            messages.append({"role": "assistant", "content": answer})
    path = root / "interactions" / "dt=2026-11-01" / "x.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return root


def test_same_conversations_give_the_same_rows_in_every_format(tmp_path):
    rows = {}
    for kind in ("native", "openai-log", "otel-genai", "langfuse-export"):
        with connect(":memory:") as con:
            if kind == "native":
                ingest_logs(con, _native(tmp_path / "native"), "r1")
            elif kind == "openai-log":
                root = write_openai_log(tmp_path / "openai")
                ingest_source(con, SourceConfig(kind=kind, root=str(root)), tmp_path / "w1", "r1")
            elif kind == "otel-genai":
                root = write_otel(tmp_path / "otel", openinference_for=None)
                ingest_source(con, SourceConfig(kind=kind, root=str(root)), tmp_path / "w2", "r1")
            else:
                root = write_langfuse(tmp_path / "langfuse")
                ingest_source(con, SourceConfig(kind=kind, root=str(root)), tmp_path / "w3", "r1")
            rows[kind] = con.execute(
                f"SELECT {_COLUMNS} FROM interactions ORDER BY interaction_id"
            ).fetchall()
    native = rows["native"]
    assert len(native) == 6
    assert rows["openai-log"] == native
    assert rows["otel-genai"] == native
    # Langfuse's export has no finish_reason: everything else is the same
    assert rows["langfuse-export"] == [(*r[:9], None, *r[10:]) for r in native]
