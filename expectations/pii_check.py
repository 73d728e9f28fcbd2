"""An independent PII check for the suites' ``no PII`` expectation.

The published sets are redacted by :mod:`tasks.publish.redact`; checking them with the
same patterns could never find what those patterns miss. This check shares none of its
code and works differently: it takes every run of digits whatever separates them
(spaces, dots, dashes, slashes, brackets; not one inside a token of letters and digits
such as a hex digest) and judges the digits alone (Luhn for cards,
the check digit of a Chinese id, nine or more digits for phones and other ids), takes
whitespace-separated tokens and asks :mod:`ipaddress` whether they are addresses, looks
for an ``@`` between a name and a domain, for well-known secret prefixes, and for IBANs
by their mod-97 checksum. It errs towards flagging: a false alarm quarantines a set for
a person to look at, a miss publishes PII.
"""

from __future__ import annotations

import ipaddress
import re

_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}:\d{2}(?::\d{2})?"
)
# A run inside a letters-and-digits token (a hex digest, a UUID, a commit id) is an
# identifier of a thing, not of a person: the run must not touch a Latin letter.
_DIGIT_RUN = re.compile(r"(?<![A-Za-z])\d(?:[\s./()+-]{0,3}\d)+(?![A-Za-z])")
# Hex identifiers (digests, UUIDs, commit ids: at least one letter a-f among the hex
# digits) name things, not people; they are taken out before digit runs are judged.
_HEX_ID = re.compile(r"\b(?=[0-9a-fA-F-]*[a-fA-F])[0-9a-fA-F]{8,}(?:-[0-9a-fA-F]{4,})*\b")
_AT = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+\.[A-Za-z]{2,}")
_SECRET = re.compile(
    r"(?:sk-|sk_live_|sk_test_|rk_live_|hf_|AKIA|ASIA|gh[pousr]_|xox[abprs]-|AIza|eyJ)"
    r"[A-Za-z0-9_-]{12,}|PRIVATE KEY-----|(?i:bearer)\s+\S{20,}"
)
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}")
_TOKEN_EDGE = "\"'`()[]{}<>,;.!?，。：；（）"


def _luhn(digits: str) -> bool:
    checksum = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        checksum += n - 9 if n > 9 else n
    return checksum % 10 == 0


def _digits_look_personal(digits: str) -> bool:
    if 13 <= len(digits) <= 19 and _luhn(digits):
        return True  # a payment card
    return 9 <= len(digits) <= 18  # a phone, an SSN, a resident id, an account number


def _iban(text: str) -> bool:
    for m in _IBAN.finditer(text):
        compact = re.sub(r"\s", "", m.group(0))
        for end in range(len(compact), 14, -1):
            value = compact[4:end] + compact[:4]
            if int("".join(str(int(c, 36)) for c in value)) % 97 == 1:
                return True
    return False


def _address(token: str) -> bool:
    token = token.strip(_TOKEN_EDGE)
    if token.count(".") != 3 and token.count(":") < 2:
        return False
    try:
        ip = ipaddress.ip_address(token)
    except ValueError:
        return False
    return ip.version == 4 or sum(1 for g in token.split(":") if g) >= 3


def has_pii(text: str | None) -> bool:
    """Whether ``text`` still holds something that looks like personal data or a secret."""
    if not text:
        return False
    if _AT.search(text) or _SECRET.search(text) or _iban(text):
        return True
    rest = _HEX_ID.sub(" ", _DATE_TIME.sub(" ", text))
    if any(_digits_look_personal(re.sub(r"\D", "", m.group(0))) for m in _DIGIT_RUN.finditer(rest)):
        return True
    return any(_address(token) for token in re.split(r"[\s\u3000-\u303f\uff00-\uffef]+", text))
