"""Build small, exact conversations in a real warehouse for the signal, judge and mining tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


class Conversations:
    """Writes interactions and events straight into the warehouse tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scene: str = "visa") -> None:
        self.con = con
        self.scene = scene

    def turn(
        self,
        conv: str,
        turn: int,
        asks: list[str],
        answer: str,
        *,
        answers: list[str] | None = None,
        at: timedelta = timedelta(0),
        finish_reason: str = "stop",
        scene: str | None = None,
    ) -> str:
        """One interaction whose context holds ``asks`` (and ``answers`` between them)."""
        answers = answers or []
        messages = [
            {
                "role": "system",
                "content": "Be helpful.",
                "name": None,
                "tool_call_id": None,
                "tool_calls": None,
            }
        ]
        for i, ask in enumerate(asks):
            messages.append(
                {
                    "role": "user",
                    "content": ask,
                    "name": None,
                    "tool_call_id": None,
                    "tool_calls": None,
                }
            )
            if i < len(answers):
                messages.append(
                    {
                        "role": "assistant",
                        "content": answers[i],
                        "name": None,
                        "tool_call_id": None,
                        "tool_calls": None,
                    }
                )
        iid = f"{conv}-{turn}"
        self.con.execute(
            "INSERT INTO interactions VALUES (?, ?, ?, ?, 'u1', ?, 'm1', ?, ?, ?, NULL, NULL, "
            "NULL, NULL, NULL, 'test.jsonl', 'r0')",
            [iid, conv, turn, T0 + at, scene or self.scene, messages, answer, finish_reason],
        )
        return iid

    def event(
        self, iid: str, etype: str, value: str | None = None, at: timedelta = timedelta(0)
    ) -> None:
        conv = iid.rsplit("-", 1)[0]
        n = self.con.execute("SELECT count(*) FROM events").fetchone()[0]
        self.con.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, NULL, 'test.jsonl', 'r0')",
            [f"e{n}", iid, conv, T0 + at, etype, value],
        )

    def quiet_until(self, at: timedelta) -> None:
        """Another conversation much later, so earlier ones count as finished."""
        self.turn("zz-clock", 0, ["What time is it?"], "I cannot see a clock, sorry to say.", at=at)


def signals_of(con: duckdb.DuckDBPyConnection, iid: str) -> dict[str, float]:
    rows = con.execute(
        "SELECT signal, strength FROM signals WHERE interaction_id = ?", [iid]
    ).fetchall()
    return dict(rows)


def judges_of(con: duckdb.DuckDBPyConnection, iid: str) -> set[str]:
    rows = con.execute("SELECT judge FROM judgments WHERE interaction_id = ?", [iid]).fetchall()
    return {r[0] for r in rows}
