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
    # the fixture's judge (and sound_llm) found almost every answer good: with clearing on,
    # the upgraded warehouse would have no bad case left to continue with
    config.evidence.judge_clears = False
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("BADCASE_LLM_MODEL", "loopback-judge")
    return config, landing, tmp_path / "pristine.duckdb"


def _run(config, monkeypatch):
    with LLMServer(sound_llm) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        summary = bad_case_loop(config)
    return summary, server.seen


def _rubric_requests(asked: list) -> list:
    """The rubric judge's requests among those the loopback server saw (not pairwise, rewrite)."""
    return [
        s
        for s in asked
        if "<answer_a>" not in s.body["messages"][0]["content"]
        and "<failed_answer>" not in s.body["messages"][0]["content"]
    ]


def test_a_0_1_0_warehouse_upgrades_at_the_start_of_a_run_and_continues(
    prefect_server, setup, monkeypatch
):
    config, landing, pristine = setup
    first, asked = _run(config, monkeypatch)
    assert first.status == "completed"
    ing = first.ingest
    # the same bytes at a new path: recognised, nothing read again
    assert ing.records_read == 0 and ing.inserted == 0 and ing.files_duplicate == 6
    with closing(duckdb.connect(config.warehouse)) as con:
        applied = con.execute("SELECT version, how FROM schema_migrations ORDER BY 1").fetchall()
        shipped = schema.load_migrations()
        assert applied == [(1, "adopted")] + [(m.version, "applied") for m in shipped[1:]]
        # 0003 re-mines every conversation with the new evidence model: the judge may be
        # asked about answers that now look suspect, but never about one it judged before
        new_llm = con.execute(
            "SELECT count(*) FROM judgments WHERE judge LIKE 'llm:%' AND run_id = ?",
            [first.run_id],
        ).fetchone()[0]
        asked_twice = con.execute(
            "SELECT count(*) FROM (SELECT interaction_id FROM judgments WHERE judge LIKE 'llm:%' "
            "GROUP BY interaction_id, judge, model, prompt_version HAVING count(*) > 1)"
        ).fetchone()
        assert asked_twice == (0,), "no judgment of 0.1.0 asked again"
        assert first.llm_judge.selected == new_llm == len(_rubric_requests(asked))
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
        for table in ("interactions", "events", "rewrites", "quarantine"):
            assert counts[table] == FIXTURE_COUNTS.get(table, counts[table]), table
        # the re-mined answers the judge newly looked at may join the calibration queue
        assert counts["review_queue"] >= FIXTURE_COUNTS["review_queue"]
        assert counts["runs"] == 3
        # derived tables rebuilt: every conversation mined again with this release's rules
        conversations = con.execute(
            "SELECT count(DISTINCT conversation_id) FROM interactions"
        ).fetchone()[0]
        assert counts["mined_conversations"] == conversations and counts["bad_cases"] > 0
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
    rubric = _rubric_requests(asked)
    assert judged and {dt for _, dt in judged} == {date(2026, 11, 3)}, "only the new night"
    assert len(rubric) == len(judged) == second.llm_judge.selected
    assert total_llm[0] == old_llm[0] + len(judged)


def test_a_run_applies_a_data_rewrite_with_a_backup_and_rebuilds_derived_tables(
    prefect_server, setup, monkeypatch, tmp_path
):
    config, _landing, pristine = setup
    shipped = schema.load_migrations()
    n = len(shipped)
    folder = migrations_folder(
        tmp_path / "migrations",
        **{f"{m.label}.{m.kind}": m.text for m in shipped[1:]},
        **{f"{n + 1:04d}_answer_chars.py": ANSWER_CHARS, f"{n + 2:04d}_mine_again.sql": REMINE},
    )
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", folder)
    known = schema.load_migrations(folder)
    summary, asked = _run(config, monkeypatch)
    assert summary.status == "completed"
    # forgetting what was mined: every conversation is mined again; the judge is asked only
    # about answers this release's evidence model newly finds suspect
    assert summary.mining.conversations == FIXTURE_COUNTS["mined_conversations"]
    backups = list((tmp_path / "wh" / "warehouse.duckdb.backups").iterdir())
    first_rewrite = next(m.label for m in known if m.rewrites_data)
    assert len(backups) == 1 and backups[0].name.startswith(f"before-{first_rewrite}-")
    with closing(duckdb.connect(config.warehouse, read_only=True)) as con:
        assert con.execute(
            "SELECT list(version ORDER BY version) FROM schema_migrations"
        ).fetchone() == ([m.version for m in known],)
        counts = schema.table_counts(con)
        assert counts["mined_conversations"] == FIXTURE_COUNTS["mined_conversations"]
        llm = con.execute("SELECT count(*) FROM judgments WHERE judge LIKE 'llm:%'").fetchone()
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(pristine)])
        old = con.execute("SELECT count(*) FROM old.judgments WHERE judge LIKE 'llm:%'").fetchone()
        assert llm[0] == old[0] + len(_rubric_requests(asked)), "every paid judgment kept"
        assert con.execute(
            "SELECT count(*) FROM (SELECT interaction_id FROM judgments WHERE judge LIKE 'llm:%' "
            "GROUP BY interaction_id, judge, model, prompt_version HAVING count(*) > 1)"
        ).fetchone() == (0,), "no judgment asked twice"
        assert con.execute(
            "SELECT count(*) FROM interactions WHERE answer_chars = length(response_content)"
        ).fetchone() == (FIXTURE_COUNTS["interactions"],)
    with closing(duckdb.connect(str(backups[0]), read_only=True)) as con:
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(pristine)])
        for table in FIXTURE_COUNTS:
            assert missing_rows(con, "old", table) == 0, table
