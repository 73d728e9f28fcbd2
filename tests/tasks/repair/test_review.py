"""The review queue: blind export, validated all-or-nothing import, round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tasks.repair.review import ReviewImportError, export_review, import_review
from tests.tasks.mining_helpers import Conversations

ANSWER = "You need a passport and an ID card, nothing else at all is required."


@pytest.fixture
def queued(con):
    """Two calibration items and one expert-repair item, pending."""
    c = Conversations(con)
    ids = [c.turn(f"c{n}", 0, [f"What do I need for a visa? ({n})"], ANSWER) for n in range(3)]
    con.execute(
        "INSERT INTO signals VALUES (?, 'c0', 'thumbs_down', 'negative', 1, NULL, 'r1')", [ids[0]]
    )
    for n, iid in enumerate(ids):
        kind = "expert_repair" if n == 2 else "judge_calibration"
        con.execute(
            "INSERT INTO review_queue (item_id, kind, interaction_id, scene, reason, judge, "
            "judge_model, judge_prompt_version, judge_verdict, judge_rationale, draft, status, "
            "queued_run_id, queued_at) VALUES (?, ?, ?, 'visa', 'test', 'llm:rubric', 'm', 'p', "
            "'bad', 'SECRET-RATIONALE', ?, 'pending', 'r1', now())",
            [f"rq-{n}", kind, iid, "A DRAFT" if n == 2 else None],
        )
    return con


def _export(con, tmp_path):
    out = tmp_path / "review.jsonl"
    summary = export_review(con, out)
    return summary, [json.loads(line) for line in out.read_text().splitlines()]


def test_export_is_blind_for_calibration_and_complete_for_experts(queued, tmp_path):
    summary, rows = _export(queued, tmp_path)
    assert summary.items == 3 and summary.by_kind == {"judge_calibration": 2, "expert_repair": 1}
    text = (tmp_path / "review.jsonl").read_text()
    assert "judge_verdict" not in text
    calibration = [r for r in rows if r["kind"] == "judge_calibration"]
    assert all(r["judge_rationale"] is None for r in calibration), "blind"
    [expert] = [r for r in rows if r["kind"] == "expert_repair"]
    assert expert["judge_rationale"] == "SECRET-RATIONALE" and expert["draft"] == "A DRAFT"
    first = next(r for r in rows if r["item_id"] == "rq-0")
    assert first["signals"] == ["thumbs_down"] and first["original_answer"] == ANSWER
    assert first["context"][-1] == {"role": "user", "content": "What do I need for a visa? (0)"}
    assert all(r[k] is None for r in rows for k in ("label", "rewrite", "reviewer", "reviewed_at"))
    with (tmp_path / "review.csv").open() as f:
        assert len(list(csv.DictReader(f))) == 3
    studio = json.loads((tmp_path / "review.label-studio.json").read_text())
    assert [t["data"]["item_id"] for t in studio] == [r["item_id"] for r in rows]
    assert "[user] What do I need for a visa?" in studio[0]["data"]["context"]
    assert "label" not in studio[0]["data"] and "judge_verdict" not in json.dumps(studio)


def _complete(rows):
    for r in rows:
        r.update(reviewer="ann", reviewed_at="2026-11-20T10:00:00Z")
        if r["kind"] == "judge_calibration":
            r["label"] = "bad"
        else:
            r["rewrite"] = "You need a passport, photos, the form and proof of funds."
    return rows


def _write(tmp_path, rows, name="done.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def _queue(con):
    return {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT item_id, status, label, rewrite, reviewer, reviewed_at FROM review_queue"
        ).fetchall()
    }


def test_jsonl_round_trip(queued, tmp_path):
    _, rows = _export(queued, tmp_path)
    summary = import_review(queued, _write(tmp_path, _complete(rows)))
    assert summary.imported == 3 and summary.by_kind == {"judge_calibration": 2, "expert_repair": 1}
    q = _queue(queued)
    assert q["rq-0"][:4] == ("done", "bad", None, "ann")
    assert q["rq-2"][:3] == (
        "done",
        "bad",
        "You need a passport, photos, the form and proof of funds.",
    )
    assert q["rq-0"][4].isoformat().startswith("2026-11-20T10:00:00")
    again = import_review(queued, _write(tmp_path, rows))
    assert again.imported == 0 and again.already_imported == 3, "re-import is a no-op"
    assert export_review(queued, tmp_path / "next.jsonl").items == 0


def test_csv_round_trip(queued, tmp_path):
    export_review(queued, tmp_path / "review.jsonl")
    with (tmp_path / "review.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["reviewer"], r["reviewed_at"] = "bo", "2026-11-21 09:30"
        r["label"] = "good" if r["kind"] == "judge_calibration" else "acceptable"
    path = tmp_path / "done.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert import_review(queued, path).imported == 3
    q = _queue(queued)
    assert q["rq-2"][:3] == ("done", "acceptable", None), "the original needed no repair"


def test_a_half_done_file_imports_the_reviewed_rows(queued, tmp_path):
    _, rows = _export(queued, tmp_path)
    _complete(rows[:1])
    summary = import_review(queued, _write(tmp_path, rows))
    assert (summary.imported, summary.not_reviewed) == (1, 2)


def test_a_bad_file_names_every_problem_and_imports_nothing(queued, tmp_path):
    _, rows = _export(queued, tmp_path)
    rows = _complete(rows)
    by_id = {r["item_id"]: r for r in rows}
    by_id["rq-0"]["label"] = "meh"
    by_id["rq-1"]["reviewed_at"] = "yesterday"
    by_id["rq-2"]["rewrite"] = ANSWER  # unchanged
    extra = [
        dict(by_id["rq-1"]),  # twice
        {"item_id": "rq-nope", "label": "bad", "reviewer": "x", "reviewed_at": "2026-11-20"},
        {"label": "bad"},
    ]
    path = _write(tmp_path, [*rows, *extra])
    with path.open("a") as f:
        f.write("{not json\n")
    with pytest.raises(ReviewImportError) as err:
        import_review(queued, path)
    problems = err.value.problems
    expected = [
        "line 1 (rq-2): the rewrite is the original answer unchanged",
        "line 2 (rq-0): label 'meh' is not one of bad, acceptable, good",
        "line 3 (rq-1): reviewed_at 'yesterday' is not an ISO-8601 time",
        "line 4 (rq-1): item_id appears twice in the file",
        "line 5 (rq-nope): no such item in the review queue of this warehouse",
        "line 6: no item_id",
        "line 7: not valid JSON",
    ]
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), (problem, start)
    assert all(v[0] == "pending" for v in _queue(queued).values()), "nothing imported"
    assert "7 invalid row(s), nothing imported" in str(err.value)


def test_kind_specific_rules(queued, tmp_path):
    _, rows = _export(queued, tmp_path)
    for r in rows:
        r.update(reviewer="ann", reviewed_at="2026-11-20T10:00:00")
    by_id = {r["item_id"]: r for r in rows}
    by_id["rq-0"]["rewrite"] = "Something else entirely, written by a person."
    by_id["rq-0"]["label"] = "bad"
    by_id["rq-2"]["label"] = "bad"  # an expert item with no rewrite
    with pytest.raises(ReviewImportError) as err:
        import_review(queued, _write(tmp_path, rows))
    text = "\n".join(err.value.problems)
    assert "(rq-0): a calibration item takes a label, not a rewrite" in text
    assert "(rq-1): a calibration item needs a label" in text
    assert "(rq-2): an expert repair needs a rewrite" in text


def test_conflicting_reimport_is_refused(queued, tmp_path):
    _, rows = _export(queued, tmp_path)
    import_review(queued, _write(tmp_path, _complete(rows)))
    changed = next(r for r in rows if r["kind"] == "judge_calibration")
    changed["label"] = "good"
    with pytest.raises(ReviewImportError, match="already reviewed by ann, with other values"):
        import_review(queued, _write(tmp_path, [changed], "second.jsonl"))


def _set_answer(con, text: str) -> None:
    con.execute("UPDATE interactions SET response_content = ?", [text])


def test_exports_carry_no_pii_and_no_spreadsheet_formula(queued, tmp_path):
    _set_answer(queued, '=HYPERLINK("http://x","mail ann@corp.com")')
    queued.execute("UPDATE review_queue SET draft = '@SUM(1) call +1 415 555 2671'")
    summary, _ = _export(queued, tmp_path)
    files = [summary.jsonl, summary.csv, summary.label_studio]
    text = "".join(Path(f).read_text(encoding="utf-8") for f in files)
    assert "ann@corp.com" not in text and "555 2671" not in text and "[EMAIL]" in text
    lines = Path(summary.csv).read_text(encoding="utf-8").splitlines(keepends=True)
    cells = [c for r in csv.DictReader(lines) for c in r.values()]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_a_csv_field_over_128_kib_imports(queued, tmp_path):
    _, rows = _export(queued, tmp_path)
    rows = _complete(rows)
    expert = next(r for r in rows if r["kind"] == "expert_repair")
    expert["rewrite"] = "A long, careful repair. " * 8000  # ~190 KB
    path = tmp_path / "done.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert import_review(queued, path).imported == 3


def test_deeply_nested_json_is_a_row_problem(queued, tmp_path):
    path = tmp_path / "done.jsonl"
    path.write_text('{"item_id": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    with pytest.raises(ReviewImportError, match="nested too deeply"):
        import_review(queued, path)
