"""Judges: deterministic rule judges now; LLM rubric judges join the same table later.

Each rule writes a ``judgments`` row named ``rule:<name>`` when it fires, with
its severity (``score``) and evidence. Rules only read the answer, its finish
reason and the request, so they run offline and are cheap enough for every
interaction.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import closing
from dataclasses import dataclass, field

import duckdb
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from tasks.mine.signals import SignalSettings, select_scope
from tasks.warehouse.db import connect, create_text_macros, sql, transaction

log = logging.getLogger(__name__)

RULES = (
    "empty_or_short",
    "truncated",
    "cut_off",
    "unpaired_tags",
    "refusal",
    "wrong_language",
    "repetition",
    "verbose",
)
DEFAULT_REFUSAL_PREFIXES = [
    "i'm sorry, but i can't",
    "i am sorry, but i cannot",
    "i'm sorry, but i cannot",
    "i can't help with",
    "i cannot help with",
    "i'm not able to",
    "i am not able to",
    "i can't assist",
    "i cannot assist",
    "as an ai",
    "i'm unable to",
    "i am unable to",
    "抱歉，我无法",
    "很抱歉，我不能",
    "很抱歉，我无法",
    "我无法协助",
    "对不起，我不能",
    "作为一个ai",
]
DEFAULT_VERBOSE_PHRASES = [
    "great question",
    "happy to help",
    "i hope this helps",
    "let me know if you have any other questions",
    "feel free to",
    "to summarize",
    "in summary",
    "in conclusion",
    "as mentioned above",
    "it's important to note",
    "it is important to note",
    "before we get into",
    "it really depends",
    "好问题",
    "很高兴为您",
    "希望对您有所帮助",
    "希望对你有帮助",
    "总而言之",
    "正如上面提到的",
    "需要注意的是",
    "欢迎随时提问",
    "如果还有其他问题",
]


# Phrases of a request that ask for a short reply ("reply only 'acknowledged'", "answer
# with the letter"): a short answer to it is what was asked.
DEFAULT_BREVITY_PHRASES = [
    "only reply",
    "reply only",
    "only respond",
    "respond only",
    "only answer",
    "answer only",
    "just say",
    "just reply",
    "just answer",
    "reply with",
    "respond with",
    "answer with",
    "acknowledge",
    "one word",
    "single word",
    "one letter",
    "single letter",
    "yes or no",
    "true or false",
    "short answer",
    "briefly",
    "don't explain",
    "do not explain",
    "no explanation",
    "只回答",
    "只需回答",
    "简短",
    "一个字",
    "是或否",
]


# A short answer that is complete as it stands: an acknowledgement, a choice letter
# ("b. cost-shifting"), a yes/no, a bracketed move in a text game.
DEFAULT_SHORT_REPLY_PATTERN = (
    r"^(ok|okay|yes|no|sure|noted|understood|acknowledged|got it|memori[sz]ed|read|done|"
    r"ready|i understand|yes, i understand|i'm ready|i am ready|好的|明白|收到|是|否)\b"
    r"|^[a-h][.)]\s|^[a-h]$|^\{.*\}$|^\[.*\]$"
)
# A last line ending on a comma or a word that cannot end an English sentence
# (an article, preposition, conjunction, auxiliary or pronoun) stops mid-sentence.
DEFAULT_DANGLING_PATTERN = (
    r"(,|\b(a|an|the|to|of|and|or|but|with|for|in|on|at|by|from|into|as|than|that|which|"
    r"who|whose|is|are|was|were|be|been|being|can|could|will|would|should|may|might|must|"
    r"has|have|had|do|does|did|not|very|your|our|their|my|his|her|its|this|these|"
    r"those|we|you|they|i|if|because|when|while|such|each|every|some|any|about|like|how))$"
)


class RuleSettings(BaseModel):
    """Thresholds of the rule judges."""

    model_config = ConfigDict(extra="forbid")

    min_answer_length: int = Field(
        30, ge=0, description="Answers shorter than this (a Han character counts 2) are too short."
    )
    short_request_length: int = Field(
        40,
        ge=0,
        description="A short answer is fine for a request shorter than this (a greeting, "
        "thanks, a choice, a game move); the same weighting as min_answer_length.",
    )
    brevity_phrases: list[str] = Field(
        default_factory=lambda: list(DEFAULT_BREVITY_PHRASES),
        description="A request containing one of these asks for a short reply.",
    )
    cut_off_min_chars: int = Field(
        400,
        ge=0,
        description="An answer at least this long whose last prose line (8+ words) stops on "
        "a word is cut off (an open code block or a dangling word is, at any length).",
    )
    short_reply_pattern: str = Field(
        DEFAULT_SHORT_REPLY_PATTERN,
        description="A short answer matching this (lower-cased regex) is complete as it stands.",
    )
    dangling_pattern: str = Field(
        DEFAULT_DANGLING_PATTERN,
        description="A last line matching this (lower-cased regex) stops mid-sentence.",
    )
    refusal_prefixes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REFUSAL_PREFIXES),
        description="Boilerplate refusal openings (rule:refusal).",
    )
    refusal_max_chars: int = Field(
        300, gt=0, description="A refusal opening only counts in an answer shorter than this."
    )
    verbose_phrases: list[str] = Field(
        default_factory=lambda: list(DEFAULT_VERBOSE_PHRASES),
        description="Filler and padding phrases (rule:verbose: over-long, padded answers).",
    )
    verbose_min_phrases: int = Field(
        3, ge=1, description="rule:verbose fires on this many distinct padding phrases ..."
    )
    verbose_min_length: int = Field(
        300, ge=0, description="... in an answer at least this long (a Han character counts 2)."
    )

    def version(self) -> str:
        """Content hash of the rule SQL and these settings (recorded as prompt_version)."""
        text = sql("create_rule_findings") + self.model_dump_json()
        return "rules-" + hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class JudgeSummary:
    """What one judging run found."""

    interactions: int = 0
    fired: int = 0
    by_judge: dict[str, int] = field(default_factory=dict)


def find_rule_failures(con: duckdb.DuckDBPyConnection, settings: RuleSettings) -> None:
    """Run the rules over temp view ``rule_inputs`` (item_id, answer, finish_reason,
    request) into temp table ``rule_findings`` (item_id, judge, score, evidence)."""
    create_text_macros(con)
    con.execute(
        sql("create_rule_findings"),
        {
            "min_answer_length": settings.min_answer_length,
            "short_request_length": settings.short_request_length,
            "brevity_phrases": [p.lower() for p in settings.brevity_phrases],
            "cut_off_min_chars": settings.cut_off_min_chars,
            "short_reply_pattern": settings.short_reply_pattern,
            "dangling_pattern": settings.dangling_pattern,
            "refusal_prefixes": [p.lower() for p in settings.refusal_prefixes],
            "refusal_max_chars": settings.refusal_max_chars,
            "verbose_phrases": [p.lower() for p in settings.verbose_phrases],
            "verbose_min_phrases": settings.verbose_min_phrases,
            "verbose_min_length": settings.verbose_min_length,
        },
    )


def judge_with_rules(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: RuleSettings | None = None,
    signal_settings: SignalSettings | None = None,
) -> JudgeSummary:
    """Run the rule judges over every conversation changed since it was last mined."""
    settings = settings or RuleSettings()
    signal_settings = signal_settings or SignalSettings()
    select_scope(con, signal_settings.abandon_after_s, run_id, reuse=True)
    con.execute(sql("create_rule_inputs_scope"))
    find_rule_failures(con, settings)
    with transaction(con):
        con.execute(sql("delete_scope_judgments"))
        con.execute(
            sql("insert_rule_judgments"),
            {"run_id": run_id, "rules_version": settings.version()},
        )
        by_judge = dict(con.execute(sql("count_scope_judgments")).fetchall())
        interactions = con.execute(sql("count_scope_interactions")).fetchone()[0]
    summary = JudgeSummary(interactions, sum(by_judge.values()), by_judge)
    log.info("rule judges: %d fired over %d interactions", summary.fired, interactions)
    return summary


@task(name="judge-with-rules", cache_policy=NO_CACHE)
def judge_with_rules_task(
    warehouse: str,
    run_id: str,
    settings: RuleSettings,
    signal_settings: SignalSettings,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> JudgeSummary:
    """Prefect task: open the warehouse and run :func:`judge_with_rules`."""
    with closing(connect(warehouse, memory_limit=memory_limit, threads=threads)) as con:
        return judge_with_rules(con, run_id, settings, signal_settings)
