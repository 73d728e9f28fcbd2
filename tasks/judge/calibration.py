"""Calibrating LLM judges against people (the guard against the AI-feedback doom loop).

A share of the items an LLM judge decides goes to the human review queue blind
(:mod:`tasks.repair.review`). When labels come back, Cohen's kappa of judge vs human on
the decision mining uses (bad vs not bad) is computed per scene and overall and
stored in ``judge_agreement``. A judge (model, prompt version) whose kappa is
below ``min_kappa`` on at least ``min_labels`` labels, overall or in a scene,
stops counting as sole evidence of a bad case there: its "bad" verdict still
adds to other evidence, but never makes a case alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from tasks.warehouse.db import sql, transaction

log = logging.getLogger(__name__)


class CalibrationSettings(BaseModel):
    """How much of the LLM judges' work people check, and how much agreement is enough."""

    model_config = ConfigDict(extra="forbid")

    share: float = Field(
        0.05, ge=0, le=1, description="Share of judged items sent to people, blind."
    )
    min_kappa: float = Field(
        0.6, ge=-1, le=1, description="Cohen's kappa below which a judge is not sole evidence."
    )
    min_labels: int = Field(
        30, ge=1, description="Human labels needed before a judge's kappa is acted on."
    )


@dataclass(frozen=True)
class Agreement:
    """One judge's agreement with people, in one scene or overall (``scene == '*'``)."""

    judge: str
    model: str
    prompt_version: str
    scene: str
    labels: int
    agreement: float
    kappa: float | None

    @property
    def key(self) -> str:
        return "|".join((self.judge, self.model, self.prompt_version, self.scene))


def update_judge_agreement(con: duckdb.DuckDBPyConnection) -> list[Agreement]:
    """Recompute ``judge_agreement`` from the labelled calibration items."""
    with transaction(con):
        con.execute(sql("delete_judge_agreement"))
        con.execute(sql("replace_judge_agreement"), {"now": datetime.now(UTC)})
    return judge_agreement(con)


def judge_agreement(con: duckdb.DuckDBPyConnection) -> list[Agreement]:
    """The stored agreement rows, overall first within each judge."""
    return [Agreement(*row) for row in con.execute(sql("select_judge_agreement")).fetchall()]


def untrusted_judges(
    con: duckdb.DuckDBPyConnection, settings: CalibrationSettings | None = None
) -> list[str]:
    """``judge|model|prompt_version|scene`` keys (scene ``*``: everywhere) whose kappa is
    below the threshold on enough labels."""
    settings = settings or CalibrationSettings()
    rows = con.execute(
        sql("select_untrusted_judges"),
        {"min_labels": settings.min_labels, "min_kappa": settings.min_kappa},
    ).fetchall()
    return [r[0] for r in rows]
