"""The command line: the contract check, the happy paths, and one clear line for user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from expectations.suites import ValidationSettings
from flows.cli import main
from tests.conftest import CONTRACT
from tests.llm_server import LLMServer, judge_everything_good

BIN = Path(sys.executable).parent / "badcase-loop"


def test_run_prints_counts_and_warehouse(prefect_server, tmp_path, capsys):
    wh = tmp_path / "wh.duckdb"
    code = main(
        [
            "run",
            "--landing",
            str(CONTRACT / "landing"),
            "--warehouse",
            str(wh),
            "--datasets",
            str(tmp_path / "ds"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "13 records read = 12 inserted + 0 duplicates + 1 quarantined" in out
    assert out.rstrip().splitlines()[-1] == f"warehouse: {wh.resolve()}"


def test_config_file_and_flags(prefect_server, tmp_path, capsys):
    cfg = tmp_path / "loop.toml"
    cfg.write_text(
        f'landing = "{CONTRACT / "landing"}"\n'
        f'warehouse = "{tmp_path / "from-config.duckdb"}"\n'
        "[ingest]\nquarantine_raw_chars = 10\n"
    )
    flag_wh = tmp_path / "from-flag.duckdb"
    assert main(["run", "--config", str(cfg), "--warehouse", str(flag_wh)]) == 0
    assert flag_wh.exists() and not (tmp_path / "from-config.duckdb").exists()
    import duckdb

    con = duckdb.connect(str(flag_wh), read_only=True)
    assert con.execute("SELECT max(length(raw)) FROM quarantine").fetchone() == (10,)
    con.close()


def test_demo_ends_with_counts_and_warehouse(prefect_server, tmp_path, capsys):
    # the demo as `make demo` runs it (default size): a small one cannot be composed
    # within the default gates, and then it is quarantined, as it should be
    code = main(["demo", "--workdir", str(tmp_path / "demo")])
    lines = capsys.readouterr().out.rstrip().splitlines()
    assert code == 0
    assert lines[-1] == f"warehouse: {(tmp_path / 'demo' / 'warehouse.duckdb').resolve()}"
    assert any("records read =" in line for line in lines)
    assert (tmp_path / "demo" / "landing" / "ground_truth.jsonl").exists()
    # no LLM: the expert step is simulated, said plainly, and its repairs are collected
    assert any(line.startswith("demo: SIMULATING the human expert step") for line in lines)
    imported = next(line for line in lines if line.startswith("demo: imported "))
    repaired = int(imported.split()[2])
    assert repaired > 0
    assert f"expert repairs collected: {repaired}; found acceptable: " in "\n".join(lines)
    import duckdb

    con = duckdb.connect(str(tmp_path / "demo" / "warehouse.duckdb"), read_only=True)
    chosen = con.execute(
        "SELECT count(*) FROM rewrites WHERE source = 'human' AND verification = 'chosen'"
    ).fetchone()[0]
    pending = con.execute(
        "SELECT count(*) FROM review_queue WHERE kind = 'expert_repair' AND status = 'pending'"
    ).fetchone()[0]
    con.close()
    assert chosen == repaired and pending == 0
    # and the repairs are published as the first version of the preference set
    published = next(line for line in lines if line.startswith("published v0001: "))
    root = tmp_path / "demo" / "datasets" / "badcase-preferences"
    assert (root / "LATEST").read_text().strip() == "v0001"
    assert (root / "v0001" / "manifest.json").exists() and str(root / "v0001") in published
    # with the default validation bounds: composed, "longer wins" no better than 0.65
    manifest = json.loads((root / "v0001" / "manifest.json").read_text())
    assert manifest["validation"]["success"]
    assert manifest["counts"]["pairs"] >= ValidationSettings().balance_min_pairs
    assert manifest["composition"]["shallow_cues"]["longer"] <= 0.65
    assert "## Composition" in (root / "v0001" / "README.md").read_text()


def test_review_export_and_import_close_the_calibration_loop(
    prefect_server, tmp_path, capsys, monkeypatch
):
    wh = tmp_path / "wh.duckdb"
    cfg = tmp_path / "loop.toml"
    cfg.write_text(
        f'landing = "{CONTRACT / "landing"}"\n'
        f'warehouse = "{wh}"\n'
        "[judge]\nsilent_sample_rate = 1.0\n"
        "[calibration]\nshare = 1.0\nmin_labels = 3\n"
    )
    with LLMServer(judge_everything_good) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert main(["run", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "LLM judge (gpt-4o-mini): 5 judged, 0 cached; verdicts good 5" in out
    assert "5 sent to people for calibration" in out
    export = tmp_path / "review" / "todo.jsonl"
    args = ["--warehouse", str(wh), "--out", str(export), "--kind", "judge_calibration"]
    assert main(["review", "export", *args]) == 0
    assert "exported 5 items (judge_calibration 5)" in capsys.readouterr().out
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    assert all("judge_verdict" not in r for r in rows)
    for r in rows:  # people find the four bad answers of the sample bad
        bad = r["interaction_id"] in {"c1-0", "c3-0", "c4-0", "c5-0"}
        r.update(label="bad" if bad else "good", reviewer="ann", reviewed_at="2026-11-22T12:00:00")
    broken = [dict(rows[0], label="terrible"), *rows[1:]]
    (tmp_path / "broken.jsonl").write_text("".join(json.dumps(r) + "\n" for r in broken))
    code = main(["review", "import", str(tmp_path / "broken.jsonl"), "--warehouse", str(wh)])
    err = capsys.readouterr().err
    assert code == 2 and "1 invalid row(s), nothing imported" in err
    assert "line 1 (" in err and "label 'terrible'" in err
    done = tmp_path / "done.jsonl"
    done.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["review", "import", str(done), "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert "imported 5 of 5 rows" in out and "queue judge_calibration: done 5" in out
    # the judge called all 5 good, people 4 of them bad: kappa 0 (chance level)
    assert "llm:rubric (gpt-4o-mini): kappa 0.00 vs people on 5 labels (agreement 0.20)" in out


def _one_line_error(capsys, code: int, needle: str) -> None:
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("badcase-loop: error:") and needle in err, err
    assert "Traceback" not in err


def test_missing_landing(tmp_path, capsys):
    code = main(
        ["run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")]
    )
    _one_line_error(capsys, code, "does not exist")


def test_landing_without_kinds(tmp_path, capsys):
    code = main(["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])
    _one_line_error(capsys, code, "neither interactions/ nor events/")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("landing = [", "not valid TOML"),
        ("landingg = 'x'", "landingg: Extra inputs are not permitted"),
        ("[ingest]\nmax_record_bytes = -5", "ingest.max_record_bytes"),
        ("dataset_name = 'Bad Name!'", "dataset_name"),
        ("[mining]\nsignal_weights = { thumbs_dwn = 1.0 }", "unknown signals ['thumbs_dwn']"),
    ],
)
def test_bad_config(tmp_path, capsys, text, needle):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    _one_line_error(capsys, main(["run", "--config", str(cfg)]), needle)


def test_missing_config_file(tmp_path, capsys):
    _one_line_error(
        capsys, main(["run", "--config", str(tmp_path / "none.toml")]), "does not exist"
    )


def test_warehouse_in_a_file_path(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(
        [
            "run",
            "--landing",
            str(CONTRACT / "landing"),
            "--warehouse",
            str(blocker / "w.duckdb"),
        ]
    )
    _one_line_error(capsys, code, "cannot create the warehouse folder")


def test_busy_warehouse(tmp_path, capsys):
    wh = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(wh),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        code = main(["run", "--landing", str(CONTRACT / "landing"), "--warehouse", str(wh)])
        _one_line_error(capsys, code, "in use by another process")
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_generate_logs_command(tmp_path, capsys):
    out = tmp_path / "logs"
    code = main(
        [
            "generate-logs",
            "--out",
            str(out),
            "--interactions",
            "300",
            "--seed",
            "3",
            "--days",
            "2",
            "--corrupt-rate",
            "0.02",
            "--gzip",
        ]
    )
    assert code == 0
    assert "wrote 300 interactions" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "interactions").iterdir()) == [
        "dt=2026-11-01",
        "dt=2026-11-02",
    ]
    assert list((out / "interactions").rglob("*.jsonl.gz"))
    meta = json.loads((out / "generation.json").read_text())
    assert meta["seed"] == 3 and meta["interactions"] == 300


def test_generate_logs_rejects_bad_rate(tmp_path, capsys):
    code = main(
        ["generate-logs", "--out", str(tmp_path), "--interactions", "10", "--corrupt-rate", "2"]
    )
    _one_line_error(capsys, code, "corrupt-rate")


def test_schema_command(capsys):
    assert main(["schema", "interactions"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"interaction_id", "messages", "response"} <= set(schema["properties"])
    assert "interaction_id" in schema["required"]


def test_console_script_usage_error():
    done = subprocess.run(
        [str(BIN), "run", "--landing"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "expected one argument" in done.stderr
    assert "Traceback" not in done.stderr


def test_datasets_list_show_diff(tmp_path, capsys):
    from tasks.publish.build import build_preference_pairs
    from tasks.publish.publish import publish_preference_set
    from tasks.warehouse.db import connect
    from tests.tasks.pairs_helpers import repaired_case
    from tests.tasks.publish.test_publish import REQUESTS

    con = connect(tmp_path / "wh.duckdb")
    for n, (request, scene, original) in enumerate(REQUESTS):
        repaired_case(con, n, request, original, scene=scene)
    build_preference_pairs(con, "r1")
    publish_preference_set(con, "run-1", str(tmp_path / "ds"), "prefs")
    repaired_case(
        con,
        9,
        "Which vaccines for Kenya?",
        "Probably none, it should be fine to go as is.",
        repair="Yellow fever is required; see a travel clinic.",
        scene="travel",
    )
    build_preference_pairs(con, "r2")
    publish_preference_set(con, "run-2", str(tmp_path / "ds"), "prefs")
    con.close()
    where = ["--datasets", str(tmp_path / "ds"), "--name", "prefs"]
    assert main(["datasets", "list", *where]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("v0001 ") and lines[2].startswith("v0002 (LATEST)")
    assert main(["datasets", "list", *where, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["pairs"], r["latest"]) for r in rows] == [
        ("v0001", 3, False),
        ("v0002", 4, True),
    ]
    assert main(["datasets", "show", "latest", *where]) == 0
    out = capsys.readouterr().out
    assert "prefs v0002 (published), parent v0001" in out and "validation: passed" in out
    assert main(["datasets", "diff", "v0001", "v0002", *where, "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["pairs"] == [3, 4] and len(diff["added"]) == 1 and diff["removed"] == []
    assert diff["scenes"]["travel"] == [0, 1]
    code = main(["datasets", "show", "v0042", *where])
    err = capsys.readouterr().err
    assert code == 2 and "no version v0042 of prefs (published: v0001, v0002)" in err


def test_serve_checks_its_paths_before_starting(tmp_path, capsys):
    code = main(["serve", "--landing", str(tmp_path / "nowhere")])
    _one_line_error(capsys, code, "does not exist")
