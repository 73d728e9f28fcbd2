"""The replay corpus: every variant of every LLM task parses as expected (or is refused)."""

from __future__ import annotations

from collections import Counter

import pytest

from tasks.judge import pairwise, rubric
from tasks.llm.prompting import ReplyFormatError
from tasks.repair import rewriter
from tests.reply_corpus import KINDS, PAIRWISE_CORPUS, REWRITE_CORPUS, RUBRIC_CORPUS, Variant

TASKS = {
    "rubric": (rubric.REPLY, RUBRIC_CORPUS, lambda r: (r.verdict, r.score)),
    "pairwise": (pairwise.REPLY, PAIRWISE_CORPUS, lambda r: r),
    "rewrite": (rewriter.REPLY, REWRITE_CORPUS, lambda r: r.answer),
}
CASES = [(task, i, v) for task, (_, corpus, _) in TASKS.items() for i, v in enumerate(corpus)]


@pytest.mark.parametrize("task", TASKS)
def test_every_task_has_at_least_30_variants_of_every_kind_mix(task):
    corpus = TASKS[task][1]
    kinds = Counter(v.kind for v in corpus)
    assert len(corpus) >= 30 and set(kinds) == set(KINDS), kinds


@pytest.mark.parametrize(("task", "i", "variant"), CASES, ids=[f"{t}-{i}" for t, i, _ in CASES])
def test_each_variant_parses_as_expected(task, i, variant: Variant):
    reply, _, view = TASKS[task]
    if variant.expected is None:
        with pytest.raises(ReplyFormatError):
            reply.read(variant.text, variant.structured)
        return
    result, read_as = reply.read(variant.text, variant.structured)
    assert view(result) == variant.expected
    json_reply = variant.structured and variant.text.lstrip("`json\n").startswith("{")
    assert read_as == ("json_schema" if json_reply else "text")
