"""The README and docs/ stay short, linked and in step with the code they describe."""

from __future__ import annotations

import re

from tasks.warehouse.db import connect
from tests.conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
README = ROOT / "README.md"
# Pages other issues add; linked from the README ahead of their arrival.
PENDING = {"upgrades.md"}
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    heads = re.findall(r"^#+ (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


def test_readme_is_short_and_maps_the_loop():
    text = README.read_text()
    assert len(text.splitlines()) <= 300
    head = "\n".join(text.splitlines()[:40])
    assert "make demo" in head and "make test" in head
    diagram = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert diagram, "README draws the flow as a Mermaid diagram"
    nodes = ["ingest", "signals", "rules", "judge", "mine", "route", "rewrite", "expert"]
    nodes += ["build", "validate", "trends", "training"]
    positions = [diagram.group(1).find(f'{node}["') for node in nodes]
    found = dict(zip(nodes, positions, strict=True))
    assert -1 not in positions and positions == sorted(positions), found
    for event in ("badcase.logs.landed", "badcase.dataset.published", "badcase.model.trained"):
        assert event in diagram.group(1), event
    for stage in (ROOT / "tasks").iterdir():
        if (stage / "__init__.py").exists():
            assert f"{stage.name}/" in text, f"README's code map lacks tasks/{stage.name}/"


def test_every_relative_link_resolves():
    for page in [README, *DOCS]:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if file.name in PENDING and not file.exists():
                continue
            assert file.exists(), f"{page.name} links to missing {target}"
            if anchor and file.suffix == ".md":
                assert anchor in _anchors(file.read_text()), f"{page.name}: no #{anchor} in {path}"


def test_every_warehouse_table_and_column_is_documented():
    text = (ROOT / "docs" / "tables.md").read_text()
    con = connect(":memory:")
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY ALL"
    ).fetchall()
    con.close()
    assert columns
    sections = dict(re.findall(r"^### `(\w+)`\n(.*?)(?=^##|\Z)", text, re.S | re.M))
    for table, column in columns:
        assert table in sections, f"docs/tables.md has no section for {table}"
        assert f"| `{column}` |" in sections[table], f"docs/tables.md lacks {table}.{column}"


def test_every_toml_example_loads(tmp_path):
    from flows.config import load_config

    for page in [README, *DOCS]:
        for n, block in enumerate(re.findall(r"```toml\n(.*?)```", page.read_text(), re.S)):
            path = tmp_path / f"{page.stem}-{n}.toml"
            path.write_text(block)
            load_config(path)  # raises ConfigError naming the bad key
