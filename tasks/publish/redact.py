"""PII redaction for everything published and everything sent to an external LLM.

Private key blocks, API keys or tokens (OpenAI, Stripe, Hugging Face, AWS, GitHub,
Slack, Google, JWTs, bearer tokens), emails, IBANs (mod-97 checked), payment card
numbers with or without spaces, dots or dashes (Luhn-checked), national ids (US SSN,
Chinese resident id with its check digit), IPv4/IPv6 addresses and phone numbers are
replaced by a typed placeholder such as ``[EMAIL]``. Patterns are ordered so that a
longer, more specific match (a key, a card, an id, an address) wins over a phone
number. Regexes follow the usual detectors (e.g. Microsoft Presidio's recognizers);
they favour catching too much over leaking.

Redact the raw text, never text already escaped for a prompt (in JSON, a newline
before a phone number is the two characters ``\\n`` and hides its boundary): LLM tasks
call :meth:`Redactor.data` on what they embed, before they build the prompt.
``benchmarks/pii.py`` measures recall on planted PII in every position.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

KINDS = (
    "private_key",
    "api_key",
    "email",
    "iban",
    "card",
    "national_id",
    "ip_address",
    "phone",
)


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _cn_id_ok(value: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(value[:17], weights, strict=True)) % 11]
    return value[17].upper() == check


def _card_ok(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _iban_ok(match: str) -> bool:
    """ISO 13616 check: move the country and check digits to the end, mod 97 is 1."""
    value = match.replace(" ", "").upper()
    if not 15 <= len(value) <= 34:
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _ip_ok(match: str) -> bool:
    if ":" in match and sum(1 for group in match.split(":") if group) < 3:
        return False  # "::2" in a Python slice, "a::b" in C++: not an address worth hiding
    try:
        ipaddress.ip_address(match)
    except ValueError:
        return False
    return True


# Boundaries are spelled out rather than ``\b``: in Chinese text the character before an
# email or a key is a word character too, and ``\b`` would never match there.
_PATTERNS: list[tuple[str, re.Pattern, Callable[[str], bool] | None]] = [
    (
        "private_key",
        re.compile(
            r"-----BEGIN[A-Z ]*PRIVATE KEY-----.*?(?:-----END[A-Z ]*PRIVATE KEY-----|\Z)", re.S
        ),
        None,
    ),
    (
        "api_key",
        re.compile(
            r"(?<![A-Za-z0-9])(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}"
            r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|hf_[A-Za-z0-9]{30,}"
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
            r"|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
            r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
            r"|(?i:aws_secret_access_key|secret_access_key)[\"']?\s*[:=]\s*[\"']?"
            r"[A-Za-z0-9/+=]{40}"
            r"|(?i:bearer)\s+[A-Za-z0-9._~+/-]{20,}=*"
        ),
        None,
    ),
    (
        "email",
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
            r"\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
        ),
        None,
    ),
    (
        "iban",
        re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])"),
        _iban_ok,
    ),
    ("card", re.compile(r"(?<![\d.-])\d(?:[ .-]?\d){12,18}(?![\d-]|\.\d)"), _card_ok),
    (
        "national_id",
        re.compile(r"(?<!\d)(?:\d{3}-\d{2}-\d{4}|\d{17}[\dXx])(?![\dXx])"),
        lambda m: "-" in m or _cn_id_ok(m),
    ),
    (
        "ip_address",
        re.compile(
            r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)"
            r"|(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])"
        ),
        _ip_ok,
    ),
    (
        "phone",
        re.compile(
            r"(?<![A-Za-z0-9+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
            r"\d{2,4}(?:[ .-]?\d{2,4}){1,4}(?![A-Za-z0-9])"
        ),
        lambda m: (
            8 <= len(re.sub(r"\D", "", m)) <= 15 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", m)
        ),
    ),
]


# What every pattern above needs somewhere in the text: a key prefix, an '@', a key block,
# an IBAN's country and check digits, two colons of an IPv6 address, three dots of an IPv4
# one, or eight digits no more than three characters apart (the shortest phone the phone
# check accepts; cards and ids have more). Most text has none, and one search is far
# cheaper than the substitutions.
_MAYBE_PII = re.compile(
    r"@|sk-|[sr]k_|hf_|AKIA|ASIA|gh[pousr]_|xox[abprs]-|AIza|eyJ|PRIVATE KEY|(?i:bearer)"
    r"|(?i:secret_access_key)|[A-Z]{2}\d{2}|:[0-9A-Fa-f]{0,4}:|\d\.\d{1,3}\.\d{1,3}\.\d"
    r"|\d(?:\D{0,3}\d){7}"
)


class PrivacySettings(BaseModel):
    """What is redacted before data leaves the warehouse."""

    model_config = ConfigDict(extra="forbid")

    redact_pii: bool = Field(
        True, description="Redact PII in published sets and in everything sent to an LLM."
    )
    kinds: list[str] = Field(
        default_factory=lambda: list(KINDS), description=f"Which kinds: {', '.join(KINDS)}."
    )


@dataclass
class Redactor:
    """Replaces PII by ``[KIND]`` placeholders and counts what it replaced."""

    kinds: tuple[str, ...] = KINDS

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown PII kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        self.counts: Counter[str] = Counter()

    def __call__(self, text: str | None) -> str | None:
        """``text`` with every PII match replaced (None stays None)."""
        if not text or not _MAYBE_PII.search(text):
            return text
        for kind, pattern, valid in _PATTERNS:
            if kind not in self.kinds:
                continue

            def swap(m: re.Match, kind: str = kind, valid=valid) -> str:
                if valid is not None and not valid(m.group(0)):
                    return m.group(0)
                self.counts[kind] += 1
                return f"[{kind.upper()}]"

            text = pattern.sub(swap, text)
        return text

    def data(self, value: T) -> T:
        """``value`` (text, or lists and dicts of them, e.g. a conversation) with every
        string redacted; other values unchanged."""
        if isinstance(value, str):
            return self(value)  # type: ignore[return-value]
        if isinstance(value, list):
            return [self.data(v) for v in value]  # type: ignore[return-value]
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}  # type: ignore[return-value]
        return value

    def messages(self, messages: Iterable[dict]) -> list[dict]:
        """Chat messages with their content redacted (other fields untouched)."""
        return [
            {**m, "content": self.data(m["content"])} if "content" in m else dict(m)
            for m in messages
        ]


def redact_table(
    table: pa.Table, redact: Redactor, columns: Iterable[str] | None = None
) -> pa.Table:
    """``table`` with the text of ``columns`` redacted (strings, and strings nested in
    lists and structs such as chat messages); by default every column but the ids."""
    names = [
        c
        for c in (columns or table.column_names)
        if c in table.column_names and not c.endswith("_id")
    ]
    for name in names:
        index = table.column_names.index(name)
        values = redact.data(table.column(name).to_pylist())
        table = table.set_column(index, table.field(name), pa.array(values, table.field(name).type))
    return table


def find_pii(text: str | None, kinds: Iterable[str] = KINDS) -> list[str]:
    """The PII kinds present in ``text`` (for validation)."""
    probe = Redactor(tuple(kinds))
    probe(text)
    return sorted(probe.counts)


def redactor(settings: PrivacySettings | None) -> Redactor | None:
    """The redactor the settings ask for, or None when redaction is off."""
    settings = settings or PrivacySettings()
    return Redactor(tuple(settings.kinds)) if settings.redact_pii else None
