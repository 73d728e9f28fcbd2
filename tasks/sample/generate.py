"""Sample production logs with planted, recurring failures and noisy user reactions.

``generate_logs`` writes a landing root exactly as DESIGN.md lays it out, plus,
beside the logs (never read by the loop):

* ``ground_truth.jsonl``: per interaction, whether a failure was planted, its
  category and pattern, and how the user reacted;
* ``expert_repairs.jsonl``: per failure pattern, an expert-quality answer (used to
  simulate the expert review step);
* ``corruptions.jsonl``: every malformed record injected, with its file, line and
  the quarantine reason ingestion must give it;
* ``generation.json``: the parameters and counts.

It streams: conversations are simulated and written one at a time, so memory is
flat whatever the size. The same seed gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO

from tasks.sample.phenomena import (
    BRIEF_DONE,
    BRIEF_SCENE_TASKS,
    BRIEF_SUMMARY,
    CONTINUE_ASKS,
    GAME_SCENE,
    GAME_SYSTEM_PROMPT,
    GAMES,
    LONG_TASKS,
    PASTED_PARTS,
    PRAISE_NEXT,
    REFINED_PREFIX,
    REFINEMENTS,
    SERIAL_TASKS,
    SHORT_ACKS,
    THANKS,
    WELCOMES,
)
from tasks.sample.scenarios import (
    CLARIFICATIONS,
    COMMENTS_NEGATIVE,
    COMMENTS_POSITIVE,
    CORRECTIONS,
    GENERIC_CATEGORIES,
    GENERIC_WEIGHTS,
    INTENTS,
    LANGS,
    REFUSALS,
    REPHRASE_PREFIX,
    SCENE_WEIGHTS,
    SYSTEM_PROMPTS,
    THINK_OPENERS,
    TOOL_CALL_OPENER,
    VERBOSE_PADDING,
    Intent,
    intents_by_scene,
)

log = logging.getLogger(__name__)

DEFAULT_START = date(2026, 11, 1)
MODELS = ("assistant-v3", "assistant-v3-mini")

# Corruption kinds, and the quarantine reason ingestion must give each.
CORRUPTIONS = {
    "truncated_json": "invalid_json",
    "invalid_utf8": "invalid_encoding",
    "missing_field": "missing_required_field",
    "wrong_type": "wrong_type",
    "duplicate_id": "duplicate_id",
    "oversized_message": "record_too_large",
    "empty_file": "empty_file",
}
_PER_RECORD_CORRUPTIONS = (
    "truncated_json",
    "invalid_utf8",
    "missing_field",
    "wrong_type",
    "duplicate_id",
)
OVERSIZED_BYTES = 3_000_000

# Conversation shapes and their weights (a scene only gets the shapes it has content for;
# the games scene only has games). See tasks/sample/phenomena.py.
SHAPE_WEIGHTS = {"ask": 0.72, "long": 0.14, "serial": 0.09, "brief": 0.05, "game": 1.0}
GAME_SCENE_WEIGHT = 0.04  # beside SCENE_WEIGHTS, which sum to 1
LONG_SESSION_TURNS = (10, 40)  # turns of a long session (long_sessions=True)
CUT_OFF_RATE = 0.3  # long answers that stop mid-way with finish_reason 'stop'
SERIAL_FAILURE_RATE = 0.1  # items of a series answered wrongly


@dataclass(frozen=True)
class GenerateSummary:
    """What one ``generate_logs`` call wrote."""

    out: str
    seed: int
    days: int
    interactions: int
    events: int
    conversations: int
    planted_bad: int
    corrupted_records: int
    files: int
    by_category: dict[str, int] = field(default_factory=dict)
    by_reaction: dict[str, int] = field(default_factory=dict)
    corruptions: dict[str, int] = field(default_factory=dict)
    by_phenomenon: dict[str, int] = field(default_factory=dict)
    long_sessions: bool = False


@dataclass
class _Session:
    """One conversation being simulated: who, where, its context so far, and its clock."""

    day: date
    budget: int
    id: str
    user: str
    scene: str
    model: str
    app: str
    lang: str
    t: datetime
    messages: list[dict]
    turn: int = 0


class _PartWriter:
    """Appends lines to ``<root>/<kind>/dt=<day>/part-NNNNN.jsonl[.gz]``, rotating parts."""

    def __init__(self, root: Path, kind: str, compress: bool, max_rows: int) -> None:
        self.root, self.kind, self.compress, self.max_rows = root, kind, compress, max_rows
        self.day: date | None = None
        self.part = 0
        self.rows = 0
        self.fh: IO[bytes] | None = None
        self.rel = ""
        self.files = 0

    def write(self, day: date, line: bytes) -> tuple[str, int]:
        """Write one line; return (relative path, 1-based line number)."""
        if day != self.day or self.rows >= self.max_rows:
            self._open(day)
        assert self.fh is not None
        self.fh.write(line + b"\n")
        self.rows += 1
        return self.rel, self.rows

    def _open(self, day: date) -> None:
        self.close()
        self.part = self.part + 1 if day == self.day else 0
        self.day, self.rows = day, 0
        suffix = ".jsonl.gz" if self.compress else ".jsonl"
        self.rel = f"{self.kind}/dt={day.isoformat()}/part-{self.part:05d}{suffix}"
        path = self.root / self.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # mtime=0 keeps gzip output byte-identical across runs.
        raw = path.open("wb")
        self.fh = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if self.compress else raw
        self._raw = raw
        self.files += 1

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            if self.compress:
                self._raw.close()
            self.fh = None


def _dumps(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Generator:
    def __init__(
        self,
        out: Path,
        seed: int,
        corrupt_rate: float,
        compress: bool,
        max_rows_per_file: int,
        long_sessions: bool = False,
    ) -> None:
        self.out = out
        self.long_sessions = long_sessions
        self.seed = seed
        self.rng = random.Random(seed)
        self.corrupt_rate = corrupt_rate
        self.interactions = _PartWriter(out, "interactions", compress, max_rows_per_file)
        self.events = _PartWriter(out, "events", compress, max_rows_per_file)
        self.truth = (out / "ground_truth.jsonl").open("wb")
        self.corruption_log = (out / "corruptions.jsonl").open("wb")
        self.scenes = intents_by_scene()
        self.scene_names = [*SCENE_WEIGHTS, GAME_SCENE]
        self.scene_weights = [*SCENE_WEIGHTS.values(), GAME_SCENE_WEIGHT]
        self.n_users = 1
        self.counts = Counter()
        self.categories = Counter()
        self.reactions = Counter()
        self.corruptions = Counter()
        self.phenomena = Counter()
        self.shapes = Counter()
        self.written = 0
        self.oversized_done = False

    # -- records -------------------------------------------------------------------------

    def _corruption(self) -> str | None:
        if self.corrupt_rate > 0 and self.rng.random() < self.corrupt_rate:
            return self.rng.choice(_PER_RECORD_CORRUPTIONS)
        return None

    def _emit(self, writer: _PartWriter, day: date, record: dict, id_key: str) -> str | None:
        """Write a record, perhaps corrupted; return the corruption kind if it was replaced."""
        kind = self._corruption()
        if kind is None or kind == "duplicate_id":
            writer.write(day, _dumps(record))
            if kind == "duplicate_id":
                twin = dict(record)
                if "response" in twin:  # a re-delivered record whose content drifted
                    twin["response"] = {
                        **twin["response"],
                        "content": twin["response"]["content"] + " ",
                    }
                rel, line = writer.write(day, _dumps(twin))
                self._log_corruption(kind, writer.kind, rel, line, record[id_key])
            return None
        if kind == "truncated_json":
            text = _dumps(record).decode("utf-8")
            line_bytes = text[: max(1, len(text) // 2)].encode("utf-8")
        elif kind == "invalid_utf8":
            data = _dumps(record)
            cut = len(data) // 3
            line_bytes = data[:cut] + b"\xff\xfe\xfa" + data[cut:]
        elif kind == "missing_field":
            required = (
                ["interaction_id", "ts", "messages"]
                if id_key == "interaction_id"
                else [
                    "event_id",
                    "ts",
                    "type",
                ]
            )
            broken = dict(record)
            del broken[self.rng.choice(required)]
            line_bytes = _dumps(broken)
        else:  # wrong_type
            broken = dict(record)
            if id_key == "interaction_id":
                if self.rng.random() < 0.5:
                    broken["turn_index"] = "three"
                else:
                    broken["messages"] = "see attachment"
            else:
                broken["ts"] = "yesterday afternoon"
            line_bytes = _dumps(broken)
        rel, line = writer.write(day, line_bytes)
        self._log_corruption(kind, writer.kind, rel, line, record[id_key])
        return kind

    def _log_corruption(
        self, kind: str, record_kind: str, rel: str, line: int | None, rid: str | None
    ) -> None:
        self.corruptions[kind] += 1
        self.corruption_log.write(
            _dumps(
                {
                    "kind": kind,
                    "expected_reason": CORRUPTIONS[kind],
                    "record_kind": record_kind,
                    "file": rel,
                    "line": line,
                    "record_id": rid,
                }
            )
        )
        self.corruption_log.write(b"\n")

    def _interaction(
        self, s: _Session, user_msg: str, answer: str, finish: str, truth: dict
    ) -> tuple[str, list[dict]]:
        """Write one interaction (the session's context plus ``user_msg``) and its truth.

        Returns:
            The interaction id and the context the answer was given in.
        """
        iid = f"{s.id}-{s.turn}"
        messages = [*s.messages, {"role": "user", "content": user_msg}]
        prompt_chars = sum(len(m["content"]) for m in messages)
        record = {
            "interaction_id": iid,
            "conversation_id": s.id,
            "turn_index": s.turn,
            "ts": _ts(s.t),
            "user_id": s.user,
            "scene": s.scene,
            "model": s.model,
            "messages": messages,
            "response": {"content": answer, "finish_reason": finish},
            "latency_ms": 300 + len(answer) * 3 + self.rng.randrange(400),
            "prompt_tokens": prompt_chars // 3 + 1,
            "completion_tokens": len(answer) // 3 + 1,
            "metadata": {"app": s.app, "lang": s.lang},
        }
        if not self.oversized_done and self.corrupt_rate > 0:
            # One record whose user message is several megabytes (a pasted log file).
            self.oversized_done = True
            big = dict(record)
            blob = "ERROR stack trace line repeated; " * (OVERSIZED_BYTES // 33 + 1)
            big["messages"] = [*messages[:-1], {"role": "user", "content": blob}]
            rel, line = self.interactions.write(s.day, _dumps(big))
            self._log_corruption("oversized_message", "interactions", rel, line, iid)
            corrupted = "oversized_message"
        else:
            corrupted = self._emit(self.interactions, s.day, record, "interaction_id")
        self.written += 1
        truth = {"interaction_id": iid, "conversation_id": s.id, **truth, "corrupted": corrupted}
        self.truth.write(_dumps(truth) + b"\n")
        self.categories[truth["category"] or "good"] += 1
        self.reactions[truth["reaction"]] += 1
        if truth["phenomenon"]:
            self.phenomena[truth["phenomenon"]] += 1
        s.turn += 1
        s.t += timedelta(seconds=self.rng.randrange(5, 40))
        return iid, messages

    def _reply(self, s: _Session, ctx: list[dict], answer: str) -> None:
        """The answer joins the context; the user takes a while to write the next turn."""
        s.messages = [*ctx, {"role": "assistant", "content": answer}]
        s.t += timedelta(seconds=self.rng.randrange(20, 120))

    def _event(self, s: _Session, iid: str, etype: str, value=None) -> None:
        self.counts["events"] += 1
        record = {
            "event_id": f"{iid}-e{self.counts['events']}",
            "interaction_id": iid,
            "conversation_id": s.id,
            "ts": _ts(s.t),
            "type": etype,
            "value": value,
        }
        self._emit(self.events, s.day, record, "event_id")

    def _truth(
        self,
        s: _Session,
        intent: str,
        category: str | None,
        pattern_id: str | None,
        reaction: str,
        phenomenon: str | None = None,
    ) -> dict:
        return {
            "scene": s.scene,
            "intent": intent,
            "lang": s.lang,
            "bad": category is not None,
            "category": category,
            "pattern_id": pattern_id,
            "near_miss": category == "near_miss",
            "reaction": reaction,
            "phenomenon": phenomenon,
        }

    # -- answers ---------------------------------------------------------------------------

    def _answer(self, intent: Intent, lang: str, slot_i: int, bad: str | None) -> tuple[str, str]:
        slot = intent.slots[lang][slot_i]
        good = intent.good[lang].format(slot=slot)
        if bad is None:
            return good, "stop"
        if bad in intent.failures:
            return intent.failures[bad][lang].format(slot=slot), "stop"
        if bad == "truncated":
            cut = int(len(good) * self.rng.uniform(0.3, 0.6))
            return good[:cut], "length"
        if bad == "unpaired_tag":
            if self.rng.random() < 0.6:
                return f"{THINK_OPENERS[lang]}\n{good}", "stop"
            return f'{TOOL_CALL_OPENER}"{intent.key}"', "stop"
        if bad == "verbose":
            opening, closing = VERBOSE_PADDING[lang]
            return opening + good + closing, "stop"
        if bad == "wrong_language":
            other = "zh" if lang == "en" else "en"
            return intent.good[other].format(slot=intent.slots[other][slot_i]), "stop"
        return self.rng.choice(REFUSALS[lang]), "stop"  # needless_refusal

    def _pick_failure(self, intent: Intent) -> str | None:
        if self.rng.random() >= intent.failure_rate:
            return None
        cats = list(intent.failures) + list(GENERIC_CATEGORIES)
        weights = [intent.weights.get(c, GENERIC_WEIGHTS.get(c, 1.0)) for c in cats]
        return self.rng.choices(cats, weights)[0]

    def _cut(self, full: str, lang: str) -> tuple[str, str]:
        """Stop ``full`` mid-way, as a length limit the product did not report would.

        Returns:
            The cut-off answer (mid-sentence, mid-list or inside the code block) and
            what a "continue" request gets: the rest, from the cut (a cut inside a code
            block reopens the block from the start of the cut line, as models do).
        """
        rng = self.rng
        head = full
        for _ in range(50):
            pos = int(len(full) * rng.uniform(0.3, 0.85))
            head = full[:pos]
            if lang == "en" and head.count("```") % 2 == 0 and " " in head:
                head = head[: head.rfind(" ")]  # prose stops after a whole word
            head = head.rstrip()
            last = head[-1:]
            if head.count("```") % 2 == 1 and last:  # inside the code block
                start = head.rfind("\n") + 1
                return head, "```python\n" + full[start:]
            if last.isalnum() or "\u4e00" <= last <= "\u9fff":  # not on an end mark
                return head, full[len(head) :].lstrip()
        return head, full[len(head) :].lstrip()

    # -- conversations --------------------------------------------------------------------

    def conversation(self, day: date, budget: int) -> int:
        """Simulate one conversation of at most ``budget`` interactions; return how many.

        A conversation is one shape (an ask and its follow-ups, a long answer, a series,
        a game, pasted parts acknowledged briefly) or, with ``long_sessions``, a run of
        shapes in one scene until the session's 10-40 turns are reached (or the user
        leaves).
        """
        rng = self.rng
        lang = "zh" if rng.random() < 0.4 else "en"
        scene = rng.choices(self.scene_names, self.scene_weights)[0]
        s = _Session(
            day=day,
            budget=budget,
            id=f"{rng.getrandbits(48):012x}",
            user=f"u{rng.randrange(self.n_users):07d}",
            scene=scene,
            model=MODELS[0] if rng.random() < 0.8 else MODELS[1],
            app=rng.choice(("web", "ios", "android")),
            lang=lang,
            # a long session starts earlier so that it ends the same day (its partition)
            t=datetime.combine(day, datetime.min.time(), UTC)
            + timedelta(seconds=rng.randrange(0, (16 if self.long_sessions else 22) * 3600)),
            messages=[
                {
                    "role": "system",
                    "content": GAME_SYSTEM_PROMPT if scene == GAME_SCENE else SYSTEM_PROMPTS[scene],
                }
            ],
        )
        self.counts["conversations"] += 1
        target = rng.randint(*LONG_SESSION_TURNS) if self.long_sessions else 0
        shapes = [k for k in SHAPE_WEIGHTS if self._has_shape(scene, k)]
        weights = [SHAPE_WEIGHTS[k] for k in shapes]
        while s.turn < s.budget:
            shape = rng.choices(shapes, weights)[0]
            self.shapes[shape] += 1
            left = getattr(self, f"_{shape}_segment")(s)
            if left or s.turn >= target:
                break
            s.t += timedelta(seconds=rng.randrange(30, 300))  # a new topic, a little later
        return s.turn

    def _has_shape(self, scene: str, shape: str) -> bool:
        if scene == GAME_SCENE:
            return shape == "game"
        return {
            "ask": scene in self.scenes,
            "long": any(t.scene == scene for t in LONG_TASKS),
            "serial": any(t.scene == scene for t in SERIAL_TASKS),
            "brief": scene in BRIEF_SCENE_TASKS,
            "game": False,
        }[shape]

    def _closing(self, s: _Session, intent: str) -> None:
        """'Thanks' -> 'you're welcome': a short, right answer; the user was served."""
        if s.turn >= s.budget:
            return
        welcome = self.rng.choice(WELCOMES[s.lang])
        truth = self._truth(s, intent, None, None, "none", "closing")
        _iid, ctx = self._interaction(s, self.rng.choice(THANKS[s.lang]), welcome, "stop", truth)
        self._reply(s, ctx, welcome)

    def _ask_segment(self, s: _Session) -> bool:
        """An ask of the scene and the user's reactions to it (the original shape).

        Returns:
            Whether the user left for good (abandoned or escalated).
        """
        rng = self.rng
        lang = s.lang
        intent = rng.choice(self.scenes[s.scene])
        slot_i = rng.randrange(len(intent.slots[lang]))
        ask = intent.asks[lang][rng.randrange(len(intent.asks[lang]))]
        user_msg = ask.format(slot=intent.slots[lang][slot_i])
        retried = False
        phenomenon = None
        while s.turn < s.budget:
            # After a complaint the model usually recovers.
            bad = self._pick_failure(intent) if not retried or rng.random() < 0.25 else None
            answer, finish = self._answer(intent, lang, slot_i, bad)
            if phenomenon == "refinement" and bad is None:
                answer = rng.choice(REFINED_PREFIX[lang]) + answer
            reaction = self._reaction(bad)
            pattern = f"{intent.key}:{bad}:{lang}:{slot_i}" if bad else None
            truth = self._truth(s, intent.key, bad, pattern, reaction, phenomenon)
            iid, ctx = self._interaction(s, user_msg, answer, finish, truth)
            follow = self._react(s, iid, reaction, intent, slot_i, answer)
            if follow is None:
                s.t += timedelta(seconds=rng.randrange(20, 120))
                return reaction in ("abandon", "escalate")
            kind, text = follow
            retried = kind in ("regenerate", "rephrase", "correction")
            phenomenon = None
            if kind == "regenerate":
                s.t += timedelta(seconds=rng.randrange(20, 120))
                continue  # same context, new answer
            self._reply(s, ctx, answer)
            if kind == "thanks":
                self._closing(s, intent.key)
                return False
            if kind == "next_intent":  # the user moves on to another question in the scene
                intent = rng.choice([i for i in self.scenes[s.scene] if i is not intent])
                slot_i = rng.randrange(len(intent.slots[lang]))
                ask = intent.asks[lang][rng.randrange(len(intent.asks[lang]))]
                text = ask.format(slot=intent.slots[lang][slot_i])
            elif kind == "praise_next":  # the same ask for the next slot, after praise
                slot_i = rng.choice([i for i in range(len(intent.slots[lang])) if i != slot_i])
                text = rng.choice(PRAISE_NEXT[lang]) + ask.format(slot=intent.slots[lang][slot_i])
                phenomenon = "praise_next"
            elif kind == "refine":  # the same ask with a requirement added on top
                text = ask.format(slot=intent.slots[lang][slot_i]) + rng.choice(REFINEMENTS[lang])
                phenomenon = "refinement"
            user_msg = text
        return False

    def _reaction(self, bad: str | None) -> str:
        rng = self.rng
        if bad is None:
            # Mostly silent or positive; some noise on every signal (a good answer
            # retried, down-voted, "corrected" with a clarification, edited, escalated).
            return rng.choices(
                (
                    "none",
                    "continue",
                    "thumbs_up",
                    "copy",
                    "rating_high",
                    "thanks",
                    "praise_next",
                    "refine",
                    "thumbs_down",
                    "regenerate",
                    "rephrase",
                    "clarify",
                    "rating_low",
                    "edit",
                    "escalate",
                ),
                (36, 25, 9, 7, 4, 8, 4, 3, 2.5, 2.5, 2, 0.3, 0.4, 0.5, 0.3),
            )[0]
        # Bad answers: mostly complaints, some silence, and some approval (users thank,
        # copy and up-vote confident wrong answers too).
        return rng.choices(
            (
                "regenerate",
                "rephrase",
                "correction",
                "edit",
                "thumbs_down",
                "rating_low",
                "comment",
                "escalate",
                "abandon",
                "none",
                "continue",
                "thanks",
                "refine",
                "thumbs_up",
                "copy",
            ),
            (14, 13, 16, 6, 12, 5, 4, 4, 12, 9, 5, 3, 3, 1, 1.5),
        )[0]

    def _react(
        self,
        s: _Session,
        iid: str,
        reaction: str,
        intent: Intent,
        slot_i: int,
        answer: str,
    ) -> tuple[str, str] | None:
        """Log the user's reaction; return what the user says next, if anything."""
        rng = self.rng
        lang = s.lang
        if reaction in ("regenerate", "rephrase", "correction", "clarify"):
            if reaction == "regenerate":
                self._event(s, iid, "regenerate")
                return "regenerate", ""
            if reaction == "rephrase":
                asks = intent.asks[lang]
                text = asks[rng.randrange(len(asks))].format(slot=intent.slots[lang][slot_i])
                return "rephrase", rng.choice(REPHRASE_PREFIX[lang]) + text
            if reaction == "clarify":
                return "correction", rng.choice(CLARIFICATIONS[lang])
            return "correction", rng.choice(CORRECTIONS[lang])
        if reaction in ("thanks", "praise_next", "refine"):
            return reaction, ""
        if reaction == "edit":
            good = intent.good[lang].format(slot=intent.slots[lang][slot_i])
            # a good answer is only personalised; a bad one is rewritten
            self._event(s, iid, "edit", good + " (for me)" if good == answer else good)
        elif reaction == "thumbs_down":
            self._event(s, iid, "thumbs_down")
        elif reaction == "rating_low":
            self._event(s, iid, "rating", rng.choice((1, 2)))
        elif reaction == "comment":
            self._event(s, iid, "comment", rng.choice(COMMENTS_NEGATIVE[lang]))
        elif reaction == "escalate":
            self._event(s, iid, "escalate")
            return None
        elif reaction == "thumbs_up":
            self._event(s, iid, "thumbs_up")
        elif reaction == "copy":
            self._event(s, iid, "copy")
        elif reaction == "rating_high":
            self._event(s, iid, "rating", rng.choice((4, 5, 5)))
            if rng.random() < 0.3:
                self._event(s, iid, "comment", rng.choice(COMMENTS_POSITIVE[lang]))
        elif reaction == "abandon":
            return None
        if reaction in ("continue", "thumbs_up", "copy", "rating_high") or rng.random() < 0.35:
            return ("next_intent", "") if rng.random() < 0.6 else None
        return None

    def _long_segment(self, s: _Session) -> bool:
        """A long answer (code, a plan): complete, or cut off mid-way with finish_reason
        'stop'; the user asks for more ("continue", "more", "继续") of either."""
        rng = self.rng
        lang = s.lang
        task = rng.choice([t for t in LONG_TASKS if t.scene == s.scene])
        slot_i = rng.randrange(len(task.slots[lang]))
        slot = task.slots[lang][slot_i]
        user_msg = rng.choice(task.asks[lang]).format(slot=slot)
        full = task.text[lang].format(slot=slot)
        while s.turn < s.budget:
            cut = rng.random() < CUT_OFF_RATE
            answer, rest = (
                self._cut(full, lang) if cut else (full, task.more[lang].format(slot=slot))
            )
            if cut:
                reaction = rng.choices(
                    ("ask_more", "regenerate", "comment", "thumbs_down", "none", "abandon"),
                    (70, 8, 4, 4, 8, 6),
                )[0]
            else:
                reaction = rng.choices(
                    (
                        "ask_more",
                        "none",
                        "thanks",
                        "copy",
                        "thumbs_up",
                        "regenerate",
                        "thumbs_down",
                    ),
                    (30, 34, 15, 10, 6, 3, 2),
                )[0]
            category = "cut_off" if cut else None
            pattern = f"{task.key}:cut_off:{lang}:{slot_i}" if cut else None
            truth = self._truth(s, task.key, category, pattern, reaction, "long_answer")
            iid, ctx = self._interaction(s, user_msg, answer, "stop", truth)
            if reaction == "regenerate":
                self._event(s, iid, "regenerate")
                s.t += timedelta(seconds=rng.randrange(20, 120))
                continue
            reaction = "thumbs_down" if reaction == "down" else reaction
            if reaction in ("comment", "thumbs_down", "copy", "thumbs_up"):
                if reaction == "comment":
                    self._event(s, iid, "comment", COMMENTS_NEGATIVE[lang][3])  # "cut off"
                else:
                    self._event(s, iid, reaction)
                if rng.random() < 0.5:
                    reaction = "ask_more"
            if reaction == "thanks":
                self._reply(s, ctx, answer)
                self._closing(s, task.key)
                return False
            if reaction != "ask_more" or s.turn >= s.budget:
                return reaction == "abandon"
            self._reply(s, ctx, answer)
            after = rng.choices(("none", "thanks", "copy", "thumbs_down"), (55, 30, 14, 1))[0]
            truth = self._truth(s, task.key, None, None, after, "continuation")
            iid, ctx = self._interaction(s, rng.choice(CONTINUE_ASKS[lang]), rest, "stop", truth)
            if after in ("copy", "thumbs_down"):
                self._event(s, iid, after)
            self._reply(s, ctx, rest)
            if after == "thanks":
                self._closing(s, task.key)
            return False
        return False

    def _serial_segment(self, s: _Session) -> bool:
        """A series: the same template with the next item (quiz question 18, then 19;
        a meta description, then an OG title for the same page)."""
        rng = self.rng
        lang = s.lang
        task = rng.choice([t for t in SERIAL_TASKS if t.scene == s.scene])
        items = task.items[lang]
        for k in range(rng.randrange(len(items) - 1), len(items)):
            if s.turn >= s.budget:
                return False
            ask, good = items[k]
            bad = rng.random() < SERIAL_FAILURE_RATE
            last = k == len(items) - 1
            if bad:
                reaction = rng.choices(("correction", "next_item", "thumbs_down"), (35, 50, 15))[0]
            else:
                reaction = rng.choices(
                    ("next_item", "thumbs_up", "copy", "thumbs_down"), (86, 5, 7, 2)
                )[0]
            if last and reaction == "next_item":
                reaction = rng.choice(("none", "thanks"))
            answer = task.wrong[lang][k] if bad else good
            category = "wrong_fact" if bad else None
            pattern = f"{task.key}:wrong_fact:{lang}:{k}" if bad else None
            truth = self._truth(s, task.key, category, pattern, reaction, "serial")
            iid, ctx = self._interaction(s, ask, answer, "stop", truth)
            if reaction in ("thumbs_up", "copy", "thumbs_down"):
                self._event(s, iid, reaction)
            self._reply(s, ctx, answer)
            if reaction == "correction" and s.turn < s.budget:
                truth = self._truth(s, task.key, None, None, "next_item", "serial")
                iid, ctx = self._interaction(s, rng.choice(CORRECTIONS[lang]), good, "stop", truth)
                self._reply(s, ctx, good)
            if reaction == "thanks":
                self._closing(s, task.key)
        return False

    def _game_segment(self, s: _Session) -> bool:
        """A game or roleplay with short moves; short answers are the right ones."""
        rng = self.rng
        lang = s.lang
        game = rng.choice(GAMES)
        moves = game.moves[lang]
        turns = [game.opening[lang], *moves[: rng.randint(2, len(moves))]]
        if rng.random() < 0.5:
            turns.append(game.end[lang])
        for i, (move, reply) in enumerate(turns):
            if s.turn >= s.budget:
                break
            reaction = rng.choices(("move", "thumbs_up", "thumbs_down"), (94, 4, 2))[0]
            if i == len(turns) - 1:
                reaction = "none"
            truth = self._truth(s, game.key, None, None, reaction, "game_move")
            iid, ctx = self._interaction(s, move, reply, "stop", truth)
            if reaction in ("thumbs_up", "thumbs_down"):
                self._event(s, iid, reaction)
            self._reply(s, ctx, reply)
        return False

    def _brief_segment(self, s: _Session) -> bool:
        """The user asks for one-word replies while pasting parts, then for a summary."""
        rng = self.rng
        lang = s.lang
        instruction, reply = BRIEF_SCENE_TASKS[s.scene][lang]
        part = PASTED_PARTS[lang][list(BRIEF_SCENE_TASKS).index(s.scene)]
        key = f"{s.scene}_brief"
        asks = [(instruction, reply)]
        for n in range(1, rng.randint(2, 4)):
            ack = reply if rng.random() < 0.8 else rng.choice(SHORT_ACKS[lang])
            asks.append((part.format(n=n), ack.format(n=n)))
        for ask, ack in asks:
            if s.turn >= s.budget:
                return False
            truth = self._truth(s, key, None, None, "paste", "brief_reply")
            iid, ctx = self._interaction(s, ask, ack, "stop", truth)
            self._reply(s, ctx, ack)
        if s.turn < s.budget:
            after = rng.choices(("none", "thanks", "copy"), (60, 25, 15))[0]
            truth = self._truth(s, key, None, None, after, None)
            iid, ctx = self._interaction(s, BRIEF_DONE[lang], BRIEF_SUMMARY[lang], "stop", truth)
            if after == "copy":
                self._event(s, iid, "copy")
            self._reply(s, ctx, BRIEF_SUMMARY[lang])
            if after == "thanks":
                self._closing(s, key)
        return False

    def close(self) -> None:
        self.interactions.close()
        self.events.close()
        self.truth.close()
        self.corruption_log.close()


def generate_logs(
    out: str | Path,
    interactions: int,
    seed: int = 0,
    days: int = 7,
    corrupt_rate: float = 0.0,
    start: date = DEFAULT_START,
    compress: bool = False,
    max_rows_per_file: int = 200_000,
    long_sessions: bool = False,
) -> GenerateSummary:
    """Write sample production logs under ``out`` (see the module docstring).

    Args:
        out: The landing root to write (created; existing log partitions are replaced).
        interactions: How many interaction records to write (before duplicate copies).
        seed: The random seed; the same seed and arguments give the same bytes.
        days: How many daily ``dt=`` partitions to spread the traffic over.
        corrupt_rate: Share of records replaced by malformed ones (plus one oversized
            record and one empty file when above zero).
        start: The first day.
        compress: Write ``.jsonl.gz`` instead of ``.jsonl``.
        max_rows_per_file: Rotate to a new part file after this many lines.
        long_sessions: Make every conversation a working session of about 10-40 turns
            (shapes run in one scene; fewer when the user leaves). Off: mostly 1-3 turns.
    """
    root = _prepare_root(out, interactions, days, corrupt_rate)
    gen = _Generator(root, seed, corrupt_rate, compress, max_rows_per_file, long_sessions)
    # A few conversations per user (about 2 interactions each; long sessions about 20).
    gen.n_users = max(1, interactions // (60 if long_sessions else 6))
    try:
        per_day = [
            interactions // days + (1 if i < interactions % days else 0) for i in range(days)
        ]
        for i, quota in enumerate(per_day):
            day = start + timedelta(days=i)
            left = quota
            while left > 0:
                left -= gen.conversation(day, left)
        files = gen.interactions.files + gen.events.files
        if corrupt_rate > 0:
            empty = root / "events" / f"dt={start.isoformat()}" / "part-empty.jsonl"
            empty.parent.mkdir(parents=True, exist_ok=True)
            empty.write_bytes(b"")
            gen._log_corruption(
                "empty_file", "events", empty.relative_to(root).as_posix(), None, None
            )
            files += 1
    finally:
        gen.close()
    _write_repairs(root)
    summary = GenerateSummary(
        out=str(root),
        seed=seed,
        days=days,
        interactions=gen.written,
        events=gen.counts["events"],
        conversations=gen.counts["conversations"],
        planted_bad=sum(n for c, n in gen.categories.items() if c != "good"),
        corrupted_records=sum(gen.corruptions.values()),
        files=files,
        by_category=dict(sorted(gen.categories.items())),
        by_reaction=dict(sorted(gen.reactions.items())),
        corruptions=dict(sorted(gen.corruptions.items())),
        by_phenomenon=dict(sorted(gen.phenomena.items())),
        long_sessions=long_sessions,
    )
    meta = {
        "generator": "badcase-loop generate-logs",
        "start": start.isoformat(),
        **asdict(summary),
    }
    del meta["out"]  # the same seed gives the same bytes wherever they are written
    (root / "generation.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    log.info(
        "wrote %d interactions and %d events to %s", summary.interactions, summary.events, root
    )
    return summary


def _prepare_root(out: str | Path, interactions: int, days: int, corrupt_rate: float) -> Path:
    """Check the arguments, create the landing root and remove its old log partitions."""
    if interactions < 1:
        raise ValueError("interactions must be at least 1")
    if days < 1:
        raise ValueError("days must be at least 1")
    if not 0.0 <= corrupt_rate <= 0.5:
        raise ValueError("corrupt-rate must be between 0 and 0.5")
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for kind in ("interactions", "events"):
        for old in sorted((root / kind).glob("dt=*/part-*")):
            old.unlink()
    return root


def _write_repairs(root: Path) -> None:
    """One expert answer per failure pattern (intent, category, language, slot)."""
    with (root / "expert_repairs.jsonl").open("wb") as fh:
        for intent in INTENTS:
            cats = list(intent.failures) + list(GENERIC_CATEGORIES)
            for cat in cats:
                for lang in LANGS:
                    for slot_i, slot in enumerate(intent.slots[lang]):
                        row = {
                            "pattern_id": f"{intent.key}:{cat}:{lang}:{slot_i}",
                            "scene": intent.scene,
                            "intent": intent.key,
                            "category": cat,
                            "lang": lang,
                            "request": intent.asks[lang][0].format(slot=slot),
                            "repaired_answer": intent.good[lang].format(slot=slot),
                        }
                        fh.write(_dumps(row) + b"\n")
        for task in LONG_TASKS:  # the complete answer repairs a cut-off one
            for lang in LANGS:
                for slot_i, slot in enumerate(task.slots[lang]):
                    row = {
                        "pattern_id": f"{task.key}:cut_off:{lang}:{slot_i}",
                        "scene": task.scene,
                        "intent": task.key,
                        "category": "cut_off",
                        "lang": lang,
                        "request": task.asks[lang][0].format(slot=slot),
                        "repaired_answer": task.text[lang].format(slot=slot),
                    }
                    fh.write(_dumps(row) + b"\n")
        for series in SERIAL_TASKS:  # the right answer of each item
            for lang in LANGS:
                for k, (ask, good) in enumerate(series.items[lang]):
                    row = {
                        "pattern_id": f"{series.key}:wrong_fact:{lang}:{k}",
                        "scene": series.scene,
                        "intent": series.key,
                        "category": "wrong_fact",
                        "lang": lang,
                        "request": ask,
                        "repaired_answer": good,
                    }
                    fh.write(_dumps(row) + b"\n")


def expert_answers(landing: str | Path) -> dict[str, str]:
    """Interaction id -> the expert repair of its planted failure, from the files the
    generator writes beside the logs (for the demo's simulated expert step)."""
    root = Path(landing)
    repairs = {}
    with (root / "expert_repairs.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            repairs[row["pattern_id"]] = row["repaired_answer"]
    answers = {}
    with (root / "ground_truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["bad"] and row["pattern_id"] in repairs:
                answers[row["interaction_id"]] = repairs[row["pattern_id"]]
    return answers
