"""Tested against the past: the warehouse release 0.1.0 wrote (tests/data/upgrade) is
upgraded by a run of this code, and the runs after it continue where 0.1.0 stopped:
nothing ingested twice, no LLM judgment asked again (counted on the loopback server)."""

from __future__ import annotations

import shutil
from contextlib import closing
from datetime import date

import duckdb
import pytest

from flows.config import LoopConfig
from flows.loop import bad_case_loop
from tasks.sample.generate import generate_logs
from tasks.warehouse import schema
from tests.llm_server import LLMServer, sound_llm
from tests.tasks.warehouse.upgrade_helpers import (
    ANSWER_CHARS,
    FIXTURE_COUNTS,
    LANDING,
    REMINE,
    migrations_folder,
    missing_rows,
    unpack_fixture,
)

pytestmark = pytest.mark.slow

# Tables a run with no new logs leaves as they were (mining derives signals, rule
# verdicts and bad cases again for conversations still active, with a new run_id).
KEPT = ("interactions", "events", "review_queue", "rewrites", "quarantine")


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """The 0.1.0 warehouse, its landing at a new path, and the fixture's LLM settings."""
    wh = unpack_fixture(tmp_path / "wh")
    shutil.copyfile(wh, tmp_path / "pristine.duckdb")
    landing = tmp_path / "landing"
    shutil.copytree(LANDING, landing)
    config = LoopConfig(
        landing=str(landing),
        warehouse=str(wh),
        datasets=str(tmp_path / "datasets"),
        validation={
            "max_chosen_longer_share": 1.0,
            "max_median_length_ratio": 10.0,
            "max_llm_source_share": 1.0,
        },
    )
    config.judge.silent_sample_rate = 1.0
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("BADCASE_LLM_MODEL", "loopback-judge")
    return config, landing, tmp_path / "pristine.duckdb"


def _run(config, monkeypatch):
    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        summary = bad_case_loop(config)
    return summary, server.seen


def test_a_0_1_0_warehouse_upgrades_at_the_start_of_a_run_and_continues(
    prefect_server, setup, monkeypatch
):
    config, landing, pristine = setup
    first, asked = _run(config, monkeypatch)
    assert first.status == "completed"
    assert asked == [], "no LLM call: every judgment and repair of 0.1.0 is reused"
    ing = first.ingest
    # the same bytes at a new path: recognised, nothing read again
    assert ing.records_read == 0 and ing.inserted == 0 and ing.files_duplicate == 6
    assert first.llm_judge.ran and first.llm_judge.selected == 0
    with closing(duckdb.connect(config.warehouse)) as con:
        applied = con.execute("SELECT version, how FROM schema_migrations").fetchall()
        assert applied == [(1, "adopted")]
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(pristine)])
        for table in schema.baseline_columns(schema.load_migrations()):
            if table in KEPT or table in ("runs", "ingested_files", "published_versions"):
                assert missing_rows(con, "old", table) == 0, f"{table}: rows of 0.1.0 lost"
        llm_lost = con.execute(
            "SELECT count(*) FROM (SELECT * FROM old.judgments WHERE judge LIKE 'llm:%' "
            "EXCEPT ALL SELECT * FROM judgments)"
        ).fetchone()
        assert llm_lost == (0,), "every paid LLM judgment kept as it was"
        counts = schema.table_counts(con)
        for table in KEPT:
            assert counts[table] == FIXTURE_COUNTS.get(table, counts[table]), table
        assert counts["runs"] == 3 and counts["bad_cases"] == FIXTURE_COUNTS["bad_cases"]
        old_llm = con.execute("SELECT count(*) FROM judgments WHERE judge LIKE 'llm:%'").fetchone()

    # a new night of logs: only its answers are read and judged
    new = landing.parent / "new"
    generate_logs(new, 12, seed=21, days=1, start=date(2026, 11, 3))
    for kind in ("interactions", "events"):
        shutil.copytree(new / kind, landing / kind, dirs_exist_ok=True)
    second, asked = _run(config, monkeypatch)
    assert second.status == "completed" and second.ingest.files_new == 2
    assert second.ingest.interactions.inserted == 12
    with closing(duckdb.connect(config.warehouse, read_only=True)) as con:
        judged = con.execute(
            "SELECT j.interaction_id, i.dt FROM judgments j JOIN interactions i "
            "USING (interaction_id) WHERE j.judge LIKE 'llm:%' AND j.run_id = ?",
            [second.run_id],
        ).fetchall()
        total_llm = con.execute(
            "SELECT count(*) FROM judgments WHERE judge LIKE 'llm:%'"
        ).fetchone()
    rubric = [s for s in asked if "<answer_a>" not in s.body["messages"][0]["content"]]
    rubric = [s for s in rubric if "<failed_answer>" not in s.body["messages"][0]["content"]]
    assert judged and {dt for _, dt in judged} == {date(2026, 11, 3)}, "only the new night"
    assert len(rubric) == len(judged) == second.llm_judge.selected
    assert total_llm[0] == old_llm[0] + len(judged)


def test_a_run_applies_a_data_rewrite_with_a_backup_and_rebuilds_derived_tables(
    prefect_server, setup, monkeypatch, tmp_path
):
    config, _landing, pristine = setup
    folder = migrations_folder(
        tmp_path / "migrations",
        **{"0002_answer_chars.py": ANSWER_CHARS, "0003_mine_again.sql": REMINE},
    )
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", folder)
    summary, asked = _run(config, monkeypatch)
    assert summary.status == "completed" and asked == []
    # 0003 forgot what was mined: every conversation is mined again, to the same result
    assert summary.mining.conversations == FIXTURE_COUNTS["mined_conversations"]
    backups = list((tmp_path / "wh" / "warehouse.duckdb.backups").iterdir())
    assert [b.name[:24] for b in backups] == ["before-0002_answer_chars"]
    with closing(duckdb.connect(config.warehouse, read_only=True)) as con:
        assert con.execute(
            "SELECT list(version ORDER BY version) FROM schema_migrations"
        ).fetchone() == ([1, 2, 3],)
        counts = schema.table_counts(con)
        for table in ("signals", "bad_cases", "mined_conversations", "judgments"):
            assert counts[table] == FIXTURE_COUNTS[table], table
        assert con.execute(
            "SELECT count(*) FROM interactions WHERE answer_chars = length(response_content)"
        ).fetchone() == (FIXTURE_COUNTS["interactions"],)
    with closing(duckdb.connect(str(backups[0]), read_only=True)) as con:
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(pristine)])
        for table in FIXTURE_COUNTS:
            assert missing_rows(con, "old", table) == 0, table
