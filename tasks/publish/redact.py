"""PII redaction for everything published and everything sent to an external LLM.

Emails, phone numbers, payment card numbers (Luhn-checked), national ids (US
SSN, Chinese resident id with its check digit) and API keys or tokens are
replaced by a typed placeholder such as ``[EMAIL]``. Patterns are ordered so
that a longer, more specific match (a card, an id) wins over a phone number.
Regexes follow the usual detectors (e.g. Microsoft Presidio's recognizers);
they favour catching too much over leaking.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

KINDS = ("api_key", "email", "card", "national_id", "phone")


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


_PATTERNS: list[tuple[str, re.Pattern, Callable[[str], bool] | None]] = [
    (
        "api_key",
        re.compile(
            r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
            r"|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
            r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
            r"|(?i:bearer)\s+[A-Za-z0-9._~+/-]{20,}=*"
        ),
        None,
    ),
    (
        "email",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
        None,
    ),
    ("card", re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"), _card_ok),
    (
        "national_id",
        re.compile(r"(?<!\d)(?:\d{3}-\d{2}-\d{4}|\d{17}[\dXx])(?![\dXx])"),
        lambda m: "-" in m or _cn_id_ok(m),
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


# What every pattern above needs somewhere in the text: a key prefix, an '@', or eight
# digits no more than three characters apart (the shortest phone the phone check accepts;
# cards and ids have more). Most text has none, and one search is far cheaper than the
# five substitutions.
_MAYBE_PII = re.compile(
    r"@|sk-|AKIA|gh[pousr]_|xox[abprs]-|AIza|eyJ|(?i:bearer)|\d(?:\D{0,3}\d){7}"
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

    def messages(self, messages: Iterable[dict]) -> list[dict]:
        """Chat messages with their content redacted (other fields untouched)."""
        return [
            {**m, "content": self(m["content"])} if isinstance(m.get("content"), str) else dict(m)
            for m in messages
        ]


def find_pii(text: str | None, kinds: Iterable[str] = KINDS) -> list[str]:
    """The PII kinds present in ``text`` (for validation)."""
    probe = Redactor(tuple(kinds))
    probe(text)
    return sorted(probe.counts)


def redactor(settings: PrivacySettings | None) -> Redactor | None:
    """The redactor the settings ask for, or None when redaction is off."""
    settings = settings or PrivacySettings()
    return Redactor(tuple(settings.kinds)) if settings.redact_pii else None
