"""Stratified estimates with 95% intervals, from a blind labelled sample.

A sample drawn per stratum (mined / not mined, by signal ...) over-represents small
strata; each labelled item therefore stands for ``stratum size / labelled in stratum``
interactions (a stratified ratio estimator, Cochran, *Sampling Techniques*, 1977, ch. 6),
and the interval comes from a stratified bootstrap (resampling within each stratum).
Shared by ``badcase-loop audit import`` and ``benchmarks/real_mining.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A stratified estimate with its 95% bootstrap interval, and the labelled items behind it."""

    value: float | None
    low: float | None
    high: float | None
    items: int


Predicate = Callable[[dict], bool]


def _ratio(items: list[dict], weights: dict[str, float], num: Predicate, den: Predicate):
    n = sum(weights[i["stratum"]] for i in items if num(i))
    d = sum(weights[i["stratum"]] for i in items if den(i))
    return n / d if d else None


def estimate(
    items: list[dict],
    strata: dict[str, int],
    num: Predicate,
    den: Predicate,
    reps: int = 2000,
    seed: int = 7,
) -> Estimate:
    """The stratum-weighted share ``sum(num) / sum(den)`` with a stratified bootstrap interval.

    Args:
        items: Labelled items, each with a ``stratum`` key (and whatever the predicates read).
        strata: Population size of each stratum.
        num: Items counted in the numerator (a subset of ``den``).
        den: Items counted in the denominator.
        reps: Bootstrap resamples (the interval is deterministic for a given ``seed``).
    """
    by = {h: [i for i in items if i["stratum"] == h] for h in strata}
    weights = {h: strata[h] / max(len(by[h]), 1) for h in strata}
    value = _ratio(items, weights, num, den)
    labelled = sum(1 for i in items if den(i))
    rng = random.Random(seed)
    draws = []
    for _ in range(reps if value is not None else 0):
        resample = [x for h in strata if by[h] for x in rng.choices(by[h], k=len(by[h]))]
        r = _ratio(resample, weights, num, den)
        if r is not None:
            draws.append(r)
    draws.sort()
    if not draws:
        return Estimate(value, None, None, labelled)
    return Estimate(
        value, draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1], labelled
    )
