"""Build the upgrade test's fixture: a warehouse written by an older release.

Run it with the OLDER release's code first on the path (it only uses APIs that
release has), for example for release 0.1.0 (commit 429ca00)::

    mkdir /tmp/oldrel && git archive 429ca00 | tar -x -C /tmp/oldrel
    cp tests/data/upgrade/build_fixture.py /tmp/oldrel/
    cd /tmp/oldrel && PYTHONPATH=/tmp/oldrel python build_fixture.py OUT_DIR

It writes ``OUT_DIR/landing`` (the contract sample plus a small generated day pair)
and ``OUT_DIR/warehouse.duckdb``: two loop runs against the loopback LLM server
(judgments, rewrites, pairs, a published version) with a simulated expert review
between them. tests/data/upgrade/ keeps both (the warehouse gzipped).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import closing
from datetime import date
from pathlib import Path

from prefect.testing.utilities import prefect_test_harness

from flows.config import LoopConfig
from flows.loop import bad_case_loop
from tasks.repair.review import export_review, import_review
from tasks.sample.generate import expert_answers, generate_logs
from tasks.warehouse.db import connect
from tests.llm_server import LLMServer, sound_llm

ROOT = Path(__file__).resolve().parent
CONTRACT = ROOT / "tests" / "data" / "contract" / "landing"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    generated = out / "generated"
    generate_logs(generated, 60, seed=3, days=2, start=date(2026, 10, 30), corrupt_rate=0.0)
    landing = out / "landing"
    for kind in ("interactions", "events"):
        shutil.copytree(generated / kind, landing / kind)
        shutil.copytree(CONTRACT / kind, landing / kind, dirs_exist_ok=True)
    config = LoopConfig(
        landing=str(landing),
        warehouse=str(out / "warehouse.duckdb"),
        datasets=str(out / "datasets"),
        validation={
            "max_chosen_longer_share": 1.0,
            "max_median_length_ratio": 10.0,
            "max_llm_source_share": 1.0,
        },
    )
    config.judge.silent_sample_rate = 1.0
    with prefect_test_harness(server_startup_timeout=180), LLMServer(sound_llm) as server:
        os.environ.update(
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=server.base_url,
            BADCASE_LLM_MODEL="loopback-judge",
        )
        first = bad_case_loop(config)
        print("run 1:", first.status, "LLM requests:", len(server.seen))
        answers = expert_answers(generated)
        todo, done = out / "review-todo.jsonl", out / "review-done.jsonl"
        with closing(connect(config.warehouse)) as con:
            export_review(con, todo)
            rows = [json.loads(line) for line in todo.read_text(encoding="utf-8").splitlines()]
            for row in rows:
                row.update(reviewer="fixture-expert", reviewed_at="2026-11-02T09:00:00+00:00")
                if row["kind"] == "expert_repair" and row["interaction_id"] in answers:
                    row["rewrite"] = answers[row["interaction_id"]]
                else:
                    row["label"] = "bad" if row["kind"] == "judge_calibration" else "acceptable"
            done.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            import_review(con, done)
        second = bad_case_loop(config)
        print("run 2:", second.status, "LLM requests:", len(server.seen))
    with closing(connect(config.warehouse, read_only=True)) as con:
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name"
        ).fetchall():
            print(f"{table:24} {con.execute(f'SELECT count(*) FROM {table}').fetchone()[0]}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
