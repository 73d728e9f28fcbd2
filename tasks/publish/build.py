"""Build: preference pairs from verified repairs, deduplicated and decontaminated.

Each case's chosen repair becomes a pair in TRL's conversational format:
``prompt`` (the conversation up to the user turn), ``chosen`` (the repaired
answer) and ``rejected`` (the original answer), each a list of ``{role,
content}``, with PII redacted and metadata beside them. Every pair ever built
stays in ``preference_pairs``; each build recomputes which are ``eligible``
and keeps the rest ``excluded`` with the reason: superseded by a newer repair,
case withdrawn, eval contamination, duplicate or near-duplicate prompt (against
the set and every earlier published version, which come first).
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.errors import ConfigError
from tasks.publish.redact import PrivacySettings, Redactor, redactor
from tasks.warehouse.db import (
    arrow_view,
    connect,
    create_text_macros,
    fetch_dicts,
    sql,
    transaction,
)

log = logging.getLogger(__name__)

MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


class BuildSettings(BaseModel):
    """Dedup, decontamination and the KTO mix."""

    model_config = ConfigDict(extra="forbid")

    eval_sets: list[str] = Field(
        default_factory=list,
        description="Eval prompt files (JSONL with prompt/messages/question, .txt, .parquet) "
        "whose prompts must not leak into training data.",
    )
    eval_holdout_share: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="Share of each cluster's repaired cases held out for the regression eval "
        "set (evalsets/); held-out cases are never published for training. 0 turns it off.",
    )
    contamination_ngram: int = Field(
        8, ge=3, description="Character n-gram length of the overlap test (normalised text)."
    )
    contamination_threshold: float = Field(
        0.5, gt=0, le=1, description="Share of a prompt's n-grams found in an eval prompt."
    )
    near_dup_similarity: float = Field(
        0.9, gt=0, le=1, description="Bigram Jaccard at which two prompts are near duplicates."
    )
    # 10 bands of 8 rows: prompts with Jaccard >= 0.9 share a band with probability 0.996.
    lsh_bands: int = Field(10, gt=0, description="MinHash-LSH bands of the near-duplicate search.")
    lsh_rows: int = Field(
        8, gt=0, description="MinHash rows per band of the near-duplicate search."
    )
    kto_desirable_ratio: float = Field(
        1.0,
        ge=0,
        description="At most this many desirable (label true) KTO rows per undesirable one.",
    )


@dataclass(frozen=True)
class BuildSummary:
    """What one build did."""

    new_pairs: int = 0
    eligible: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    eval_prompts: int = 0


def load_eval_prompts(paths: list[str]) -> list[str]:
    """The prompts of the configured eval sets (user turns joined for chat records).

    Raises:
        ConfigError: A file is missing or unreadable.
    """
    prompts: list[str] = []
    for name in paths:
        path = Path(name).expanduser()
        try:
            if path.suffix == ".parquet":
                table = pq.read_table(path)
                column = next(c for c in ("prompt", "question", "input") if c in table.schema.names)
                prompts += [_prompt_text(v) for v in table.column(column).to_pylist()]
            elif path.suffix in (".jsonl", ".json"):
                for line in path.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        row = json.loads(line)
                        value = next(
                            (
                                row[k]
                                for k in ("prompt", "messages", "question", "input")
                                if k in row
                            ),
                            None,
                        )
                        prompts.append(_prompt_text(value))
            else:
                prompts += [
                    ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()
                ]
        except (OSError, ValueError, StopIteration) as exc:
            raise ConfigError(f"cannot read eval set {path}: {exc}") from None
    return [p for p in prompts if p]


def _prompt_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(
            m.get("content") or ""
            for m in value
            if isinstance(m, dict) and m.get("role", "user") == "user"
        )
    return ""


def redact_messages(messages: list[dict], redact: Redactor | None) -> list[dict]:
    """A pair's messages as they are stored and published: role and redacted content."""
    if redact is None:
        return [{"role": m["role"], "content": m["content"]} for m in messages]
    return [{"role": m["role"], "content": redact(m["content"])} for m in messages]


def build_preference_pairs(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: BuildSettings | None = None,
    privacy: PrivacySettings | None = None,
) -> BuildSummary:
    """Add a pair for each new chosen repair, then recompute eligibility of all pairs."""
    settings = settings or BuildSettings()
    redact = redactor(privacy)
    create_text_macros(con)
    rows = fetch_dicts(con.execute(sql("select_pair_candidates")))
    for row in rows:
        clean = redact or (lambda text: text)
        row["prompt"] = redact_messages(row["prompt"], redact)
        row["chosen"] = [{"role": "assistant", "content": clean(row.pop("chosen_text"))}]
        row["rejected"] = [{"role": "assistant", "content": clean(row.pop("rejected_text"))}]
    eval_prompts = load_eval_prompts(settings.eval_sets)
    with transaction(con):
        if rows:
            table = pa.Table.from_pylist(rows)
            table = table.cast(
                pa.schema(
                    [
                        (f.name, MESSAGES if f.name in ("prompt", "chosen", "rejected") else f.type)
                        for f in table.schema
                    ]
                )
            )
            with arrow_view(con, "new_pairs_arrow", table):
                con.execute(sql("insert_pairs"), {"run_id": run_id, "now": datetime.now(UTC)})
        con.execute(
            sql("insert_eval_split"),
            {"share": settings.eval_holdout_share, "run_id": run_id, "now": datetime.now(UTC)},
        )
        find_contamination(con, settings, eval_prompts)
        con.execute(
            sql("update_pair_exclusions"),
            {
                "near_dup_similarity": settings.near_dup_similarity,
                "lsh_bands": settings.lsh_bands,
                "lsh_rows": settings.lsh_rows,
            },
        )
    counts = con.execute(sql("count_pair_status")).fetchall()
    summary = BuildSummary(
        new_pairs=len(rows),
        eligible=sum(n for status, _, n in counts if status == "eligible"),
        excluded={reason: n for status, reason, n in counts if status == "excluded"},
        redacted=dict(redact.counts) if redact else {},
        eval_prompts=len(eval_prompts),
    )
    log.info(
        "build: %d new pairs, %d eligible, excluded %s",
        len(rows),
        summary.eligible,
        summary.excluded,
    )
    return summary


def find_contamination(
    con: duckdb.DuckDBPyConnection, settings: BuildSettings, eval_prompts: list[str] | None = None
) -> set[str]:
    """Fill temp table ``pair_contamination`` with the pairs whose prompt overlaps an eval
    prompt, and return their ids (the eval sets are read when not given). Near copies of
    the cases held out for the regression eval set are found with the duplicates
    (``update_pair_exclusions.sql``) and checked again at publish."""
    if eval_prompts is None:
        eval_prompts = load_eval_prompts(settings.eval_sets)
    prompts = pa.table({"text": pa.array(eval_prompts, pa.string())})
    with arrow_view(con, "eval_prompts_arrow", prompts):
        con.execute(
            sql("create_pair_contamination"),
            {"n": settings.contamination_ngram, "threshold": settings.contamination_threshold},
        )
    return {r[0] for r in con.execute(sql("select_contaminated_pairs")).fetchall()}


def content_hash(*tables: pa.Table) -> str:
    """sha256 of the tables' rows in a canonical order (identical content, identical hash)."""
    digest = hashlib.sha256()
    for table in tables:
        for row in sorted(json.dumps(r, sort_keys=True, default=str) for r in table.to_pylist()):
            digest.update(row.encode())
            digest.update(b"\n")
        digest.update(b"\x00")
    return digest.hexdigest()


@task(name="build-preference-pairs", cache_policy=NO_CACHE)
def build_preference_pairs_task(
    warehouse: str,
    run_id: str,
    settings: BuildSettings,
    privacy: PrivacySettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> BuildSummary:
    """Prefect task: open the warehouse and run :func:`build_preference_pairs`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return build_preference_pairs(con, run_id, settings, privacy)
