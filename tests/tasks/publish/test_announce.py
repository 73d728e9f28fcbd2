"""A committed version is recorded and announced even when the run dies right after the
commit: the next run finishes what it left."""

from __future__ import annotations

import pytest

import tasks.publish.publish as publish_module
from tasks.publish.build import build_preference_pairs
from tasks.warehouse.runs import record_run_start
from tests.tasks.pairs_helpers import repaired_case
from tests.tasks.publish.test_publish import REQUESTS, publish


@pytest.fixture
def built(con):
    for n, (request, scene, original) in enumerate(REQUESTS):
        repaired_case(con, n, request, original, scene=scene)
    build_preference_pairs(con, "r1")
    return con


def _published(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT version FROM published_versions").fetchall()]


def test_a_version_committed_but_never_recorded_is_recorded_by_the_next_run(
    built, tmp_path, monkeypatch
):
    con = built
    record_run_start(con, "run-0001", {}, "h")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed between the commit and the record")

    monkeypatch.setattr(publish_module, "_record_version", killed)
    with pytest.raises(KeyboardInterrupt):
        publish(con, tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "prefs" / "v0001" / "manifest.json").exists(), "committed"
    assert _published(con) == []
    record_run_start(con, "run-0002", {}, "h")
    again = publish(con, tmp_path, run="run-0002")
    assert again.status == "unchanged" and again.version == "v0001"
    assert _published(con) == ["v0001"], "the next run recorded what the killed one committed"
    from tasks.publish.announce import announce_versions

    assert announce_versions(con, "prefs", "run-0002") == ["v0001"]
    assert announce_versions(con, "prefs", "run-0003") == [], "announced once"


def test_a_version_of_another_warehouse_is_not_taken(built, tmp_path):
    con = built
    publish(con, tmp_path, run="not-our-run")  # recorded by that warehouse, not in our runs
    con.execute("DELETE FROM published_versions")
    record_run_start(con, "run-0002", {}, "h")
    publish(con, tmp_path, run="run-0002")
    assert _published(con) == []
