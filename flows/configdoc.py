"""The configuration reference, generated from the config models so it cannot drift.

``docs/configuration.md`` is this module's output: every setting of
:class:`flows.config.LoopConfig` (nested sections, types, defaults, bounds and
descriptions, read from the pydantic models) followed by the full example config in
``docs/loop.example.toml``. ``tests/flows/test_configdoc.py`` fails while the committed
page differs from what this renders. After changing a setting::

    python -m flows.configdoc --write     # rewrite docs/configuration.md
    python -m flows.configdoc             # print it instead
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from flows.config import LoopConfig

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
EXAMPLE = ROOT / "docs" / "loop.example.toml"

# Where the behaviour each section tunes is explained (a section not listed has no link).
EXPLAINED = {
    "": "operations.md",
    "duckdb": "scale-out.md",
    "ingest": "log-format.md",
    "signals": "mining.md",
    "rules": "mining.md",
    "mining": "mining.md",
    "llm": "judges.md",
    "judge": "judges.md",
    "calibration": "judges.md",
    "routing": "repair.md",
    "rewrite": "repair.md",
    "privacy": "publishing.md",
    "build": "publishing.md",
    "validation": "publishing.md",
    "orchestration": "operations.md",
    "gate": "closing-the-loop.md",
    "trends": "closing-the-loop.md",
    "rl": "closing-the-loop.md",
    "sources": "sources.md",
}

INTRO = """\
One pydantic model, `flows/config.py:LoopConfig`, validated at the edge and shown as
a form in the Prefect UI. A config file is TOML with the same keys (`--config FILE`);
command line flags (`--landing`, `--warehouse`, `--datasets`) override it, and with
neither the defaults below are used. Relative paths are taken from the working
directory. Unknown keys are errors: a typo never silently falls back to a default.
Secrets never go in the file: the LLM key comes from `$OPENAI_API_KEY` (or the
variable `llm.api_key_env` names), object-storage credentials from the usual AWS
variables.

A complete example is [at the end](#example). What each setting does is explained
on the page linked from its section."""


def _model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The settings model a field holds (and whether it is a list of them), if any."""
    many = get_origin(annotation) in (list, tuple)
    inner = [a for a in (get_args(annotation) or (annotation,)) if a is not type(None)]
    if get_origin(annotation) in (typing.Union, types.UnionType) and len(inner) == 1:
        return _model(inner[0])
    for arg in inner:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, many
    return None


def type_name(annotation: Any) -> str:
    """A short readable name of a field's type: ``str | None``, ``list[str]``, ``"a" | "b"``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is type(None):
        return "None"
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_name(a) for a in args)}]"
    return getattr(annotation, "__name__", str(annotation))


def toml_value(value: Any) -> str:
    """A default written as it would be in the TOML file; None (unset) as ``unset``."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, BaseModel):
        return toml_value(value.model_dump(mode="json"))
    return repr(value)


def bounds(field: FieldInfo) -> str:
    """The field's constraints (``≥ 0, ≤ 1``, a pattern), as written in its model."""
    parts = []
    for meta in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            if getattr(meta, attr, None) is not None:
                parts.append(f"{sign} {getattr(meta, attr)}")
        if getattr(meta, "pattern", None):
            parts.append(f"`{meta.pattern}`")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _prose(text: str) -> str:
    """Description text for a table cell: ``<landing>`` must not read as an HTML tag."""
    return _cell(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | bounds | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if _model(field.annotation):
            continue
        default = field.get_default(call_default_factory=True)
        rows.append(
            f"| `{name}` | {_cell(_code(type_name(field.annotation)))} "
            f"| {_cell(_code(toml_value(default)))} | {_cell(bounds(field))} "
            f"| {_prose(field.description or '')} |"
        )
    return rows


def _sections(model: type[BaseModel], prefix: str = "") -> list[tuple[str, type[BaseModel], bool]]:
    found = []
    for name, field in model.model_fields.items():
        nested = _model(field.annotation)
        if nested:
            key = f"{prefix}{name}"
            found.append((key, nested[0], nested[1]))
            found += _sections(nested[0], f"{key}.")
    return found


def _doc(model: type[BaseModel]) -> str:
    """The first paragraph of the model's docstring, on one line."""
    return _prose((model.__doc__ or "").strip().split("\n\n")[0])


def render_markdown() -> str:
    """The whole of ``docs/configuration.md``."""
    sections = _sections(LoopConfig)
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python -m flows.configdoc --write` from flows/config.py and",
        "     docs/loop.example.toml: do not edit by hand (tests/flows/test_configdoc.py). -->",
        "",
        INTRO,
        "",
        "Sections: [top level](#top-level) · "
        + " · ".join(f"[`[{key}]`](#{key.replace('.', '')})" for key, _, _ in sections)
        + " · [example](#example)",
        "",
        "## Top level",
        "",
        _doc(LoopConfig) + f" Explained in [{EXPLAINED['']}]({EXPLAINED['']}).",
        "",
        *_table(LoopConfig),
    ]
    for key, model, many in sections:
        header = f"[[{key}]]" if many else f"[{key}]"
        see = EXPLAINED.get(key.split(".")[0])
        line = _doc(model) + (f" Explained in [{see}]({see})." if see else "")
        out += ["", f"## `{header}`", "", f"`{model.__name__}`: {line}", "", *_table(model)]
    example = EXAMPLE.read_text(encoding="utf-8").rstrip("\n")
    out += [
        "",
        "## Example",
        "",
        "Every section, with typical values (`docs/loop.example.toml`; a test loads it):",
        "",
        "```toml",
        example,
        "```",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Print the reference, or write it to ``docs/configuration.md`` with ``--write``."""
    parser = argparse.ArgumentParser(prog="python -m flows.configdoc", description=__doc__)
    parser.add_argument("--write", action="store_true", help="write docs/configuration.md")
    args = parser.parse_args(argv)
    text = render_markdown()
    if args.write:
        DOC.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
