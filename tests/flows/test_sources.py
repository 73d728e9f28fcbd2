"""[[sources]] in the loop, the watcher and the CLI's ``sources check``."""

from __future__ import annotations

import json

import duckdb
import pytest

from flows.cli import main
from flows.config import LoopConfig, load_config
from flows.loop import bad_case_loop
from tests.conftest import CONTRACT
from tests.tasks.ingest.sources.openai_fixture import write_openai_log
from tests.tasks.ingest.sources.otel_fixture import write_otel


def test_loop_reads_configured_sources_beside_the_landing_root(prefect_server, tmp_path):
    logs = write_openai_log(tmp_path / "gateway")
    config = LoopConfig(
        landing=str(CONTRACT / "landing"),
        warehouse=str(tmp_path / "wh.duckdb"),
        datasets=str(tmp_path / "datasets"),
        sources=[{"kind": "openai-log", "root": str(logs)}],
    )
    summary = bad_case_loop(config)
    assert summary.ingest.inserted == 12
    (source,) = summary.sources
    assert source.ingest.inserted == 6 and source.reconciles
    con = duckdb.connect(config.warehouse, read_only=True)
    stored = json.loads(con.execute("SELECT summary FROM runs").fetchone()[0])
    con.close()
    assert stored["sources"][0]["records_read"] == 10 and stored["sources"][0]["reconciles"]


def test_sources_in_the_toml_config(tmp_path):
    cfg = tmp_path / "loop.toml"
    cfg.write_text(
        '[[sources]]\nkind = "otel-genai"\nroot = "traces"\n'
        '[sources.feedback]\n"user-feedback" = "thumbs"\n'
        '[[sources]]\nkind = "openai-log"\nroot = "gw"\nname = "gateway"\n'
        '[sources.fields]\nconversation_id = ["request.metadata.session"]\n'
    )
    config = load_config(cfg)
    assert [s.label for s in config.sources] == ["otel-genai", "gateway"]
    assert config.sources[1].paths("conversation_id") == ["request.metadata.session"]
    with pytest.raises(ValueError, match="share a name"):
        LoopConfig(
            sources=[{"kind": "openai-log", "root": "a"}, {"kind": "openai-log", "root": "b"}]
        )


def test_sources_check_shows_the_mapping_before_the_first_run(tmp_path, capsys):
    root = write_otel(tmp_path / "otel")
    assert main(["sources", "check", str(root), "--kind", "otel-genai"]) == 0
    out = capsys.readouterr().out
    assert "12 records" in out and "6 interactions, 2 events" in out
    assert "3 not_a_chat_span" in out and "1 invalid_json" in out
    assert "traces.jsonl line 3: invalid_json" in out
    assert 'conversation_id    "conv-a"' in out
    assert main(["sources", "check", str(root), "--kind", "otel-genai", "--json"]) == 0
    check = json.loads(capsys.readouterr().out)
    assert check["records_mapped"] == 8 and check["rejected"] == {"invalid_json": 1}
    assert not (root / "_manifest.json").exists()  # nothing written


def test_sources_check_missing_root_is_one_line(tmp_path, capsys):
    assert main(["sources", "check", str(tmp_path / "nope"), "--kind", "openai-log"]) != 0
    assert "does not exist" in capsys.readouterr().err


def test_the_watcher_announces_new_source_files(prefect_server, tmp_path):
    from flows.watch import watch_landing

    root = write_otel(tmp_path / "otel")
    config = LoopConfig(
        landing=str(tmp_path / "no-native-landing"),
        warehouse=str(tmp_path / "wh.duckdb"),
        sources=[{"kind": "otel-genai", "root": str(root)}],
    )
    first = watch_landing(config)
    assert first.new == [str((root / "traces.jsonl").resolve())]
    assert watch_landing(config).new == []
