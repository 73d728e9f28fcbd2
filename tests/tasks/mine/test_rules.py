"""Rule judges: each fires on its failure and stays quiet on good answers."""

from __future__ import annotations

import pytest

from tasks.mine.rules import RuleSettings, judge_with_rules
from tests.tasks.mining_helpers import Conversations, judges_of

GOOD_EN = (
    "For a Japan tourist visa you typically need a passport valid for six months, the form, "
    "photos, proof of employment, bank statements and your itinerary."
)
LONG_ASK = (
    "I am applying for a Japan tourist visa next month for a two-week trip with my family; "
    "explain which documents I need and why each one is required."
)
LONG_ASK_ZH = (
    "我下个月要带家人去日本旅游两周，请详细解释办理旅游签证需要哪些材料，以及每一项的用途。"
)
GOOD_ZH = "办理日本旅游签证通常需要：有效护照、签证申请表、近期照片、在职证明、银行流水和行程单。"
CODE_ZH = (
    "按用户排序后取第一行：\n\n```sql\nSELECT * FROM (SELECT t.*, row_number() OVER "
    "(PARTITION BY user_id ORDER BY updated_at DESC) AS rn FROM events t) s WHERE rn = 1;\n```\n\n"
    "为保证结果确定，在ORDER BY中加上主键。"
)
VERBOSE_EN = (
    "Great question! I'm happy to help, and before we get into the details: it really depends "
    "on your situation. " + GOOD_EN + " To summarize, as mentioned above, these are the main "
    "points. It's important to note that every case differs. I hope this helps! Let me know "
    "if you have any other questions."
)
VERBOSE_ZH = (
    "这是个好问题！很高兴为您解答，我会尽量给您一个全面的回答。在进入细节之前，需要说明的是，这里有很多"
    "因素需要考虑，具体还要看您的情况。"
    + GOOD_ZH
    + "总而言之，正如上面提到的，这些就是要点。需要注意的是，"
    "每个人的情况都不一样，建议您结合自身情况仔细考虑之后再做决定。希望对您有所帮助！如果还有其他问题，欢迎随时提问。"
)

CASES = [
    # (request, answer, finish_reason, expected rules)
    ("What do I need for a Japan visa?", GOOD_EN, "stop", set()),
    ("我想办日本签证，需要什么材料？", GOOD_ZH, "stop", set()),
    ("如何按用户去重？", CODE_ZH, "stop", set()),
    # a short answer is judged against the request (issue 16: real traffic is full of
    # short answers that were asked for): too short for an explanation ...
    (LONG_ASK, "Passport, ID card.", "stop", {"rule:empty_or_short"}),
    (LONG_ASK_ZH, "护照，身份证。", "stop", {"rule:empty_or_short"}),
    # ... fine for a short question, an acknowledgement asked for, a choice, a game move
    ("What do I need for a Japan visa?", "Passport, ID card.", "stop", set()),
    (LONG_ASK + " Reply only 'acknowledged' for now.", "Acknowledged.", "stop", set()),
    (LONG_ASK, "Understood.", "stop", set()),
    ("Which is a topology? a. Mesh b. Coffee c. Paris. Explain nothing.", "a. Mesh", "stop", set()),
    ("Thanks, that was helpful!", "You're welcome!", "stop", set()),
    ("What do I need for a Japan visa?", "", "stop", {"rule:empty_or_short"}),
    # only an invisible character (U+200B) is empty too
    ("What do I need for a Japan visa?", "\u200b", "stop", {"rule:empty_or_short"}),
    # cut off: inside an open code block, a block a viewer closed, or on a dangling word
    (
        "Write a dedup query.",
        "Here it is:\n```sql\nSELECT * FROM (SELECT",
        "stop",
        {"rule:cut_off"},
    ),
    (
        "Write a dedup function.",
        "Here it is:\n```python\ndef dedup(rows):\n    seen = set(\n```",
        "stop",
        {"rule:cut_off"},
    ),
    ("What do I need for a Japan visa?", GOOD_EN[:-1] + ", and the", "stop", {"rule:cut_off"}),
    ("Write a short thank-you note.", GOOD_EN + "\n\nBest regards,\nAnna Smith", "stop", set()),
    ("What do I need for a Japan visa?", GOOD_EN[:90], "length", {"rule:truncated"}),
    (
        "Is ibuprofen safe?",
        "<think>Let me recall the details\n" + GOOD_EN,
        "stop",
        {"rule:unpaired_tags"},
    ),
    (
        "Is ibuprofen safe?",
        '<tool_call>{"name": "search", "arguments": {"q": "x"}',
        "stop",
        {"rule:unpaired_tags"},
    ),
    (
        "Is ibuprofen safe?",
        "<tool_call>{not json}</tool_call> " + GOOD_EN,
        "stop",
        {"rule:unpaired_tags"},
    ),
    (
        "Is ibuprofen safe?",
        '<think>ok</think> <tool_call>{"name": "s"}</tool_call> ' + GOOD_EN,
        "stop",
        set(),
    ),
    (
        "Is ibuprofen safe with coffee?",
        "I'm sorry, but I can't help with that request.",
        "stop",
        {"rule:refusal"},
    ),
    ("布洛芬能和咖啡一起吃吗？", "抱歉，我无法协助处理这个请求。", "stop", {"rule:refusal"}),
    ("我想办日本签证，需要什么材料？", GOOD_EN, "stop", {"rule:wrong_language"}),
    (
        "My 2-year-old has a fever of 38.5°C. What should I do?",
        GOOD_ZH,
        "stop",
        {"rule:wrong_language"},
    ),
    ("What do I need?", ("The visa needs a passport. " * 8).strip(), "stop", {"rule:repetition"}),
    (
        "What do I need?",
        GOOD_EN + " the the the the the the the the the the the the the the the the the "
        "the the the the the the the the the the the the the the the the the the the the the the",
        "length",
        {"rule:repetition", "rule:truncated"},
    ),
    ("What do I need for a Japan visa?", VERBOSE_EN, "stop", {"rule:verbose"}),
    ("我想办日本签证，需要什么材料？", VERBOSE_ZH, "stop", {"rule:verbose"}),
    # one courtesy is not padding; nor is a long answer without filler
    ("What do I need for a Japan visa?", GOOD_EN + " I hope this helps!", "stop", set()),
    ("What do I need for a Japan visa?", " ".join([GOOD_EN] * 3), "stop", set()),
]


@pytest.mark.parametrize(("request_text", "answer", "finish", "expected"), CASES)
def test_rules(con, request_text, answer, finish, expected):
    iid = Conversations(con).turn("c1", 0, [request_text], answer, finish_reason=finish)
    judge_with_rules(con, "r1")
    assert judges_of(con, iid) == expected


def test_judgments_record_version_and_evidence(con):
    Conversations(con).turn("c1", 0, [LONG_ASK], "Short.")
    judge_with_rules(con, "r1")
    model, version, verdict, evidence = con.execute(
        "SELECT model, prompt_version, verdict, evidence->>'weighted_length' FROM judgments"
    ).fetchone()
    assert (model, verdict, evidence) == ("rules", "bad", "6")
    assert version == RuleSettings().version() and version.startswith("rules-")
    assert RuleSettings(min_answer_length=5).version() != version


def test_thresholds_are_configurable(con):
    iid = Conversations(con).turn("c1", 0, [LONG_ASK], "Passport, ID card.")
    judge_with_rules(con, "r1", RuleSettings(min_answer_length=10))
    assert judges_of(con, iid) == set()


def test_rejudging_replaces_rule_rows(con):
    Conversations(con).turn("c1", 0, [LONG_ASK], "Short.", finish_reason="length")
    judge_with_rules(con, "r1")
    judge_with_rules(con, "r2")
    assert con.execute("SELECT count(*), max(run_id) FROM judgments").fetchone() == (2, "r2")
