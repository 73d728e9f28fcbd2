"""Files shipped beside each stage's code: ``tasks/<stage>/sql/`` and ``tasks/<stage>/prompts/``.

Each stage keeps its SQL and prompt templates in its own folder (as Dagster's
open platform keeps each domain's ``sql/`` beside the code that runs it), yet
callers name a file by its stem alone: stems are unique across stages, which
:func:`stage_files` checks, so a file can move between stages without its
callers changing.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable


@cache
def stage_files(folder: str, suffix: str) -> dict[str, Traversable]:
    """Every ``tasks/<stage>/<folder>/<stem><suffix>`` file, keyed by stem.

    Raises:
        RuntimeError: Two stages ship a file with the same stem.
    """
    found: dict[str, Traversable] = {}
    for stage in sorted(resources.files("tasks").iterdir(), key=lambda p: p.name):
        sub = stage.joinpath(folder)
        if not stage.is_dir() or not sub.is_dir():
            continue
        for f in sub.iterdir():
            if not f.name.endswith(suffix):
                continue
            stem = f.name[: -len(suffix)]
            if stem in found:
                raise RuntimeError(f"{folder}/{f.name} is shipped by two stages; rename one")
            found[stem] = f
    return dict(sorted(found.items()))


def stage_file_text(folder: str, suffix: str, stem: str) -> str:
    """The text of one shipped file, by stem.

    Raises:
        FileNotFoundError: No stage ships such a file.
    """
    try:
        return stage_files(folder, suffix)[stem].read_text(encoding="utf-8")
    except KeyError:
        raise FileNotFoundError(f"no tasks/*/{folder}/{stem}{suffix}") from None
