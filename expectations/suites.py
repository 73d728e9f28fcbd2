"""The Great Expectations suites every candidate preference set must pass.

GX cannot validate DuckDB through SQLAlchemy here and its custom-SQL
expectation does not run on pandas, so the rule columns (``chosen_differs``,
``tags_balanced``, ``pii_found``, ``length_ratio``, ``scene_share``, ...) are
computed first (:func:`rule_columns`; ``cue_*``: does a shallow cue pick the chosen
answer, see tasks/publish/cues.py) and checked with built-in expectations.
Set-level facts (judge-human kappa) are a one-row batch of their own. GX takes
seconds to import, so it is imported only when a set is validated.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from expectations.pii_check import has_pii
from tasks.publish.cues import CUES, cue_votes

log = logging.getLogger(__name__)

PAIR_COLUMNS = (
    "prompt",
    "chosen",
    "rejected",
    "pair_id",
    "case_id",
    "interaction_id",
    "cluster_id",
    "scene",
    "category",
    "rewrite_source",
    "near_miss",
    "badness",
    "chosen_chars",
    "rejected_chars",
    "signals",
    "judges",
    "llm_verdict",
    "llm_score",
)
KTO_COLUMNS = ("prompt", "completion", "label")
_TAG = re.compile(r"</?(think|tool_call)>")


class ValidationSettings(BaseModel):
    """Bounds a publishable set must meet."""

    model_config = ConfigDict(extra="forbid")

    min_pairs: int = Field(1, ge=0, description="Fewest pairs a publishable set holds.")
    max_chosen_longer_share: float = Field(
        0.8, ge=0, le=1, description="Most pairs whose chosen answer is longer (length bias)."
    )
    max_median_length_ratio: float = Field(
        3.0, gt=0, description="Highest median chosen/rejected length ratio."
    )
    max_scene_share: float = Field(
        0.6, gt=0, le=1, description="Largest share of the set one scene may hold."
    )
    max_llm_source_share: float = Field(
        0.9, ge=0, le=1, description="Largest share of chosen answers written by an LLM."
    )
    min_kappa: float = Field(
        0.6, ge=-1, le=1, description="Judge-human kappa required where labels exist."
    )
    max_shallow_cue_accuracy: float = Field(
        0.65,
        ge=0.5,
        le=1,
        description="Highest accuracy of a shallow cue at picking the chosen answer: the "
        "longer answer, the one with more markdown list items, the more polite one "
        "(tasks/publish/cues.py).",
    )
    max_kto_negative_share: dict[str, float] = Field(
        default_factory=lambda: {"unreliable_signal": 0.0},
        description="Largest share of the undesirable KTO rows resting on each kind of "
        "evidence (verified_repair, rule, llm_judge, explicit_feedback, implicit_signal, "
        "unreliable_signal); kinds not named are unbounded.",
    )
    balance_min_pairs: int = Field(
        20,
        ge=1,
        description="Length-bias, shallow-cue, scene and source-mix bounds apply from this "
        "many pairs (on fewer, shares are noise).",
    )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of the suites: passed or not, and each expectation's result."""

    success: bool
    results: list[dict] = field(default_factory=list)
    docs: str | None = None

    @property
    def failures(self) -> list[str]:
        return [r["summary"] for r in self.results if not r["success"]]


def rule_columns(pairs: pa.Table) -> list[dict]:
    """Rows of the pair table with the columns the suite checks."""
    rows = pairs.to_pylist()
    scenes = Counter(r["scene"] for r in rows)
    for r in rows:
        chosen = " ".join(m["content"] or "" for m in r["chosen"])
        rejected = " ".join(m["content"] or "" for m in r["rejected"])
        prompt = " ".join(m["content"] or "" for m in r["prompt"])
        tags = Counter(_TAG.findall(chosen))
        opened = Counter(
            m.group(1) for m in _TAG.finditer(chosen) if not m.group(0).startswith("</")
        )
        r["chosen_differs"] = chosen.strip() != rejected.strip()
        r["tags_balanced"] = all(tags[t] == 2 * opened[t] for t in tags)
        r["pii_found"] = bool(has_pii(prompt + "\n" + chosen + "\n" + rejected))
        r["chosen_longer"] = len(chosen) > len(rejected)
        r["length_ratio"] = len(chosen) / max(len(rejected), 1)
        r["scene_share"] = scenes[r["scene"]] / len(rows)
        r["llm_written"] = r["rewrite_source"] == "llm"
        for cue, vote in cue_votes(chosen, rejected).items():
            r[f"cue_{cue}"] = vote
    return rows


def _pair_suite(gx, gxe, s: ValidationSettings, pairs: int):
    suite = gx.ExpectationSuite(name="preference_pairs")
    add = suite.add_expectation
    add(gxe.ExpectTableColumnsToMatchSet(column_set=list(PAIR_COLUMNS), exact_match=False))
    add(gxe.ExpectTableRowCountToBeBetween(min_value=s.min_pairs))
    for column in ("pair_id", "case_id", "interaction_id", "prompt", "chosen", "rejected"):
        add(gxe.ExpectColumnValuesToNotBeNull(column=column))
    add(gxe.ExpectColumnValuesToBeUnique(column="pair_id"))
    for column in ("chosen_chars", "rejected_chars"):
        add(gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=["int64", "int32"]))
    add(gxe.ExpectColumnValuesToBeOfType(column="near_miss", type_="bool"))
    add(gxe.ExpectColumnValuesToBeInSet(column="rewrite_source", value_set=["llm", "human"]))
    add(gxe.ExpectColumnValuesToBeInSet(column="chosen_differs", value_set=[True]))
    add(gxe.ExpectColumnValuesToBeInSet(column="tags_balanced", value_set=[True]))
    add(gxe.ExpectColumnValuesToBeInSet(column="pii_found", value_set=[False]))
    add(gxe.ExpectColumnValuesToBeInSet(column="contaminated", value_set=[False]))
    if pairs < s.balance_min_pairs:
        log.info(
            "balance checks skipped: %d pairs < balance_min_pairs %d", pairs, s.balance_min_pairs
        )
        return suite
    add(
        gxe.ExpectColumnMeanToBeBetween(column="chosen_longer", max_value=s.max_chosen_longer_share)
    )
    add(
        gxe.ExpectColumnMedianToBeBetween(
            column="length_ratio", max_value=s.max_median_length_ratio
        )
    )
    for cue in CUES:  # the accuracy of "the one with more <cue> is chosen"
        add(
            gxe.ExpectColumnMeanToBeBetween(
                column=f"cue_{cue}", max_value=s.max_shallow_cue_accuracy
            )
        )
    add(gxe.ExpectColumnMaxToBeBetween(column="scene_share", max_value=s.max_scene_share))
    add(gxe.ExpectColumnMeanToBeBetween(column="llm_written", max_value=s.max_llm_source_share))
    return suite


def _kto_suite(gx, gxe):
    suite = gx.ExpectationSuite(name="kto_rows")
    suite.add_expectation(
        gxe.ExpectTableColumnsToMatchSet(column_set=list(KTO_COLUMNS), exact_match=False)
    )
    for column in KTO_COLUMNS:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectColumnValuesToBeOfType(column="label", type_="bool"))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="pii_found", value_set=[False]))
    return suite


EVIDENCE_KINDS = (
    "verified_repair",
    "rule",
    "llm_judge",
    "explicit_feedback",
    "implicit_signal",
    "unreliable_signal",
)


def _negative_evidence_suite(gx, gxe, s: ValidationSettings):
    suite = gx.ExpectationSuite(name="kto_negative_evidence")
    for kind, share in sorted(s.max_kto_negative_share.items()):
        suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column=kind, max_value=share))
    return suite


def _negative_evidence_rows(kto: pa.Table, evidence: list[str] | None) -> list[dict]:
    """One row per undesirable KTO row: 1 in the column of the evidence it rests on."""
    if evidence is None:  # not known: nothing to check
        return []
    labels = kto.column("label").to_pylist() if kto.num_rows else []
    kinds = evidence
    return [
        {k: float(kind == k) for k in EVIDENCE_KINDS}
        for label, kind in zip(labels, kinds, strict=True)
        if not label
    ]


def _judge_suite(gx, gxe, s: ValidationSettings):
    suite = gx.ExpectationSuite(name="judge_agreement")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="kappa", min_value=s.min_kappa))
    return suite


def validate_preference_set(
    pairs: pa.Table,
    kto: pa.Table,
    agreement: list[dict],
    settings: ValidationSettings | None = None,
    docs_dir: str | Path | None = None,
    kto_evidence: list[str] | None = None,
) -> ValidationReport:
    """Run the suites on a candidate set.

    Args:
        pairs: The DPO pairs (plus a ``contaminated`` column).
        kto: The KTO rows.
        kto_evidence: Per KTO row, the evidence it rests on (``EVIDENCE_KINDS``); the
            share of undesirable rows per kind is bounded by ``max_kto_negative_share``.
        agreement: Overall judge-vs-human rows with enough labels (judge, kappa).
        docs_dir: Where to leave GX Data Docs (HTML); None for none.
    """
    import great_expectations as gx  # slow import: only when validating
    import great_expectations.expectations as gxe
    import pandas as pd

    settings = settings or ValidationSettings()
    batches = {
        "preference_pairs": (
            lambda: _pair_suite(gx, gxe, settings, pairs.num_rows),
            pd.DataFrame(rule_columns(pairs)),
        ),
        "kto_rows": (lambda: _kto_suite(gx, gxe), pd.DataFrame(_kto_rows(kto))),
        "judge_agreement": (
            lambda: _judge_suite(gx, gxe, settings),
            pd.DataFrame(agreement or [{"judge": None, "kappa": None}]).astype(
                {"kappa": "float64"}
            ),
        ),
    }
    negatives = _negative_evidence_rows(kto, kto_evidence)
    if negatives:  # shares of nothing are undefined: no negatives, nothing to bound
        batches["kto_negative_evidence"] = (
            lambda: _negative_evidence_suite(gx, gxe, settings),
            pd.DataFrame(negatives),
        )
    return run_suites(batches, docs_dir)


def run_suites(batches: dict, docs_dir: str | Path | None = None) -> ValidationReport:
    """Run each ``name -> (suite builder, pandas frame)`` through a Great Expectations
    checkpoint. A throwaway file context holds them (suites are built once it exists);
    its Data Docs are copied to ``docs_dir``.
    """
    import great_expectations as gx
    import pandas as pd

    workdir = Path(tempfile.mkdtemp(prefix="badcase-gx-"))
    try:
        context = gx.get_context(mode="file", project_root_dir=str(workdir))
        context.variables.progress_bars = {"globally": False}
        source = context.data_sources.add_pandas("badcase_sets")
        results: list[dict] = []
        for name, (build_suite, frame) in batches.items():
            if frame.empty:
                frame = pd.DataFrame({c: pd.Series(dtype="object") for c in _columns(name)})
            definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
                "all"
            )
            suite = context.suites.add(build_suite())
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=definition, suite=suite)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"{name}-checkpoint",
                    validation_definitions=[validation],
                    actions=[gx.checkpoint.UpdateDataDocsAction(name="data-docs")],
                    result_format={"result_format": "SUMMARY"},
                )
            )
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
            for run in outcome.run_results.values():
                results += [_result(name, r) for r in run.results]
        docs = None
        if docs_dir is not None:
            site = workdir / "gx" / "uncommitted" / "data_docs" / "local_site"
            shutil.copytree(site, docs_dir, dirs_exist_ok=True)
            docs = str(Path(docs_dir) / "index.html")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    success = all(r["success"] for r in results)
    log.info("validation: %s (%d expectations)", "passed" if success else "FAILED", len(results))
    return ValidationReport(success, results, docs)


EVAL_COLUMNS = ("eval_id", "prompt", "reference", "original", "cluster_id", "category", "scene")


def validate_eval_set(items: pa.Table, in_training: list[bool]) -> ValidationReport:
    """The regression eval set: complete rows, unique ids, a reference that differs from
    the original, no PII, and not one item in the training set.

    Args:
        items: The eval rows (``EVAL_COLUMNS``).
        in_training: Per row, whether its case is eligible in the preference set.
    """
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd

    rows = items.to_pylist()
    for r, leaked in zip(rows, in_training, strict=True):
        prompt = " ".join(m["content"] or "" for m in r["prompt"])
        r["reference_differs"] = (r["reference"] or "").strip() != (r["original"] or "").strip()
        r["pii_found"] = bool(has_pii(f"{prompt}\n{r['reference']}\n{r['original']}"))
        r["in_training"] = leaked

    def suite():
        suite = gx.ExpectationSuite(name="eval_items")
        add = suite.add_expectation
        add(gxe.ExpectTableColumnsToMatchSet(column_set=list(EVAL_COLUMNS), exact_match=False))
        for column in ("eval_id", "prompt", "reference", "original", "cluster_id"):
            add(gxe.ExpectColumnValuesToNotBeNull(column=column))
        add(gxe.ExpectColumnValuesToBeUnique(column="eval_id"))
        add(gxe.ExpectColumnValuesToBeInSet(column="reference_differs", value_set=[True]))
        add(gxe.ExpectColumnValuesToBeInSet(column="pii_found", value_set=[False]))
        add(gxe.ExpectColumnValuesToBeInSet(column="in_training", value_set=[False]))
        return suite

    return run_suites({"eval_items": (suite, pd.DataFrame(rows))})


RL_COLUMNS = ("prompt_id", "prompt", "reference", "verifier", "pass_rate", "samples", "rank")


def validate_rl_prompt_set(prompts: pa.Table, band: tuple[float, float]) -> ValidationReport:
    """The RL prompt set: complete rows, unique ids, every pass rate inside the band, and
    the rows in curriculum order (rank 1, 2, ... from the easiest)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd

    rows = prompts.to_pylist()
    for i, r in enumerate(rows):
        r["in_order"] = r["rank"] == i + 1 and (
            i == 0 or rows[i - 1]["pass_rate"] >= r["pass_rate"]
        )
        r["pii_found"] = bool(has_pii(" ".join(m["content"] or "" for m in r["prompt"])))

    def suite():
        suite = gx.ExpectationSuite(name="rl_prompts")
        add = suite.add_expectation
        add(gxe.ExpectTableColumnsToMatchSet(column_set=list(RL_COLUMNS), exact_match=False))
        for column in ("prompt_id", "prompt", "reference", "verifier"):
            add(gxe.ExpectColumnValuesToNotBeNull(column=column))
        add(gxe.ExpectColumnValuesToBeUnique(column="prompt_id"))
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column="pass_rate", min_value=band[0], max_value=band[1]
            )
        )
        add(gxe.ExpectColumnValuesToBeInSet(column="in_order", value_set=[True]))
        add(gxe.ExpectColumnValuesToBeInSet(column="pii_found", value_set=[False]))
        return suite

    return run_suites({"rl_prompts": (suite, pd.DataFrame(rows))})


def _columns(name: str) -> tuple[str, ...]:
    return {
        "kto_rows": (*KTO_COLUMNS, "pii_found"),
        "judge_agreement": ("judge", "kappa"),
        "kto_negative_evidence": EVIDENCE_KINDS,
        "eval_items": (*EVAL_COLUMNS, "reference_differs", "pii_found", "in_training"),
        "rl_prompts": (*RL_COLUMNS, "in_order", "pii_found"),
    }.get(name, PAIR_COLUMNS)


def _kto_rows(kto: pa.Table) -> list[dict]:
    rows = kto.to_pylist()
    for r in rows:
        text = " ".join(m["content"] or "" for m in (r["prompt"] or []) + (r["completion"] or []))
        r["pii_found"] = bool(has_pii(text))
    return rows


def _result(suite: str, r) -> dict:
    config = r.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    observed = r.result.get("observed_value")
    unexpected = r.result.get("unexpected_count")
    column = kwargs.get("column", "")
    what = config.type.replace("expect_", "").replace("_", " ")
    detail = f"observed {observed!r}" if observed is not None else f"{unexpected or 0} unexpected"
    return {
        "suite": suite,
        "expectation": config.type,
        "column": column,
        "kwargs": {k: v for k, v in kwargs.items() if k != "column"},
        "success": bool(r.success),
        "observed": observed,
        "unexpected_count": unexpected,
        "summary": f"{suite}: {column + ' ' if column else ''}{what} — {detail}",
    }
