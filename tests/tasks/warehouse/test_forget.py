"""Deletion requests: `badcase-loop forget` end to end, on a warehouse that has published."""

from __future__ import annotations

from contextlib import closing

import pytest

from expectations.suites import ValidationSettings
from flows.cli import main
from tasks.ingest.turns import sync_turns
from tasks.publish.build import build_preference_pairs
from tasks.publish.publish import publish_preference_set
from tasks.warehouse.db import connect, run_lock, sql
from tests.tasks.pairs_helpers import repaired_case

REQUESTS = [
    ("What documents do I need to apply for a Japan tourist visa?", "visa", "Just a passport."),
    (
        "How should I split a monthly income of 5,000?",
        "budget",
        "Spend it all on whatever you like this month, since saving is never really worth it "
        "and budgets rarely help anyone at all.",
    ),
    (
        "Write a Python function that reverses a string.",
        "coding",
        "def reverse(s):\n    out = ''\n    for ch in s:\n        out = out + ch\n    return out",
    ),
]
USER_TABLES = (
    "interactions",
    "interaction_turns",
    "events",
    "signals",
    "judgments",
    "bad_cases",
    "rewrites",
)


def _publish(con, root, run):
    build_preference_pairs(con, run)
    return publish_preference_set(
        con, run, str(root), "prefs", validation=ValidationSettings(balance_min_pairs=1)
    )


@pytest.fixture
def published(tmp_path):
    """A warehouse whose first case belongs to alice, published as prefs/v0001."""
    wh, root = tmp_path / "wh.duckdb", tmp_path / "datasets"
    with closing(connect(wh)) as con:
        for n, (request, scene, original) in enumerate(REQUESTS):
            repaired_case(con, n, request, original, scene=scene)
        con.execute("UPDATE interactions SET user_id = 'alice' WHERE interaction_id = 'i0'")
        sync_turns(con)  # the copies mining keeps of each turn and each case's request
        con.execute(sql("insert_case_texts"))
        con.execute(
            "INSERT INTO events VALUES ('e0', 'i0', 'c0', now(), 'thumbs_down', NULL, NULL, "
            "'f', 'r0')"
        )
        con.execute(
            "INSERT INTO signals VALUES ('i0', 'c0', 'thumbs_down', 'negative', 1, NULL, 'r0')"
        )
        con.execute(
            "INSERT INTO judgments (interaction_id, judge, run_id, judged_at) "
            "VALUES ('i0', 'rule:x', 'r0', now()), ('i1', 'rule:x', 'r0', now())"
        )
        con.execute(
            "INSERT INTO quarantine (run_id, kind, source_file, reason, raw, quarantined_at) "
            "VALUES ('r0', 'interactions', 'f', 'invalid_json', '{\"user_id\": \"alice\", ', "
            "now()), ('r0', 'interactions', 'f', 'invalid_json', '{\"user_id\": \"bob\"', now())"
        )
        assert _publish(con, root, "run-1").version == "v0001"
    return wh, root


def _alice_rows(con) -> dict[str, int]:
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t} WHERE interaction_id = 'i0'").fetchone()[0]
        for t in USER_TABLES
    }
    counts["quarantine"] = con.execute(
        "SELECT count(*) FROM quarantine WHERE contains(raw, 'alice')"
    ).fetchone()[0]
    counts["case_texts"] = con.execute(
        "SELECT count(*) FROM case_texts WHERE case_id = 'bc-0'"
    ).fetchone()[0]
    return {t: n for t, n in counts.items() if n}


def test_forget_a_user_everywhere_and_name_the_versions_to_retract(published, capsys):
    wh, root = published
    with closing(connect(wh)) as con:
        assert set(_alice_rows(con)) == {*USER_TABLES, "quarantine", "case_texts"}
        pair = con.execute("SELECT pair_id FROM preference_pairs WHERE interaction_id = 'i0'")
        pair = pair.fetchone()[0]
    code = main(["forget", "--user-id", "alice", "--warehouse", str(wh), "--datasets", str(root)])
    out = capsys.readouterr().out
    assert code == 0
    assert "forget user alice" in out and "withdrew 1 preference pairs" in out
    assert "still in prefs/v0001 (published, 1 pairs, 1 cases)" in out
    with closing(connect(wh)) as con:
        assert _alice_rows(con) == {}
        others = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
        assert others == 2  # nobody else is touched
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 1
        row = con.execute(
            "SELECT status, exclusion_reason, len(prompt) FROM preference_pairs WHERE pair_id = ?",
            [pair],
        ).fetchone()
        assert row == ("excluded", "forgotten", 0)
        request = con.execute(
            "SELECT user_id, pairs_withdrawn, still_in->>'$[0].version' FROM forget_requests"
        ).fetchone()
        assert request == ("alice", [pair], "v0001")
        # the next version drops the pair, and a rebuild does not bring it back
        summary = _publish(con, root, "run-2")
        assert (summary.version, summary.pairs, summary.removed) == ("v0002", 2, 1)
        status = con.execute(
            "SELECT exclusion_reason FROM preference_pairs WHERE pair_id = ?", [pair]
        ).fetchone()
        assert status == ("forgotten",)


def test_forget_by_conversation(published, capsys):
    wh, _ = published
    assert main(["forget", "--conversation-id", "c1", "--warehouse", str(wh)]) == 0
    assert "still in prefs/v0001" in capsys.readouterr().out
    with closing(connect(wh)) as con:
        ids = con.execute("SELECT interaction_id FROM interactions ORDER BY 1").fetchall()
        assert ids == [("i0",), ("i2",)]


def test_forget_waits_for_no_run(published, capsys):
    wh, _ = published
    with run_lock(str(wh.resolve()), "a-running-loop"):
        code = main(["forget", "--user-id", "alice", "--warehouse", str(wh)])
    err = capsys.readouterr().err
    assert code != 0 and "a-running-loop" in err and len(err.strip().splitlines()) == 1
