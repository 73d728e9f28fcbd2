"""PII redaction: planted PII is replaced, ordinary numbers and text are not."""

from __future__ import annotations

import asyncio

import pytest

from tasks.llm.client import LLMClient, LLMSettings, LLMTarget
from tasks.publish.redact import Redactor, find_pii
from tests.llm_server import LLMServer

PLANTED = [
    ("write to john.doe+visa@example.co.uk today", "write to [EMAIL] today", "email"),
    ("card 4111 1111 1111 1111, exp 12/27", "card [CARD], exp 12/27", "card"),
    ("card 5500-0000-0000-0004", "card [CARD]", "card"),
    ("call +1 (415) 555-2671", "call [PHONE]", "phone"),
    ("手机13800138000，谢谢", "手机[PHONE]，谢谢", "phone"),
    ("Tel: 010-62345678.", "Tel: [PHONE].", "phone"),
    ("身份证11010519491231002X", "身份证[NATIONAL_ID]", "national_id"),
    ("SSN 123-45-6789", "SSN [NATIONAL_ID]", "national_id"),
    ("key sk-proj-abcdefghijklmnopqrstuvwxyz123456", "key [API_KEY]", "api_key"),
    ("aws AKIAIOSFODNN7EXAMPLE", "aws [API_KEY]", "api_key"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz.123", "Authorization: [API_KEY]", "api_key"),
    ("token ghp_" + "a" * 36, "token [API_KEY]", "api_key"),
]


@pytest.mark.parametrize(("text", "redacted", "kind"), PLANTED)
def test_planted_pii_is_redacted(text, redacted, kind):
    r = Redactor()
    assert r(text) == redacted
    assert r.counts == {kind: 1}
    assert find_pii(text) == [kind] and find_pii(redacted) == []


@pytest.mark.parametrize(
    "text",
    [
        "A Schengen visa allows 90 days within any 180-day period.",
        "The meeting is on 2026-11-23 at 10:30 in room 12; Python 3.11.7; order 12345.",
        "Not a card: 1234 5678 9012 3456 (fails the Luhn check).",
        "An 18-digit number with a wrong check digit: 110105194912310021.",
        "def f(x): return x * 1000000",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert Redactor()(text) == text


def test_only_the_configured_kinds():
    r = Redactor(("email",))
    assert r("a@b.io 13800138000") == "[EMAIL] 13800138000"
    with pytest.raises(ValueError, match="unknown PII kinds"):
        Redactor(("passport",))


def test_nothing_identifying_reaches_the_llm_server():
    with LLMServer() as server:
        target = LLMTarget(server.base_url, "m", "sk-test")

        async def go():
            async with LLMClient(target, LLMSettings(), Redactor()) as llm:
                await llm.complete(
                    [{"role": "user", "content": "I am ann@corp.com, card 4111111111111111"}]
                )

        asyncio.run(go())
    sent = server.seen[0].body["messages"][0]["content"]
    assert sent == "I am [EMAIL], card [CARD]"


def test_the_quick_prefilter_never_skips_what_a_pattern_would_catch():
    import random

    from tasks.publish.redact import _MAYBE_PII, _PATTERNS

    def caught(text: str) -> bool:
        return any(
            valid is None or valid(m.group(0))
            for _, pattern, valid in _PATTERNS
            for m in pattern.finditer(text)
        )

    rng = random.Random(3)
    alphabet = "0123456789" * 4 + " -().+/x@aXbe"
    skipped = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 40)))
        if not _MAYBE_PII.search(text):
            skipped += 1
            assert not caught(text), text
    assert skipped > 1_000, "the fuzz reaches texts the prefilter skips"
