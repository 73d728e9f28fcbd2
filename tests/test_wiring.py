"""Wiring: every SQL file is used, every flow has a deployment, every CLI command is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from flows.cli import build_parser
from tasks.warehouse.db import connect, sql, sql_names
from tests.conftest import ROOT

CODE = [p for d in ("flows", "tasks", "expectations") for p in (ROOT / d).rglob("*.py")]


def _sql_calls() -> set[str]:
    names = set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "sql"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    # Names held in data (per-kind SQL file names) count as used too.
    text = "\n".join(p.read_text() for p in CODE)
    names |= {n for n in sql_names() if f'"{n}"' in text}
    return names


def test_every_sql_file_is_used_and_every_use_exists():
    used = _sql_calls()
    assert set(sql_names()) <= used, f"unused SQL files: {set(sql_names()) - used}"
    assert used <= set(sql_names()), f"missing SQL files: {used - set(sql_names())}"


def test_sql_lives_beside_the_code_that_runs_it():
    """Each stage's sql/ folder holds only SQL its own modules run; only warehouse/ is shared."""
    from tasks.files import stage_files

    files = stage_files("sql", ".sql")  # raises when two stages ship the same stem
    for name, file in files.items():
        stage = Path(str(file)).parent.parent.name
        users = {
            p.relative_to(ROOT / "tasks").parts[0]
            for p in CODE
            if p.is_relative_to(ROOT / "tasks") and re.search(rf"\b{name}\b", p.read_text())
        }
        assert stage in users, f"{stage}/sql/{name}.sql is not run by tasks/{stage}/"
        assert stage == "warehouse" or users == {stage}, (
            f"{stage}/sql/{name}.sql is also run by {sorted(users - {stage})}: "
            "move it to warehouse/"
        )


def test_tasks_top_level_is_a_list_of_stages():
    """tasks/ holds stage folders, not a flat list of modules (at most ~8 at the top)."""
    modules = [p for p in (ROOT / "tasks").glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= 8, modules
    docs = (ROOT / "tasks" / "__init__.py").read_text()
    for stage in (ROOT / "tasks").iterdir():
        if stage.is_dir() and (stage / "__init__.py").exists():
            assert f"``{stage.name}``" in docs, f"tasks/__init__.py does not list {stage.name}"
            assert (stage / "__init__.py").read_text().strip(), f"{stage.name} has no docstring"


def test_sql_files_parse_in_duckdb():
    con = connect(":memory:")
    con.execute(sql("create_ingest_macros"))
    for name in sql_names():
        text = sql(name, table="interactions", id="interaction_id", problem="interactions_problem")
        assert con.extract_statements(text), name  # raises on a syntax error
    con.close()


def test_no_fstring_sql_in_code():
    pattern = re.compile(r'f"(?:SELECT|INSERT|DELETE|UPDATE|CREATE|SET)\b', re.IGNORECASE)
    offenders = [str(p) for p in CODE if pattern.search(p.read_text())]
    assert not offenders


def test_every_flow_has_a_deployment():
    spec = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())
    entrypoints = {d["entrypoint"] for d in spec["deployments"]}
    flows = set()
    for path in (ROOT / "flows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", "") == "flow"
                for d in node.decorator_list
            ):
                flows.add(f"flows/{path.name}:{node.name}")
    assert flows and flows <= entrypoints
    for entry in entrypoints:
        module, func = entry.split(":")
        assert (ROOT / module).exists() and f"def {func}(" in (ROOT / module).read_text()


def test_every_cli_command_is_documented():
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        assert f"badcase-loop {name}" in readme, f"README does not document '{name}'"
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, f"README does not document {name} {flag}"


def test_readme_opens_with_the_two_setup_commands():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    assert "make demo" in head and "make test" in head


def test_ci_calls_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_config_reference_example_loads(tmp_path):
    from flows.config import load_config

    text = (ROOT / "docs" / "configuration.md").read_text()
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block, "docs/configuration.md shows a TOML config example"
    path = tmp_path / "loop.toml"
    path.write_text(block.group(1))
    config = load_config(path)
    assert config.mining.signal_weights["rephrase"] == 0.7
    assert config.mining.signal_weights["correction"] == 1.0, "unlisted weights keep defaults"


def test_every_prompt_is_used_and_renders():
    from tasks.judge import pairwise as pairwise_judge
    from tasks.judge import rubric as rubric_judge
    from tasks.llm.prompting import prompt_names, template

    prompts = prompt_names()
    code = "\n".join(p.read_text() for p in CODE)
    assert prompts and all(f'"{name}"' in code for name in prompts), prompts
    convo = [{"role": "user", "content": "hi {there}"}]
    rendered = [
        rubric_judge.build_messages(convo, "hello")[0]["content"],
        pairwise_judge.build_messages(convo, "one", "two")[0]["content"],
        template("format_repair").format(problem="p", answer_format="f"),
    ]
    for text in rendered:
        assert not re.search(r"\{[a-z_]+\}", text.replace("{there}", "")), "placeholder left"


def test_served_deployments_match_prefect_yaml():
    from deployments.serve import build_deployments
    from flows.config import LoopConfig

    spec = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())
    declared = {(d["name"], d["entrypoint"]) for d in spec["deployments"]}
    served = {(d.name, d.entrypoint) for d in build_deployments(LoopConfig())}
    assert served == declared


MAX_FUNCTION_LINES = 80


def test_no_long_functions_without_a_reason():
    long = []
    for path in CODE:
        if path.parts[len(ROOT.parts)] not in ("flows", "tasks"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = node.end_lineno - node.lineno + 1
            # a long function is fine when its docstring says why it is long
            doc = (ast.get_docstring(node) or "").lower()
            excused = "long because" in doc
            if lines > MAX_FUNCTION_LINES and not excused:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert not long, (
        f"functions over {MAX_FUNCTION_LINES} lines (split them, or say 'Long because ...' "
        f"in the docstring): {long}"
    )


def test_every_dataset_card_is_used_and_renders():
    from tasks.publish.store import card_names, render_card

    text = "\n".join(p.read_text() for p in CODE)
    assert sorted(card_names()) == ["evalset", "preference", "rlset"]
    manifest = {
        "name": "n",
        "version": "v0001",
        "parent": None,
        "content_hash": "h",
        "rows": 1,
        "added": 1,
        "removed": 0,
        "policy": "m",
        "samples_per_prompt": 8,
        "counts": {"pairs": 1, "kto": 2, "kto_desirable": 1, "kto_undesirable": 1},
        "validation": {"success": True, "expectations": 3},
    }
    values = {"data_file": "d", "kto_file": "k", "parent": "p", "scenes": "s", "sources": "x"}
    values["composition"] = "- c"
    for name in card_names():
        assert f'render_card(\n        "{name}"' in text or f'render_card("{name}"' in text
        card = render_card(name, manifest, clusters=1, low=0.3, high=0.7, **values).decode()
        assert card.startswith("---\nconfigs:\n") and "\n---\n\n# n v0001" in card, name
