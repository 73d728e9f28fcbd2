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

from tasks.sample.scenarios import (
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
    ) -> None:
        self.out = out
        self.seed = seed
        self.rng = random.Random(seed)
        self.corrupt_rate = corrupt_rate
        self.interactions = _PartWriter(out, "interactions", compress, max_rows_per_file)
        self.events = _PartWriter(out, "events", compress, max_rows_per_file)
        self.truth = (out / "ground_truth.jsonl").open("wb")
        self.corruption_log = (out / "corruptions.jsonl").open("wb")
        self.scenes = intents_by_scene()
        self.scene_names = list(SCENE_WEIGHTS)
        self.scene_weights = [SCENE_WEIGHTS[s] for s in self.scene_names]
        self.n_users = 1
        self.counts = Counter()
        self.categories = Counter()
        self.reactions = Counter()
        self.corruptions = Counter()
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
        self,
        day: date,
        conv: dict,
        turn: int,
        t: datetime,
        messages: list[dict],
        answer: str,
        finish: str,
        truth: dict,
    ) -> str:
        iid = f"{conv['id']}-{turn}"
        prompt_chars = sum(len(m["content"]) for m in messages)
        record = {
            "interaction_id": iid,
            "conversation_id": conv["id"],
            "turn_index": turn,
            "ts": _ts(t),
            "user_id": conv["user"],
            "scene": conv["scene"],
            "model": conv["model"],
            "messages": messages,
            "response": {"content": answer, "finish_reason": finish},
            "latency_ms": 300 + len(answer) * 3 + self.rng.randrange(400),
            "prompt_tokens": prompt_chars // 3 + 1,
            "completion_tokens": len(answer) // 3 + 1,
            "metadata": {"app": conv["app"], "lang": conv["lang"]},
        }
        if not self.oversized_done and self.corrupt_rate > 0:
            # One record whose user message is several megabytes (a pasted log file).
            self.oversized_done = True
            big = dict(record)
            blob = "ERROR stack trace line repeated; " * (OVERSIZED_BYTES // 33 + 1)
            big["messages"] = [*messages[:-1], {"role": "user", "content": blob}]
            rel, line = self.interactions.write(day, _dumps(big))
            self._log_corruption("oversized_message", "interactions", rel, line, iid)
            corrupted = "oversized_message"
        else:
            corrupted = self._emit(self.interactions, day, record, "interaction_id")
        self.written += 1
        truth = {
            "interaction_id": iid,
            "conversation_id": conv["id"],
            **truth,
            "corrupted": corrupted,
        }
        self.truth.write(_dumps(truth) + b"\n")
        return iid

    def _event(self, day: date, conv: dict, iid: str, t: datetime, etype: str, value=None) -> None:
        self.counts["events"] += 1
        record = {
            "event_id": f"{iid}-e{self.counts['events']}",
            "interaction_id": iid,
            "conversation_id": conv["id"],
            "ts": _ts(t),
            "type": etype,
            "value": value,
        }
        self._emit(self.events, day, record, "event_id")

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

    # -- conversations --------------------------------------------------------------------

    def conversation(self, day: date, budget: int) -> int:
        """Simulate one conversation of at most ``budget`` interactions; return how many."""
        rng = self.rng
        lang = "zh" if rng.random() < 0.4 else "en"
        scene = rng.choices(self.scene_names, self.scene_weights)[0]
        conv = {
            "id": f"{rng.getrandbits(48):012x}",
            "user": f"u{rng.randrange(self.n_users):07d}",
            "scene": scene,
            "model": MODELS[0] if rng.random() < 0.8 else MODELS[1],
            "app": rng.choice(("web", "ios", "android")),
            "lang": lang,
        }
        self.counts["conversations"] += 1
        t = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            seconds=rng.randrange(0, 22 * 3600)
        )
        intent = rng.choice(self.scenes[scene])
        slot_i = rng.randrange(len(intent.slots[lang]))
        ask_i = rng.randrange(len(intent.asks[lang]))
        messages = [{"role": "system", "content": SYSTEM_PROMPTS[scene]}]
        user_msg = intent.asks[lang][ask_i].format(slot=intent.slots[lang][slot_i])
        retried = False
        turn = 0
        while turn < budget:
            ctx = [*messages, {"role": "user", "content": user_msg}]
            # After a complaint the model usually recovers.
            bad = self._pick_failure(intent) if not retried or rng.random() < 0.25 else None
            answer, finish = self._answer(intent, lang, slot_i, bad)
            reaction = self._reaction(bad)
            truth = {
                "scene": scene,
                "intent": intent.key,
                "lang": lang,
                "bad": bad is not None,
                "category": bad,
                "pattern_id": f"{intent.key}:{bad}:{lang}:{slot_i}" if bad else None,
                "near_miss": bad == "near_miss",
                "reaction": reaction,
            }
            iid = self._interaction(day, conv, turn, t, ctx, answer, finish, truth)
            self.categories[bad or "good"] += 1
            self.reactions[reaction] += 1
            turn += 1
            t += timedelta(seconds=rng.randrange(5, 40))
            follow = self._react(day, conv, iid, t, reaction, lang, intent, slot_i)
            t += timedelta(seconds=rng.randrange(20, 120))
            if follow is None:
                break
            kind, text = follow
            retried = kind in ("regenerate", "rephrase", "correction")
            if kind == "regenerate":
                continue  # same context, new answer
            messages = [*ctx, {"role": "assistant", "content": answer}]
            if kind == "next_intent":  # the user moves on to another question in the scene
                intent = rng.choice([i for i in self.scenes[scene] if i is not intent])
                slot_i = rng.randrange(len(intent.slots[lang]))
                text = intent.asks[lang][rng.randrange(len(intent.asks[lang]))].format(
                    slot=intent.slots[lang][slot_i]
                )
            user_msg = text
        return turn

    def _reaction(self, bad: str | None) -> str:
        rng = self.rng
        if bad is None:
            # Mostly silent or positive; some noise (a good answer retried or down-voted).
            return rng.choices(
                (
                    "none",
                    "continue",
                    "thumbs_up",
                    "copy",
                    "rating_high",
                    "thumbs_down",
                    "regenerate",
                    "rephrase",
                ),
                (42, 29, 10, 8, 4, 2.5, 2.5, 2),
            )[0]
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
            ),
            (14, 13, 16, 6, 12, 5, 4, 4, 12, 9, 5),
        )[0]

    def _react(
        self,
        day: date,
        conv: dict,
        iid: str,
        t: datetime,
        reaction: str,
        lang: str,
        intent: Intent,
        slot_i: int,
    ) -> tuple[str, str] | None:
        """Log the user's reaction; return what the user says next, if anything."""
        rng = self.rng
        if reaction == "regenerate":
            self._event(day, conv, iid, t, "regenerate")
            return "regenerate", ""
        if reaction == "rephrase":
            asks = intent.asks[lang]
            text = asks[rng.randrange(len(asks))].format(slot=intent.slots[lang][slot_i])
            return "rephrase", rng.choice(REPHRASE_PREFIX[lang]) + text
        if reaction == "correction":
            return "correction", rng.choice(CORRECTIONS[lang])
        if reaction == "edit":
            self._event(
                day, conv, iid, t, "edit", intent.good[lang].format(slot=intent.slots[lang][slot_i])
            )
        elif reaction == "thumbs_down":
            self._event(day, conv, iid, t, "thumbs_down")
        elif reaction == "rating_low":
            self._event(day, conv, iid, t, "rating", rng.choice((1, 2)))
        elif reaction == "comment":
            self._event(day, conv, iid, t, "comment", rng.choice(COMMENTS_NEGATIVE[lang]))
        elif reaction == "escalate":
            self._event(day, conv, iid, t, "escalate")
            return None
        elif reaction == "thumbs_up":
            self._event(day, conv, iid, t, "thumbs_up")
        elif reaction == "copy":
            self._event(day, conv, iid, t, "copy")
        elif reaction == "rating_high":
            self._event(day, conv, iid, t, "rating", rng.choice((4, 5, 5)))
            if rng.random() < 0.3:
                self._event(day, conv, iid, t, "comment", rng.choice(COMMENTS_POSITIVE[lang]))
        elif reaction == "abandon":
            return None
        if reaction in ("continue", "thumbs_up", "copy", "rating_high") or rng.random() < 0.35:
            return ("next_intent", "") if rng.random() < 0.6 else None
        return None

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
    """
    root = _prepare_root(out, interactions, days, corrupt_rate)
    gen = _Generator(root, seed, corrupt_rate, compress, max_rows_per_file)
    # About 1.8 interactions per conversation and a few conversations per user.
    gen.n_users = max(1, interactions // 6)
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
