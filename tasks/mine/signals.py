"""Signals: implicit and explicit user feedback per interaction, derived in SQL.

Derived from the conversation itself (retry, rephrase, correction, abandonment)
and from logged events (regenerate, thumbs, rating, comment, edit, copy,
escalate). Only conversations that changed since they were last mined are
(re)derived, so the stage is incremental and safe to re-run.
"""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import dataclass, field

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.ingest.turns import sync_turns
from tasks.warehouse.db import connect, create_text_macros, sql, transaction

log = logging.getLogger(__name__)

# Openings of a user turn that reject the previous answer (lower-case prefixes).
DEFAULT_CORRECTION_PREFIXES = [
    "no,",
    "no.",
    "no ",
    "nope",
    "wrong",
    "that's wrong",
    "that is wrong",
    "that's not",
    "that is not",
    "not right",
    "still not working",
    "still doesn't work",
    "still getting",
    "still the same error",
    "it doesn't work",
    "it does not work",
    "doesn't work",
    "this doesn't work",
    "you didn't",
    "you forgot",
    "you missed",
    "incorrect",
    "are you sure",
    "this is incomplete",
    "that doesn't",
    "that does not",
    "you're wrong",
    "actually, no",
    "不对",
    "错了",
    "不是",
    "你答非所问",
    "确定吗",
    "这个回答不完整",
    "答错",
    "不准确",
]
# Openings of a user turn that ask for more of the same answer: the content so far was
# wanted (whether the answer was cut off is a separate fact the cut_off rule checks).
DEFAULT_CONTINUATION_PREFIXES = [
    "continue",
    "cont.",
    "go on",
    "keep going",
    "keep writing",
    "carry on",
    "more",
    "next",
    "elaborate",
    "expand",
    "finish",
    "please continue",
    "pls continue",
    "and then",
    "then what",
    "what next",
    "what's next",
    "继续",
    "再来",
    "接着",
    "然后呢",
    "还有吗",
]
# Openings of a user turn that thank or praise the previous answer.
DEFAULT_THANKS_PREFIXES = [
    "thanks",
    "thank you",
    "thank u",
    "thx",
    "ty",
    "great",
    "perfect",
    "awesome",
    "excellent",
    "amazing",
    "nice",
    "good job",
    "well done",
    "that's great",
    "that's perfect",
    "that is great",
    "this is great",
    "love it",
    "cool",
    "谢谢",
    "感谢",
    "太好了",
    "很好",
    "完美",
]
# Openings of a user turn that move on to a new ask (the next item of a series, a
# variant, an addition) rather than asking the same thing again.
DEFAULT_MOVE_ON_PREFIXES = [
    "now",
    "ok",
    "okay",
    "also",
    "and",
    "another",
    "then",
    "what about",
    "how about",
    "same for",
    "do the same",
    "repeat for",
    "good",
    "yes",
    "好",
    "那",
    "然后",
    "再",
]
DEFAULT_NEGATIVE_COMMENT_WORDS = [
    "wrong",
    "incorrect",
    "not helpful",
    "unhelpful",
    "useless",
    "missing",
    "incomplete",
    "cut off",
    "bad answer",
    "hallucinat",
    "错",
    "没帮助",
    "没用",
    "缺少",
    "不完整",
    "截断",
    "不对",
]


# Every signal this stage can write (negative, then positive).
SIGNALS = (
    "retry",
    "rephrase",
    "correction",
    "edit",
    "regenerate",
    "thumbs_down",
    "escalation",
    "low_rating",
    "negative_comment",
    "abandonment",
    "refinement",
    "thumbs_up",
    "copy",
    "high_rating",
    "thanks",
    "continuation",
)
POSITIVE_SIGNALS = ("thumbs_up", "copy", "high_rating", "thanks", "continuation")


class SignalSettings(BaseModel):
    """How implicit signals are read from conversations."""

    model_config = ConfigDict(extra="forbid")

    retry_window_s: int = Field(
        600, gt=0, description="A resend within this many seconds is a retry."
    )
    retry_similarity: float = Field(0.9, ge=0, le=1, description="Request similarity for a retry.")
    rephrase_similarity: float = Field(
        0.35, ge=0, le=1, description="Bigram Jaccard of two user turns that makes a rephrase."
    )
    min_request_chars: int = Field(
        12,
        ge=0,
        description="Requests shorter than this (normalised) are commands, never rephrased.",
    )
    slot_words: int = Field(
        2,
        ge=0,
        description="A follow-up that swaps at most this many words (a name, an item) for as "
        "many others is the next item of a series or template, not a rephrase.",
    )
    abandon_after_s: int = Field(
        1800, gt=0, description="A conversation quiet this long after its last answer is abandoned."
    )
    correction_prefixes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CORRECTION_PREFIXES),
        description="Openings of a user turn that correct the answer before it (a list you "
        "give replaces the default one).",
    )
    continuation_prefixes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CONTINUATION_PREFIXES),
        description="Openings (whole words) of a user turn asking for more: a continuation, "
        "positive evidence, never a rephrase.",
    )
    thanks_prefixes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_THANKS_PREFIXES),
        description="Openings (whole words) of a user turn that thanks or praises the answer.",
    )
    move_on_prefixes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MOVE_ON_PREFIXES),
        description="Openings (whole words) of a user turn that moves on to a new ask "
        "(now, next, another, what about): never a rephrase.",
    )
    negative_comment_words: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NEGATIVE_COMMENT_WORDS),
        description="Words that make a comment event a negative_comment signal.",
    )


@dataclass(frozen=True)
class SignalSummary:
    """What one signals run derived."""

    conversations: int = 0
    interactions: int = 0
    signals: int = 0
    by_signal: dict[str, int] = field(default_factory=dict)


def select_scope(
    con: duckdb.DuckDBPyConnection,
    abandon_after_s: int,
    run_id: str | None = None,
    reuse: bool = False,
) -> tuple[int, object]:
    """Fill temp table ``mine_scope`` with the conversations to (re)mine (after
    :func:`~tasks.ingest.turns.sync_turns`, unless a kept scope is read), and the DuckDB
    variable ``mine_since`` with their earliest interaction's time (scoped statements
    read the tables from there on).

    Args:
        run_id: The loop run: the scope is kept in ``mining_scopes`` for its later stages.
        reuse: Read the scope this run kept, if it kept one, instead of picking it again
            (the rule judges and mining of a run read what its signals stage picked:
            nothing is ingested between them, so they would pick the same).

    Returns:
        How many conversations, and the watermark (the newest timestamp seen; None when
        a kept scope is read: only picking a scope needs it).
    """
    if reuse and run_id is not None:
        con.execute(sql("load_kept_scope"), {"run_id": run_id})
        kept = con.execute(sql("count_mining_scope")).fetchone()[0]
        if kept:
            create_text_macros(con)
            con.execute(sql("set_mine_since"))
            return kept, None
    sync_turns(con)  # (defines the text macros too)
    watermark = con.execute(sql("select_latest_activity")).fetchone()[0]
    con.execute(
        sql("select_mining_scope"), {"watermark": watermark, "abandon_after_s": abandon_after_s}
    )
    if run_id is not None:
        with transaction(con):
            con.execute(sql("delete_kept_scopes"))
            con.execute(sql("insert_kept_scope"), {"run_id": run_id})
    con.execute(sql("set_mine_since"))
    return con.execute(sql("count_mining_scope")).fetchone()[0], watermark


def derive_signals(
    con: duckdb.DuckDBPyConnection, run_id: str, settings: SignalSettings | None = None
) -> SignalSummary:
    """Derive the ``signals`` rows of every conversation changed since it was last mined.

    Args:
        con: An open warehouse connection.
        run_id: The loop run; written on every row.
        settings: Signal settings; the defaults when omitted.
    """
    settings = settings or SignalSettings()
    conversations, watermark = select_scope(con, settings.abandon_after_s, run_id)
    with transaction(con):
        con.execute(sql("delete_scope_rows", table="signals"))
        con.execute(
            sql("insert_signals"),
            {
                "run_id": run_id,
                "retry_window_s": settings.retry_window_s,
                "retry_similarity": settings.retry_similarity,
                "rephrase_similarity": settings.rephrase_similarity,
                "abandon_after_s": settings.abandon_after_s,
                "watermark": watermark,
                "correction_prefixes": [p.lower() for p in settings.correction_prefixes],
                "continuation_prefixes": [p.lower() for p in settings.continuation_prefixes],
                "thanks_prefixes": [p.lower() for p in settings.thanks_prefixes],
                "move_on_prefixes": [p.lower() for p in settings.move_on_prefixes],
                "min_request_chars": settings.min_request_chars,
                "slot_words": settings.slot_words,
                "negative_comment_words": [w.lower() for w in settings.negative_comment_words],
            },
        )
        by_signal = dict(con.execute(sql("count_scope_signals")).fetchall())
        interactions = con.execute(sql("count_scope_interactions")).fetchone()[0]
    summary = SignalSummary(conversations, interactions, sum(by_signal.values()), by_signal)
    log.info("signals: %d over %d conversations", summary.signals, conversations)
    return summary


@task(name="derive-signals", cache_policy=NO_CACHE)
def derive_signals_task(
    warehouse: str,
    run_id: str,
    settings: SignalSettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> SignalSummary:
    """Prefect task: open the warehouse and run :func:`derive_signals`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return derive_signals(con, run_id, settings)
