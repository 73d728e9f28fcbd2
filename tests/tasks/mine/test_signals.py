"""Signals derived from conversations and events, in English and Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tasks.mine.signals import SignalSettings, derive_signals
from tests.tasks.mining_helpers import Conversations, signals_of

MIN = timedelta(minutes=1)
LATER = timedelta(hours=3)


@pytest.fixture
def convs(con) -> Conversations:
    return Conversations(con)


def test_retry_is_the_same_request_resent(con, convs):
    a = convs.turn("c1", 0, ["What do I need for a Japan visa?"], "Passport, ID card.")
    convs.turn(
        "c1", 1, ["What do I need for a Japan visa?"], "A passport, photos, a form...", at=MIN
    )
    convs.quiet_until(LATER)
    derive_signals(con, "r1")
    assert signals_of(con, a)["retry"] == pytest.approx(1.0)


def test_resend_after_the_window_is_not_a_retry(con, convs):
    a = convs.turn("c1", 0, ["What do I need for a Japan visa?"], "Passport, ID card.")
    convs.turn("c1", 1, ["What do I need for a Japan visa?"], "A passport...", at=60 * MIN)
    derive_signals(con, "r1", SignalSettings(retry_window_s=600))
    assert "retry" not in signals_of(con, a)


@pytest.mark.parametrize(
    ("ask", "again"),
    [
        (
            "What documents do I need to apply for a Japan tourist visa?",
            "I mean: which documents do I need for a Japan tourist visa?",
        ),
        ("我想办日本旅游签证，需要准备什么材料？", "换个说法：办日本旅游签证需要什么材料？"),
    ],
)
def test_rephrase_in_both_languages(con, convs, ask, again):
    a = convs.turn("c1", 0, [ask], "Passport, ID card.")
    convs.turn(
        "c1", 1, [ask, again], "Here is the full list...", answers=["Passport, ID card."], at=MIN
    )
    derive_signals(con, "r1")
    assert signals_of(con, a)["rephrase"] >= 0.25


def test_a_new_question_is_not_a_rephrase(con, convs):
    ask = "What documents do I need to apply for a Japan tourist visa?"
    a = convs.turn("c1", 0, [ask], "Passport, photos, form, bank statements, itinerary.")
    convs.turn(
        "c1",
        1,
        [ask, "How long can I stay with a Schengen visa?"],
        "90 days in 180.",
        answers=["Passport..."],
        at=MIN,
    )
    derive_signals(con, "r1")
    assert {"rephrase", "correction", "retry"}.isdisjoint(signals_of(con, a))


@pytest.mark.parametrize(
    "reply", ["No, that's wrong.", "不对吧，就这些吗？", "Are you sure? That seems wrong."]
)
def test_correction_opens_with_a_complaint(con, convs, reply):
    a = convs.turn("c1", 0, ["Visa documents?"], "Passport, ID card.")
    convs.turn(
        "c1",
        1,
        ["Visa documents?", reply],
        "Sorry, here is more...",
        answers=["Passport, ID card."],
        at=MIN,
    )
    derive_signals(con, "r1")
    assert signals_of(con, a)["correction"] == 1.0


def test_correction_lexicon_is_configurable(con, convs):
    a = convs.turn("c1", 0, ["Visa documents?"], "Passport, ID card.")
    convs.turn("c1", 1, ["Visa documents?", "Hmm, try again"], "More...", answers=["x"], at=MIN)
    derive_signals(con, "r1", SignalSettings(correction_prefixes=["hmm"]))
    assert "correction" in signals_of(con, a)


def test_event_signals(con, convs):
    a = convs.turn("c1", 0, ["q1?"], "An answer long enough to matter here.")
    for etype, value in [
        ("thumbs_down", None),
        ("regenerate", None),
        ("escalate", None),
        ("rating", "2"),
        ("comment", "This is wrong and not helpful"),
    ]:
        convs.event(a, etype, value)
    b = convs.turn("c2", 0, ["q2?"], "A good answer.")
    for etype, value in [
        ("thumbs_up", None),
        ("copy", None),
        ("rating", "5"),
        ("comment", "great, thanks"),
    ]:
        convs.event(b, etype, value)
    derive_signals(con, "r1")
    assert signals_of(con, a) == {
        "thumbs_down": 1.0,
        "regenerate": 1.0,
        "escalation": 1.0,
        "low_rating": 0.7,
        "negative_comment": 1.0,
    }
    assert signals_of(con, b) == {"thumbs_up": 1.0, "copy": 1.0, "high_rating": 1.0}
    polarity = dict(con.execute("SELECT DISTINCT signal, polarity FROM signals").fetchall())
    assert polarity["thumbs_up"] == "positive" and polarity["thumbs_down"] == "negative"


def test_edit_strength_is_the_edit_distance_ratio(con, convs):
    answer = "A Schengen visa allows 180 days in any 90-day period."
    a = convs.turn("c1", 0, ["How long?"], answer)
    convs.event(a, "edit", "A Schengen visa allows 90 days in any 180-day period.")
    b = convs.turn("c2", 0, ["How long?"], answer)
    convs.event(b, "edit", "Bring your passport, two photos and the form.")
    derive_signals(con, "r1")
    small, big = signals_of(con, a)["edit"], signals_of(con, b)["edit"]
    assert 0 < small < 0.2 < big <= 1.0


def test_abandonment_is_weak_and_cancelled_by_praise(con, convs):
    a = convs.turn("c1", 0, ["q?"], "An answer nobody reacted to.")
    b = convs.turn("c2", 0, ["q?"], "An answer someone liked.")
    convs.event(b, "thumbs_up")
    convs.quiet_until(LATER)
    derive_signals(con, "r1")
    assert "abandonment" in signals_of(con, a)
    assert "abandonment" not in signals_of(con, b)


def test_active_conversation_is_mined_again_once_it_settles(con, convs):
    a = convs.turn("c1", 0, ["q?"], "An answer.")
    first = derive_signals(con, "r1")
    assert "abandonment" not in signals_of(con, a), "still active: the user may come back"
    con.execute(
        "INSERT INTO mined_conversations "
        "SELECT conversation_id, interactions, events, settled, 'r1' FROM mine_scope"
    )
    convs.quiet_until(LATER)
    second = derive_signals(con, "r2")
    assert first.conversations == 1 and second.conversations == 2
    assert "abandonment" in signals_of(con, a)


def test_rederiving_is_idempotent(con, convs):
    a = convs.turn("c1", 0, ["q?"], "Passport.")
    convs.event(a, "thumbs_down")
    derive_signals(con, "r1")
    before = con.execute("SELECT signal, strength FROM signals ORDER BY 1").fetchall()
    derive_signals(con, "r2")  # nothing recorded as mined: the same scope again
    assert con.execute("SELECT signal, strength FROM signals ORDER BY 1").fetchall() == before


# Evidence both ways (issue 16): phenomena of real traffic (ShareGPT V3) that are not
# the user asking the same thing again.
CODE_ANSWER = (
    "Here is the first part of the script, which reads the CSV file, parses each row "
    "and prints the totals per customer:\n```python\nimport csv\n```"
)


@pytest.mark.parametrize("more", ["continue", "Continue please", "go on", "more", "继续"])
def test_asking_for_more_is_a_continuation_not_a_rephrase(con, convs, more):
    a = convs.turn("c1", 0, ["Write a script that totals a CSV by customer."], CODE_ANSWER)
    convs.turn(
        "c1",
        1,
        ["Write a script that totals a CSV by customer.", more],
        "...",
        at=MIN,
        answers=[CODE_ANSWER],
    )
    derive_signals(con, "r1")
    assert signals_of(con, a) == {"continuation": 1.0}


@pytest.mark.parametrize(
    ("ask", "nxt"),
    [
        # the next item of a series: another slot in the same template
        ("Name Alaric's father in the story.", "Name Alaric's mother in the story."),
        (
            "Write a meta description for NSW building contracts.",
            "Write an OG title for NSW building contracts.",
        ),
        ("Question 18: which clause covers delays?", "Question 19: which clause covers delays?"),
        # praise, then the next variant
        (
            "Suppose the interest rate is 5%, what is the payment?",
            "Perfect. Now, once again, suppose the interest rate is 5%, what is the payment?",
        ),
        # a repeated short command is a command, not a complaint
        ("next slide", "next slide"),
    ],
)
def test_series_templates_and_praise_are_not_rephrases(con, convs, ask, nxt):
    a = convs.turn("c1", 0, [ask], LONG_ANSWER)
    convs.turn("c1", 1, [ask, nxt], LONG_ANSWER, answers=[LONG_ANSWER], at=MIN)
    derive_signals(con, "r1")
    assert not {"rephrase", "retry"} & set(signals_of(con, a))


def test_an_added_requirement_is_a_weak_refinement(con, convs):
    ask = "Write a product description for our hiking boots."
    nxt = "Write a product description for our hiking boots in under fifty words."
    a = convs.turn("c1", 0, [ask], LONG_ANSWER)
    convs.turn("c1", 1, [ask, nxt], LONG_ANSWER, answers=[LONG_ANSWER], at=MIN)
    derive_signals(con, "r1")
    assert set(signals_of(con, a)) == {"refinement"}


def test_thanks_is_positive_and_a_closing_is_not_abandoned(con, convs):
    ask = "What do I need for a Japan visa?"
    a = convs.turn("c1", 0, [ask], LONG_ANSWER)
    b = convs.turn(
        "c1", 1, [ask, "Thanks, that's great!"], "You're welcome!", answers=[LONG_ANSWER], at=MIN
    )
    convs.quiet_until(LATER)
    derive_signals(con, "r1")
    assert signals_of(con, a) == {"thanks": 1.0}
    assert signals_of(con, b) == {}, "a conversation that ends after thanks was served"


LONG_ANSWER = (
    "For a Japan tourist visa you typically need a passport valid for six months, the form, "
    "photos, proof of employment, bank statements and your itinerary."
)


def test_each_turn_is_read_once_and_again_when_it_is_read_again(con):
    c = Conversations(con)
    c.turn("c1", 0, ["How long may I stay in the Schengen area?"], "Up to 90 days.")
    derive_signals(con, "r1")
    turns = "SELECT request, request_norm, opening, n_msgs, last_is_user FROM interaction_turns"
    assert con.execute(turns).fetchall() == [
        (
            "How long may I stay in the Schengen area?",
            "howlongmayistayintheschengenarea",
            "how long may i stay in the schengen area?",
            2,
            True,
        )
    ]
    derive_signals(con, "r2")  # nothing new: nothing read again
    assert con.execute("SELECT count(*) FROM interaction_turns").fetchone()[0] == 1
    # the landed file changed and was read again by a later ingest run
    con.execute("DELETE FROM interactions")
    c.turn("c1", 0, ["Do I need a visa for Japan?"], "Not for 90 days.")
    con.execute("UPDATE interactions SET run_id = 'r3'")
    derive_signals(con, "r3")
    assert con.execute("SELECT request, run_id FROM interaction_turns").fetchall() == [
        ("Do I need a visa for Japan?", "r3")
    ]
