"""PII redaction: planted PII is replaced, ordinary numbers and text are not."""

from __future__ import annotations

import asyncio
import json

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


NEW_KINDS = [
    ("card 4111.1111.1111.1111 ok", "card [CARD] ok", "card"),
    ("stripe sk_live_" + "a1B2" * 6, "stripe [API_KEY]", "api_key"),
    ("hf hf_" + "x" * 34, "hf [API_KEY]", "api_key"),
    ("aws_secret_access_key = " + "A" * 40, "[API_KEY]", "api_key"),
    ("IBAN DE89 3704 0044 0532 0130 00.", "IBAN [IBAN].", "iban"),
    ("iban GB82WEST12345698765432", "iban [IBAN]", "iban"),
    (
        "-----BEGIN PRIVATE KEY-----\nMIIEv\nQ==\n-----END PRIVATE KEY-----",
        "[PRIVATE_KEY]",
        "private_key",
    ),
    ("server 192.168.10.200 down", "server [IP_ADDRESS] down", "ip_address"),
    ("from 2001:db8:85a3::8a2e:370:7334.", "from [IP_ADDRESS].", "ip_address"),
    ("邮箱ann@corp.com，谢谢", "邮箱[EMAIL]，谢谢", "email"),
    ("密钥sk-" + "k" * 30 + "。", "密钥[API_KEY]。", "api_key"),
]


@pytest.mark.parametrize(("text", "redacted", "kind"), NEW_KINDS)
def test_the_added_kinds_are_redacted(text, redacted, kind):
    r = Redactor()
    assert r(text) == redacted
    assert r.counts == {kind: 1}


def test_a_judge_prompt_carries_no_pii_after_a_newline():
    """Redaction runs on the raw text: in the JSON-escaped prompt a newline before a
    number is ``\\n`` and used to hide the number's start."""
    from tasks.judge.rubric import judge_answer
    from tests.llm_server import judge_everything_good

    conversation = [
        {"role": "user", "content": "My number:\n4155552671"},
        {"role": "tool", "content": '{"email":"bob@corp.com"}'},
    ]
    with LLMServer(judge_everything_good) as server:
        target = LLMTarget(server.base_url, "m", "sk-test")

        async def go():
            async with LLMClient(target, LLMSettings(structured="off"), Redactor()) as llm:
                await judge_answer(llm, conversation, "Call me at\n+1 415 555 2671")

        asyncio.run(go())
    sent = json.dumps(server.seen[0].body)
    assert "4155552671" not in sent and "555 2671" not in sent and "bob@corp" not in sent
    assert "[PHONE]" in sent and "[EMAIL]" in sent


def test_planted_pii_recall_on_what_is_sent_and_published():
    from benchmarks.pii import run

    result = run(per_kind=2, seed=11)
    for path in ("sent_to_llm", "published"):
        assert result[path]["recall"] >= 0.99, result[path]["missed"]
    assert result["benign_changed"] == []
