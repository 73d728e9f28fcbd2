"""langfuse-export: generations and scores of Langfuse's blob-storage export."""

from __future__ import annotations

from tasks.ingest.sources import SourceConfig, ingest_source
from tasks.mine.mine import mine_bad_cases
from tasks.mine.rules import judge_with_rules
from tasks.mine.signals import derive_signals
from tasks.warehouse.db import connect
from tests.tasks.ingest.sources.langfuse_fixture import write_langfuse


def test_ingests_reconciles_and_second_run_reads_nothing(con, tmp_path):
    root = write_langfuse(tmp_path / "langfuse")
    source = SourceConfig(kind="langfuse-export", root=str(root))
    s = ingest_source(con, source, tmp_path / "work", "r1")
    # 12 observations + 1 broken row, 5 scores
    assert (s.records_read, s.records_mapped) == (18, 9)
    assert s.skipped == {"not_a_generation": 6, "unmapped_feedback_name": 1}
    assert s.rejected == {"invalid_json": 1, "invalid_feedback_value": 1}
    assert (s.interactions_written, s.events_written) == (6, 3)
    assert s.reconciles and s.ingest.inserted == 9 and s.ingest.quarantined == 2
    assert con.execute("SELECT kind, reason, line_no FROM quarantine ORDER BY kind").fetchall() == [
        ("events", "invalid_feedback_value", 5),
        ("interactions", "invalid_json", 13),
    ]
    events = con.execute(
        "SELECT event_id, interaction_id, conversation_id, type, value FROM events ORDER BY 1"
    ).fetchall()
    assert events[0] == ("s1", "chatcmpl-a1", "conv-a", "thumbs_down", None)
    assert events[1] == ("s2", "chatcmpl-b0", "conv-b", "rating", "1")  # trace-level score
    assert events[2][3] == "thumbs_up"  # categorical "positive"
    again = ingest_source(con, source, tmp_path / "work", "r2")
    assert again.records_read == 0 and again.ingest.records_read == 0


def test_planted_failure_is_mined(con, tmp_path):
    root = write_langfuse(tmp_path / "langfuse")
    ingest_source(con, SourceConfig(kind="langfuse-export", root=str(root)), tmp_path / "w", "r1")
    derive_signals(con, "r1")
    judge_with_rules(con, "r1")
    mine_bad_cases(con, "r1")
    cases = dict(con.execute("SELECT interaction_id, signals FROM bad_cases").fetchall())
    assert "thumbs_down" in cases["chatcmpl-a1"]


def test_legacy_traces_and_observations_give_the_same_rows(tmp_path):
    columns = "interaction_id, conversation_id, user_id, turn_index, ts, model, response_content"
    rows = []
    for legacy in (False, True):
        root = write_langfuse(tmp_path / f"lf-{legacy}", legacy=legacy)
        with connect(":memory:") as con:
            source = SourceConfig(kind="langfuse-export", root=str(root))
            s = ingest_source(con, source, tmp_path / f"w-{legacy}", "r1")
            assert s.reconciles
            rows.append(con.execute(f"SELECT {columns} FROM interactions ORDER BY 1").fetchall())
    assert len(rows[0]) == 6 and rows[0] == rows[1]
