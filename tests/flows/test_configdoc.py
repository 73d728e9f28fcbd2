"""docs/configuration.md is generated from the config models and must match them."""

from __future__ import annotations

import tomllib

from flows import configdoc
from flows.config import LoopConfig, load_config


def test_configuration_reference_is_current():
    committed = configdoc.DOC.read_text(encoding="utf-8")
    assert committed == configdoc.render_markdown(), (
        "docs/configuration.md is stale: run `python -m flows.configdoc --write`"
    )


def test_reference_names_every_setting_with_its_default():
    text = configdoc.render_markdown()
    for key, model, many in configdoc._sections(LoopConfig):
        assert (f"## `[[{key}]]`" if many else f"## `[{key}]`") in text
        for name, field in model.model_fields.items():
            if configdoc._model(field.annotation) is None:
                default = configdoc.toml_value(field.get_default(call_default_factory=True))
                assert f"| `{name}` |" in text and default.replace("|", "\\|") in text, name


def test_example_config_has_every_section_and_loads():
    data = tomllib.loads(configdoc.EXAMPLE.read_text(encoding="utf-8"))
    sections = {key for key, _, _ in configdoc._sections(LoopConfig) if "." not in key}
    assert sections <= set(data), f"docs/loop.example.toml lacks {sections - set(data)}"
    config = load_config(configdoc.EXAMPLE)
    assert config.llm.concurrency == 8


def test_markdown_cells_are_safe():
    assert configdoc.type_name(LoopConfig.model_fields["evalsets"].annotation) == "str | None"
    assert configdoc.toml_value({"a": 1.0, "b": [True, None]}) == "{ a = 1.0, b = [true, unset] }"
    assert configdoc._prose("a|b <landing>") == "a\\|b &lt;landing&gt;"


def test_cli_prints_and_writes(tmp_path, monkeypatch, capsys):
    configdoc.main([])
    assert capsys.readouterr().out == configdoc.render_markdown()
    monkeypatch.setattr(configdoc, "DOC", tmp_path / "configuration.md")
    monkeypatch.setattr(configdoc, "ROOT", tmp_path)
    configdoc.main(["--write"])
    assert (tmp_path / "configuration.md").read_text() == configdoc.render_markdown()
