"""Publishing: layout, manifest, atomic versions, unchanged content, quarantine."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest

from expectations.suites import ValidationSettings
from tasks.publish.build import build_preference_pairs
from tasks.publish.publish import Store, publish_preference_set
from tests.tasks.pairs_helpers import repaired_case

# (request, scene, original answer): the originals are long and wrong as often as short,
# so the set passes the length-bias guard
REQUESTS = [
    ("What documents do I need to apply for a Japan tourist visa?", "visa", "Just a passport."),
    (
        "How should I split a monthly income of 5,000?",
        "budget",
        "Spend it all on whatever you like this month, since saving is never really worth it "
        "and budgets rarely help anyone at all.",
    ),
    (
        "Write a Python function that reverses a string.",
        "coding",
        "def reverse(s):\n    out = ''\n    for ch in s:\n        out = out + ch\n    return out"
        "  # keeps the order, which is wrong",
    ),
]


@pytest.fixture
def built(con):
    for n, (request, scene, original) in enumerate(REQUESTS):
        repaired_case(con, n, request, original, scene=scene)
    build_preference_pairs(con, "r1")
    return con


def publish(con, root, run="run-0001", **validation):
    return publish_preference_set(
        con, run, str(root), "prefs", validation=ValidationSettings(**validation)
    )


def test_a_version_has_the_layout_manifest_and_card(built, tmp_path):
    summary = publish(built, tmp_path)
    assert (summary.status, summary.version, summary.pairs) == ("published", "v0001", 3)
    version = tmp_path / "prefs" / "v0001"
    assert (tmp_path / "prefs" / "LATEST").read_text().strip() == "v0001"
    data = pq.read_table(version / "data" / "train-00000-of-00001.parquet")
    assert data.column_names[:3] == ["prompt", "chosen", "rejected"]
    assert (
        str(data.schema.field("chosen").type)
        == "list<element: struct<role: string, content: string>>"
    )
    kto = pq.read_table(version / "kto" / "train-00000-of-00001.parquet")
    assert kto.column_names == ["prompt", "completion", "label"]
    assert sorted(kto.column("label").to_pylist()) == [False] * 3 + [True] * 3
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["version"] == "v0001" and manifest["parent"] is None
    assert manifest["counts"]["pairs"] == 3 and manifest["added"] == 3
    assert manifest["content_hash"] == summary.content_hash
    for path, meta in manifest["files"].items():
        assert hashlib.sha256((version / path).read_bytes()).hexdigest() == meta["sha256"], path
    assert manifest["validation"]["success"] and manifest["validation"]["expectations"] > 15
    assert set(manifest["lineage"]) >= {"input_files", "judges", "rewriters", "config_hash"}
    assert manifest["schema"]["kto"]["label"] == "bool"
    card = (version / "README.md").read_text()
    assert card.startswith("---\nconfigs:") and "path: data/train-00000-of-00001.parquet" in card
    assert (version / "validation" / "docs" / "index.html").exists()
    ranking = [
        json.loads(x) for x in (version / "ranking" / "train.jsonl").read_text().splitlines()
    ]
    assert [r["score"] for r in ranking[0]["responses"]] == [1.0, 0.0]
    assert not list((tmp_path / "prefs").glob(".tmp-*")), "no temporary folder left"
    row = built.execute("SELECT version, status, pairs FROM published_versions").fetchall()
    assert row == [("v0001", "published", 3)]


def test_identical_content_publishes_nothing(built, tmp_path):
    publish(built, tmp_path)
    again = publish(built, tmp_path, run="run-0002")
    assert (again.status, again.version) == ("unchanged", "v0001")
    assert Store(str(tmp_path)).versions("prefs") == ["v0001"]


def test_a_new_version_is_cumulative_and_says_what_changed(built, tmp_path):
    publish(built, tmp_path)
    repaired_case(
        built,
        9,
        "How long may I stay in Schengen with a short-stay visa?",
        "As long as you want, there is no limit of any kind for visitors in the Schengen area.",
        repair="Up to 90 days in any 180-day period.",
    )
    build_preference_pairs(built, "r2")
    second = publish(built, tmp_path, run="run-0002")
    assert (second.version, second.parent, second.pairs, second.added, second.removed) == (
        "v0002",
        "v0001",
        4,
        1,
        0,
    )
    assert (tmp_path / "prefs" / "LATEST").read_text().strip() == "v0002"
    first = built.execute(
        "SELECT first_version, count(*) FROM preference_pairs GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert first == [("v0001", 3), ("v0002", 1)]


def test_a_failing_set_is_quarantined_and_not_latest(built, tmp_path):
    publish(built, tmp_path)
    repaired_case(built, 9, "How long may I stay in Schengen with a short-stay visa?")
    build_preference_pairs(built, "r2")
    failed = publish(built, tmp_path, run="run-0002", max_scene_share=0.4, balance_min_pairs=1)
    assert failed.status == "quarantined"
    assert any("scene_share" in f for f in failed.failures)
    assert (tmp_path / "prefs" / "LATEST").read_text().strip() == "v0001"
    quarantined = tmp_path / "prefs" / "quarantine" / failed.version
    report = json.loads((quarantined / "validation" / "results.json").read_text())
    assert report["success"] is False
    assert json.loads((quarantined / "manifest.json").read_text())["status"] == "quarantined"
    assert Store(str(tmp_path)).versions("prefs") == ["v0001"]
    rows = built.execute("SELECT status FROM published_versions ORDER BY created_at").fetchall()
    assert rows == [("published",), ("quarantined",)]


def test_a_killed_publish_leaves_no_visible_version(built, tmp_path):
    # what a run killed mid-write leaves: files but no manifest (the commit marker)
    remnant = tmp_path / "prefs" / "v0001" / "data"
    remnant.mkdir(parents=True)
    (remnant / "train-00000-of-00001.parquet").write_bytes(b"half")
    assert Store(str(tmp_path)).versions("prefs") == []
    summary = publish(built, tmp_path)
    assert summary.version == "v0001"
    assert pq.read_table(remnant / "train-00000-of-00001.parquet").num_rows == 3


def test_nothing_to_publish_before_any_repair(con, tmp_path):
    assert publish(con, tmp_path).status == "empty"
    assert not (tmp_path / "prefs").exists()


def test_publishing_to_s3(built, s3_bucket, capsys):
    import pyarrow.fs as pafs

    from flows.cli import main

    root = f"s3://{s3_bucket}/datasets"
    first = publish(built, root)
    assert (first.status, first.version, first.path) == (
        "published",
        "v0001",
        f"{root}/prefs/v0001",
    )
    fs, _ = pafs.FileSystem.from_uri(root)
    files = {
        i.path for i in fs.get_file_info(pafs.FileSelector(f"{s3_bucket}/datasets", recursive=True))
    }
    for name in (
        "LATEST",
        "v0001/manifest.json",
        "v0001/README.md",
        "v0001/data/train-00000-of-00001.parquet",
        "v0001/kto/train-00000-of-00001.parquet",
    ):
        assert f"{s3_bucket}/datasets/prefs/{name}" in files, name
    table = pq.read_table(
        f"{s3_bucket}/datasets/prefs/v0001/data/train-00000-of-00001.parquet", filesystem=fs
    )
    assert table.num_rows == 3
    assert publish(built, root, run="run-0002").status == "unchanged"
    assert main(["datasets", "list", "--datasets", root, "--name", "prefs", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["version"], row["latest"], row["pairs"]) == ("v0001", True, 3)


def test_the_published_set_loads_with_hugging_face_datasets(built, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    publish(built, tmp_path)
    version = tmp_path / "prefs" / "v0001"
    cache = str(tmp_path / "hf-cache")
    dpo = datasets.load_dataset("parquet", data_dir=str(version / "data"), cache_dir=cache)["train"]
    assert dpo.num_rows == 3 and dpo.column_names[:3] == ["prompt", "chosen", "rejected"]
    example = dpo[0]
    # TRL's conversational format: lists of {role, content}; the prompt ends with the user turn
    assert example["prompt"][-1]["role"] == "user"
    assert [m["role"] for m in example["chosen"]] == ["assistant"]
    assert [m["role"] for m in example["rejected"]] == ["assistant"]
    kto = datasets.load_dataset(str(version), "kto", cache_dir=cache)["train"]
    assert kto.column_names == ["prompt", "completion", "label"]
    assert set(kto["label"]) == {True, False}


@pytest.mark.consumers
def test_trl_accepts_the_columns_unchanged(built, tmp_path):
    """Optional: runs where TRL is installed (it needs torch; not a project dependency)."""
    trl_data = pytest.importorskip("trl.data_utils")
    publish(built, tmp_path)
    data = pq.read_table(tmp_path / "prefs" / "v0001" / "data" / "train-00000-of-00001.parquet")
    kto = pq.read_table(tmp_path / "prefs" / "v0001" / "kto" / "train-00000-of-00001.parquet")
    assert trl_data.is_conversational(data.slice(0, 1).to_pylist()[0])
    assert trl_data.is_conversational(kto.slice(0, 1).to_pylist()[0])


def test_a_run_killed_before_latest_is_finished_by_the_next(built, tmp_path):
    first = publish(built, tmp_path)
    # as if the run died after writing v0001's manifest but before LATEST and the warehouse row
    (tmp_path / "prefs" / "LATEST").unlink()
    built.execute("DELETE FROM published_versions")
    built.execute("UPDATE preference_pairs SET first_version = NULL")
    again = publish(built, tmp_path, run="run-0002")
    assert (again.status, again.version, again.content_hash) == (
        "published",
        "v0001",
        first.content_hash,
    )
    assert (tmp_path / "prefs" / "LATEST").read_text().strip() == "v0001"
    assert Store(str(tmp_path)).versions("prefs") == ["v0001"], "no second copy"
    assert built.execute("SELECT version FROM published_versions").fetchall() == [("v0001",)]


def test_a_quarantined_copy_is_redacted(con, tmp_path):
    from tasks.publish.redact import PrivacySettings

    off = PrivacySettings(redact_pii=False)
    for n, (request, scene, original) in enumerate(REQUESTS):
        repaired_case(
            con, n, request + (" Mail me at ann@corp.com" if n == 0 else ""), original, scene=scene
        )
    build_preference_pairs(con, "r1", privacy=off)  # raw in the warehouse
    summary = publish_preference_set(
        con, "run-0001", str(tmp_path), "prefs", validation=ValidationSettings(), privacy=off
    )
    assert summary.status == "quarantined"
    folder = next((tmp_path / "prefs" / "quarantine").iterdir())
    written = b"".join(
        p.read_bytes() for p in folder.rglob("*") if p.is_file() and "validation" not in p.parts
    )
    assert b"ann@corp.com" not in written and b"[EMAIL]" in written
