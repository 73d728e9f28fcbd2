"""Structured outputs against the loopback server: asked once, honoured, refused or ignored,
and the yield of a judge whose verdicts are right but messily formatted."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from tasks.judge.pairwise import compare
from tasks.judge.rubric import judge_answer
from tasks.llm.client import LLMCallFailed, LLMClient, LLMSettings, LLMTarget
from tasks.repair.rewriter import rewrite_answer
from tests.llm_server import (
    LLMServer,
    Reply,
    pairwise_json,
    rewrite_json,
    rubric_json,
    structured_sound_llm,
)
from tests.reply_corpus import messy_pairwise_reply, messy_rewrite_reply, messy_rubric_reply

CONVERSATION = [{"role": "user", "content": "What documents do I need for a Japan visa?"}]


def _run(script, jobs, *, server_mode="accept", structured="auto", items=1):
    """Run ``jobs(llm, i)`` for ``items`` items concurrently; (results, server.seen)."""
    with LLMServer(script, structured=server_mode) as server:
        target = LLMTarget(server.base_url, "judge-model", "sk-test")
        settings = LLMSettings(max_retries=0, structured=structured)

        async def go():
            async with LLMClient(target, settings) as llm:
                return await asyncio.gather(*(jobs(llm, i) for i in range(items)))

        return asyncio.run(go()), server.seen


def _judge(llm, i):
    return judge_answer(llm, CONVERSATION, f"answer {i}")


def test_a_server_that_honours_the_schema_gets_json_requests_and_replies():
    outcomes, seen = _run(structured_sound_llm, _judge, items=3)
    assert [o.format for o in outcomes] == ["json_schema"] * 3
    assert all(o.result.verdict == "good" and o.calls == 1 for o in outcomes)
    fmt = seen[0].body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert list(schema["properties"]) == ["rubric", "evaluation", "verdict", "score"]
    assert schema["properties"]["verdict"]["enum"] == ["bad", "acceptable", "good"]
    assert "one JSON object" in seen[0].body["messages"][-1]["content"]
    assert all("response_format" in s.body for s in seen) and len(seen) == 3


def test_a_refusal_is_asked_once_then_the_text_format_is_used():
    outcomes, seen = _run(structured_sound_llm, _judge, server_mode="refuse", items=8)
    assert all(o.result.verdict == "good" and o.format == "text" for o in outcomes)
    with_format = [s for s in seen if "response_format" in s.body]
    assert len(with_format) == 1 and len(seen) == 9, "one probe, refused, for all items"
    assert "one JSON object" not in seen[1].body["messages"][-1]["content"]


def test_a_server_that_ignores_the_schema_is_noticed_and_read_as_text():
    outcomes, seen = _run(structured_sound_llm, _judge, server_mode="ignore", items=5)
    assert all(o.result.verdict == "good" and o.format == "text" for o in outcomes)
    assert len(seen) == 5 and sum("response_format" in s.body for s in seen) == 1


def test_off_never_asks_and_json_schema_fails_where_refused():
    outcomes, seen = _run(structured_sound_llm, _judge, structured="off", items=2)
    assert not any("response_format" in s.body for s in seen)
    assert all(o.format == "text" for o in outcomes)
    with pytest.raises(LLMCallFailed, match="not supported") as err:
        _run(structured_sound_llm, _judge, server_mode="refuse", structured="json_schema")
    assert err.value.reason == "bad_request"


def test_a_malformed_json_reply_gets_a_json_repair_then_a_verdict():
    def script(body, n):
        if n == 0:
            return Reply('{"rubric": "r", "verdict": "good", "score": 9}')  # no evaluation
        return Reply(rubric_json("bad", 2))

    [outcome], seen = _run(script, _judge)
    assert (outcome.result.verdict, outcome.calls, outcome.format) == ("bad", 2, "json_schema")
    repair = seen[1].body
    assert "response_format" in repair and "lacks evaluation" in repair["messages"][-1]["content"]


def test_garbage_json_is_a_parse_error_not_a_verdict():
    dup = '{"rubric": "r", "evaluation": "e", "verdict": "bad", "score": 2, "verdict": "good"}'
    [outcome], _ = _run(lambda body, n: Reply(dup), _judge)
    assert outcome.result is None and outcome.error.startswith("parse_error: the JSON object")
    assert outcome.format == "json_schema" and outcome.calls == 2


def test_pairwise_and_rewriter_ask_for_their_own_schemas():
    def script(body, n):
        name = body["response_format"]["json_schema"]["name"]
        return Reply(pairwise_json("A") if name == "pairwise_judgment" else rewrite_json("Fixed."))

    [pref], seen = _run(script, lambda llm, i: compare(llm, CONVERSATION, "x", "y"))
    assert pref.preferred == "inconsistent" and pref.forward.format == "json_schema"
    assert seen[0].body["response_format"]["json_schema"]["schema"]["properties"]["choice"]
    [rw], _ = _run(script, lambda llm, i: rewrite_answer(llm, CONVERSATION, "x", {}))
    assert rw.result.answer == "Fixed." and rw.format == "json_schema"


# ---- the measured scenario: right verdicts, harmless formatting ----


def _messy_judge(body: dict, n: int) -> Reply:
    """Right verdicts (from the answer's number), formatted messily; JSON when asked."""
    prompt = body["messages"][0]["content"]
    i = int(prompt.split("answer ")[-1].split('"')[0])
    verdict, score = ("bad", 2 + i % 3) if i % 2 else ("good", 8 + i % 3)
    if "response_format" in body:
        return Reply(rubric_json(verdict, score))
    return Reply(messy_rubric_reply(verdict, score, random.Random(n)))


@pytest.mark.parametrize(
    ("server_mode", "min_yield", "max_requests", "read_as"),
    [("refuse", 0.99, 1.1, "text"), ("accept", 1.0, 1.0, "json_schema")],
)
def test_yield_of_a_messy_but_right_judge(server_mode, min_yield, max_requests, read_as):
    items = 200
    outcomes, seen = _run(_messy_judge, _judge, server_mode=server_mode, items=items)
    verdicts = [o for o in outcomes if o.result is not None]
    assert len(verdicts) / items >= min_yield
    requests = (
        sum(s.body.get("response_format") is None for s in seen) if read_as == "text" else len(seen)
    )
    assert requests / items <= max_requests, (len(seen), requests)
    assert len(seen) / items <= max_requests + 1 / items, "one refused probe at most"
    assert all(o.format == read_as for o in verdicts)
    for i, o in enumerate(outcomes):
        assert o.result is None or o.result.verdict == ("bad" if i % 2 else "good")


def test_pairwise_and_rewriter_yield_on_messy_replies():
    def script(body, n):
        prompt = body["messages"][0]["content"]
        if "<failed_answer>" in prompt:
            return Reply(messy_rewrite_reply("Fixed.\n```\ncode\n```", random.Random(n)))
        return Reply(messy_pairwise_reply("[[A]]", random.Random(n)))

    prefs, seen = _run(
        script, lambda llm, i: compare(llm, CONVERSATION, "x", "y"), server_mode="refuse", items=60
    )
    assert all(p.forward.result == "A" and p.backward.result == "A" for p in prefs)
    assert len(seen) == 121
    rws, seen = _run(
        script,
        lambda llm, i: rewrite_answer(llm, CONVERSATION, "x", {}),
        server_mode="refuse",
        items=60,
    )
    assert all(r.result.answer == "Fixed.\n```\ncode\n```" for r in rws) and len(seen) == 61
    assert json.loads(json.dumps([r.format for r in rws])) == ["text"] * 60


def test_the_setting_is_validated_in_the_loop_config():
    from flows.config import load_config
    from tasks.errors import ConfigError

    assert load_config().llm.structured == "auto"
    assert load_config(llm={"structured": "off"}).llm.structured == "off"
    with pytest.raises(ConfigError, match=r"llm\.structured"):
        load_config(llm={"structured": "sometimes"})
