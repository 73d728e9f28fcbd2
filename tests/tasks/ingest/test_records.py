"""The pydantic log-format models and ingestion's SQL rules accept and reject the same records."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from tasks.ingest.ingest import ingest_logs
from tasks.ingest.records import FeedbackEvent, Interaction
from tasks.warehouse.db import connect

GOOD_INTERACTION = {
    "interaction_id": "i1",
    "conversation_id": "c1",
    "turn_index": 0,
    "ts": "2026-11-01T08:00:00Z",
    "user_id": "u1",
    "scene": "visa",
    "model": "m1",
    "messages": [
        {"role": "system", "content": "Be helpful."},
        {"role": "user", "content": "Hi"},
    ],
    "response": {"content": "Hello!", "finish_reason": "stop"},
    "latency_ms": 10,
    "metadata": {"app": "web"},
}
GOOD_EVENT = {
    "event_id": "e1",
    "interaction_id": "i1",
    "conversation_id": "c1",
    "ts": "2026-11-01T08:01:00Z",
    "type": "rating",
    "value": 4,
}


def _without(record: dict, key: str) -> dict:
    return {k: v for k, v in record.items() if k != key}


INTERACTIONS = {
    "valid": GOOD_INTERACTION,
    "valid_without_optional": _without(_without(GOOD_INTERACTION, "scene"), "metadata"),
    "valid_tool_turn": {
        **GOOD_INTERACTION,
        "messages": [
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "t1", "type": "function"}],
            },
            {"role": "tool", "content": "sunny", "tool_call_id": "t1"},
        ],
    },
    "ts_with_offset": {**GOOD_INTERACTION, "ts": "2026-11-01T08:00:00+08:00"},
    "ts_without_zone": {**GOOD_INTERACTION, "ts": "2026-11-01T08:00:00"},
    "ts_with_fraction": {**GOOD_INTERACTION, "ts": "2026-11-01T08:00:00.123456Z"},
    "ts_as_epoch_number": {**GOOD_INTERACTION, "ts": 1793520000},
    "content_parts": {
        **GOOD_INTERACTION,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    },
    "extra_fields": {**GOOD_INTERACTION, "session": {"a": 1}, "tags": ["x"]},
    "turn_as_numeric_text": {**GOOD_INTERACTION, "turn_index": "1"},
    "fractional_latency": {**GOOD_INTERACTION, "latency_ms": 900.5},
    "numeric_id": {**GOOD_INTERACTION, "interaction_id": 12345},
    "message_name": {
        **GOOD_INTERACTION,
        "messages": [{"role": "user", "content": "hi", "name": "bo"}],
    },
    "missing_id": _without(GOOD_INTERACTION, "interaction_id"),
    "missing_response": _without(GOOD_INTERACTION, "response"),
    "null_ts": {**GOOD_INTERACTION, "ts": None},
    "bad_ts": {**GOOD_INTERACTION, "ts": "soon"},
    "negative_turn": {**GOOD_INTERACTION, "turn_index": -1},
    "empty_messages": {**GOOD_INTERACTION, "messages": []},
    "unknown_role": {**GOOD_INTERACTION, "messages": [{"role": "robot", "content": "x"}]},
    "ends_with_assistant": {
        **GOOD_INTERACTION,
        "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
    },
    "messages_not_list": {**GOOD_INTERACTION, "messages": "hello"},
    "turn_not_int": {**GOOD_INTERACTION, "turn_index": "three"},
    "metadata_not_object": {**GOOD_INTERACTION, "metadata": "web"},
    "empty_id": {**GOOD_INTERACTION, "interaction_id": ""},
}
EVENTS = {
    "valid_rating": GOOD_EVENT,
    "valid_thumbs": {**GOOD_EVENT, "type": "thumbs_down", "value": None},
    "valid_edit": {**GOOD_EVENT, "type": "edit", "value": "better text"},
    "rating_out_of_range": {**GOOD_EVENT, "value": 9},
    "rating_missing": {**GOOD_EVENT, "value": None},
    "edit_without_text": {**GOOD_EVENT, "type": "edit", "value": None},
    "unknown_type": {**GOOD_EVENT, "type": "applause"},
    "missing_type": _without(GOOD_EVENT, "type"),
    "bad_ts": {**GOOD_EVENT, "ts": "yesterday"},
    "rating_as_text": {**GOOD_EVENT, "value": "4"},
    "numeric_event_id": {**GOOD_EVENT, "event_id": 7},
}


def _pydantic_ok(model, record: dict) -> bool:
    try:
        model.model_validate(record)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(INTERACTIONS))
def test_interaction_rules_agree(tmp_path, name):
    _agree(tmp_path, "interactions", Interaction, INTERACTIONS[name])


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_event_rules_agree(tmp_path, name):
    _agree(tmp_path, "events", FeedbackEvent, EVENTS[name])


def _agree(tmp_path, kind: str, model, record: dict) -> None:
    expected = _pydantic_ok(model, record)
    # Alone in a file: the fast path. After a broken line: the careful path.
    for extra, path_name in ((b"", "fast"), (b"{not json\n", "careful")):
        landing = tmp_path / path_name
        path = landing / kind / "dt=2026-11-01" / "part.jsonl"
        path.parent.mkdir(parents=True)
        path.write_bytes(extra + json.dumps(record).encode() + b"\n")
        con = connect(":memory:")
        summary = ingest_logs(con, landing, "r1")
        assert summary.reconciles
        accepted = summary.inserted == 1
        assert accepted == expected, (
            f"{path_name} path: SQL accepted={accepted}, pydantic={expected}"
        )
        con.close()


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_line_endings_and_byte_order_mark(tmp_path, newline):
    lines = [json.dumps({**GOOD_INTERACTION, "interaction_id": f"i{k}"}).encode() for k in range(3)]
    lines.insert(1, b"{broken")
    path = tmp_path / "interactions" / "dt=2026-11-01" / "part.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + newline.join(lines) + newline)
    con = connect(":memory:")
    summary = ingest_logs(con, tmp_path, "r1")
    assert (summary.inserted, summary.quarantined) == (3, 1)
    assert con.execute("SELECT line_no, reason FROM quarantine").fetchall() == [(2, "invalid_json")]
    con.close()
