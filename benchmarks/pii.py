"""Planted-PII recall: what reaches the LLM and what is published.

    python -m benchmarks.pii [--per-kind N] [--seed S]  -> JSON line

Every PII kind the redactor knows (several formats each: cards with spaces, dots or
dashes, Stripe / OpenAI / Hugging Face / AWS keys, IPv4 and IPv6, ...) is planted in
every position a log can put it: at the start or end of the text, after a newline,
a tab or a quote, inside a code block, in Chinese text, and in a tool result.

- **Sent to the LLM**: each planted conversation goes through the real rubric judge
  (:func:`tasks.judge.rubric.judge_answer`) with a redacting client, against the
  loopback OpenAI-compatible server; the requests are read as the server received
  them.
- **Published**: each planted conversation goes through the pair builder's redaction
  (:func:`tasks.publish.build.redact_messages`, what ``build_preference_pairs`` stores
  and every version publishes).

A value counts as leaked when it, or its digits (for numeric kinds), are still in the
captured text. Recall = caught / planted. Ordinary text (dates, versions, times, code,
order numbers) is run through the same path to count false positives.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import string
from collections import Counter
from collections.abc import Callable

POSITIONS: dict[str, Callable[[str], list[dict]]] = {
    "start": lambda v: [{"role": "user", "content": f"{v} is what I gave you"}],
    "end": lambda v: [{"role": "user", "content": f"please remember this: {v}"}],
    "after_newline": lambda v: [{"role": "user", "content": f"My details:\n{v}"}],
    "after_tab": lambda v: [{"role": "user", "content": f"value\t{v}\tend"}],
    "after_quote": lambda v: [{"role": "user", "content": f'set it to "{v}" please'}],
    "in_code": lambda v: [
        {"role": "user", "content": f"Why does this fail?\n```python\nx = '{v}'\nrun(x)\n```"}
    ],
    "in_chinese": lambda v: [{"role": "user", "content": f"我的信息是{v}，请帮我记住。"}],
    "in_tool_result": lambda v: [
        {"role": "user", "content": "look me up"},
        {"role": "assistant", "content": None},
        {"role": "tool", "content": json.dumps({"result": {"contact": v}}, ensure_ascii=False)},
    ],
}

BENIGN = [
    "The meeting is on 2026-11-23 at 10:30 in room 12; Python 3.11.7; order 12345.",
    "A Schengen visa allows 90 days within any 180-day period.",
    "def f(x): return x[::2] * 1000000  # std::vector<int> v;",
    "Not a card: 1234 5678 9012 3456 (fails the Luhn check).",
    "Timestamps 12:30:45 and 23:59:59, ratio 3:2, version v2.4.1, 50% off.",
    "收到，订单号12345，预计3天内发货。",
    "Use git checkout -b fix/issue-42 and run pytest -k test_x -q.",
]


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    from tasks.publish.redact import _luhn

    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return next(body + d for d in string.digits if _luhn(body + d))


def _group(digits: str, sep: str, size: int = 4) -> str:
    return sep.join(digits[i : i + size] for i in range(0, len(digits), size))


def _cn_id(rng: random.Random) -> str:
    from tasks.publish.redact import _cn_id_ok

    body = "110105" + f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += "".join(rng.choice(string.digits) for _ in range(3))
    return next(body + c for c in "0123456789X" if _cn_id_ok(body + c))


def _iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("DE", "".join(rng.choice(string.digits) for _ in range(18))),
            ("GB", "NWBK" + "".join(rng.choice(string.digits) for _ in range(14))),
            ("FR", "".join(rng.choice(string.digits) for _ in range(23))),
        ]
    )
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    value = f"{country}{check:02d}{bban}"
    return _group(value, " ") if rng.random() < 0.5 else value


def _token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _private_key(rng: random.Random) -> str:
    body = "\n".join(_token(rng, 64, string.ascii_letters + string.digits + "+/") for _ in range(4))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"


def _phone(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    return rng.choice(
        [
            f"+1 ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{d(4)}",
            f"{rng.randint(201, 989)}{rng.randint(200, 999)}{d(4)}",
            f"1{rng.choice('35789')}{d(9)}",
            f"010-{rng.randint(2, 8)}{d(7)}",
            f"+44 20 {d(4)} {d(4)}",
            f"+49 30 {d(8)}",
        ]
    )


def _ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    if rng.random() < 0.5:
        return ":".join(groups)
    return f"2001:db8::{groups[6]}:{groups[7]}"


GENERATORS: dict[str, list[Callable[[random.Random], str]]] = {
    "email": [
        lambda r: f"{_token(r, 6).lower()}.{_token(r, 4).lower()}@example.com",
        lambda r: f"{_token(r, 5).lower()}+tag@mail.{_token(r, 5).lower()}.co.uk",
    ],
    "phone": [_phone],
    "card": [
        lambda r: _luhn_complete("4", 16, r),
        lambda r: _group(_luhn_complete("51", 16, r), " "),
        lambda r: _group(_luhn_complete("4", 16, r), "."),
        lambda r: _group(_luhn_complete("6011", 16, r), "-"),
    ],
    "national_id": [
        _cn_id,
        lambda r: f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
    ],
    "api_key": [
        lambda r: "sk-proj-" + _token(r, 40),
        lambda r: "sk-" + _token(r, 48),
        lambda r: "sk_live_" + _token(r, 24),
        lambda r: "hf_" + _token(r, 34),
        lambda r: "AKIA" + _token(r, 16, string.ascii_uppercase + string.digits),
        lambda r: "ghp_" + _token(r, 36),
    ],
    "iban": [_iban],
    "private_key": [_private_key],
    "ip_address": [
        lambda r: ".".join(str(r.randint(1, 254)) for _ in range(4)),
        _ipv6,
    ],
}


def planted(per_kind: int, seed: int) -> list[tuple[str, str, str, list[dict]]]:
    """``(kind, position, value, conversation)`` for ``per_kind`` values of each kind in
    every position."""
    rng = random.Random(seed)
    items = []
    for kind, makers in GENERATORS.items():
        for i in range(per_kind):
            value = makers[i % len(makers)](rng)
            for position, place in POSITIONS.items():
                items.append((kind, position, value, place(value)))
    return items


def leaked(value: str, text: str) -> bool:
    """Whether ``value`` survives in ``text`` (numeric values also by their digits alone)."""
    if value in text or (value.split("\n")[1:2] and value.split("\n")[1] in text):
        return True
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 8 and re.fullmatch(r"[\d\s().+-]+", value):
        return digits in re.sub(r"\D", "", text)
    return False


def sent_to_llm(conversations: list[list[dict]]) -> list[str]:
    """What the loopback server received for each conversation judged with redaction
    on: the request's messages as one text."""
    from tasks.judge.rubric import judge_answer
    from tasks.llm.client import LLMClient, LLMSettings, LLMTarget
    from tasks.publish.redact import Redactor
    from tests.llm_server import LLMServer, judge_everything_good

    with LLMServer(judge_everything_good) as server:
        target = LLMTarget(server.base_url, "pii-bench", "sk-bench")

        async def go() -> None:
            settings = LLMSettings(concurrency=16, max_retries=0, structured="off")
            async with LLMClient(target, settings, Redactor()) as llm:
                for conversation in conversations:
                    await judge_answer(llm, conversation, "Noted.")

        asyncio.run(go())
    return ["\n".join(m["content"] or "" for m in seen.body["messages"]) for seen in server.seen]


def published(conversations: list[list[dict]]) -> list[str]:
    """Each conversation as the pair builder stores and publishes it (redaction on)."""
    from tasks.publish.build import redact_messages
    from tasks.publish.redact import Redactor

    redact = Redactor()
    return [
        "\n".join(m["content"] or "" for m in redact_messages(c, redact)) for c in conversations
    ]


def run(per_kind: int = 5, seed: int = 7) -> dict:
    """Recall per kind and per position on both paths, and false positives on ordinary text."""
    items = planted(per_kind, seed)
    conversations = [c for *_, c in items]
    result: dict = {"planted": len(items)}
    for path, texts in (
        ("sent_to_llm", sent_to_llm(conversations)),
        ("published", published(conversations)),
    ):
        missed = [(k, p, v) for (k, p, v, _), t in zip(items, texts, strict=True) if leaked(v, t)]
        by_kind, by_position = Counter(k for k, _, _ in missed), Counter(p for _, p, _ in missed)
        total_kind, total_pos = Counter(k for k, *_ in items), Counter(p for _, p, *_ in items)
        result[path] = {
            "recall": 1 - len(missed) / len(items),
            "by_kind": {k: 1 - by_kind[k] / n for k, n in total_kind.items()},
            "by_position": {p: 1 - by_position[p] / n for p, n in total_pos.items()},
            "missed": [f"{k}/{p}: {v!r}" for k, p, v in missed[:20]],
        }
    benign = [[{"role": "user", "content": t}] for t in BENIGN]
    changed = [t for t, out in zip(BENIGN, published(benign), strict=True) if out != t]
    result["benign_texts"] = len(BENIGN)
    result["benign_changed"] = changed
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-kind", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.per_kind, args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()
