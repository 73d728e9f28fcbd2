"""What every LLM judge and rewriter shares: prompt files, data delimiting, reply reading.

An LLM task here is a prompt template file in ``tasks/<stage>/prompts`` (versioned by
content hash), a ``build_messages()``, a ``parse_*()``, a :class:`ReplyFormat` and a
typed result (STYLE.md). Logged text reaches the model as delimited data: JSON strings
with ``<`` and ``>`` escaped, so nothing a user wrote can open or close a tag of the
prompt.

Replies: where the server offers structured outputs (``response_format`` with a JSON
schema; ``llm.structured``), the task asks for a JSON object with the same fields as
its text format; support is detected once per client and a refusal (HTTP 400/422) or
a server that ignores the schema falls back to the text format. Text replies are read
tolerantly but safely: harmless formatting (markdown emphasis, ``N/10``, a code fence
around the reply, prose before or after the blocks, bullets, both fields on one line,
case) is accepted; the verdict still comes only from the model's own final ``<answer>``
block after its evaluation, and prose around it that restates a verdict is rejected. A
malformed reply gets one repair request, then becomes a parse error with the raw output,
never a verdict. Each :class:`Outcome` says which format produced it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

from tasks.files import stage_file_text, stage_files
from tasks.llm.client import LLMCallFailed, LLMClient

T = TypeVar("T")

log = logging.getLogger(__name__)

JSON_SCHEMA = "json_schema"  # Outcome.format of a reply read from a JSON object
TEXT = "text"  # Outcome.format of a reply read from the tagged text format


@cache
def template(name: str) -> str:
    """The text of ``tasks/<stage>/prompts/<name>.md``."""
    return stage_file_text("prompts", ".md", name)


def prompt_names() -> list[str]:
    """Every prompt file shipped in ``tasks/<stage>/prompts`` (for wiring tests)."""
    return list(stage_files("prompts", ".md"))


def prompt_version(name: str, *more: str) -> str:
    """``name@<hash>``: a content hash of the prompt files that say what a task judges or writes.

    The reply format is not part of it: the structured-output request and repair
    (``json_reply``, ``json_repair``) only change how the same answer is encoded, and each
    row records that format (``reply_format``). So judgments and rewrites paid for before
    structured outputs existed stay valid cache entries, and a server that starts or stops
    honouring ``response_format`` costs no repeat calls.
    """
    text = "".join(template(n) for n in (name, *more))
    return f"{name}@" + hashlib.sha256(text.encode()).hexdigest()[:12]


def as_data(value: object) -> str:
    """JSON text with angle brackets escaped: data that cannot form a tag."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def as_turns(conversation: list[dict]) -> list[dict]:
    """Only the role and content of each message (what a judge needs to read)."""
    return [{"role": m.get("role"), "content": m.get("content")} for m in conversation]


class ReplyFormatError(ValueError):
    """A model reply does not follow its format; ``problem`` says how (for the repair)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


_BLOCK = r"<{0}>\s*(.*?)\s*</{0}>"
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)[\w+-]*[ \t]*$", re.M)
_ANY_TAG = re.compile(r"</?[a-z_]+>", re.I)


def block(text: str, tag: str) -> re.Match | None:
    """The first ``<tag>...</tag>`` block in ``text`` (tag names in any case)."""
    return re.search(_BLOCK.format(tag), text, re.S | re.I)


def unfence(text: str) -> str:
    """``text`` without a code fence around all of it (```` ```xml ... ``` ````)."""
    lines = text.strip().splitlines()
    if len(lines) >= 2 and _FENCE_LINE.fullmatch(lines[0]) and _FENCE_LINE.fullmatch(lines[-1]):
        return "\n".join(lines[1:-1])
    return text


def plain(text: str) -> str:
    """Field text without markdown: fence lines, emphasis, inline code and list bullets go."""
    text = _FENCE_LINE.sub("", text)
    text = re.sub(r"\*\*|__|[*`]", "", text)
    return re.sub(r"(?m)^[ \t]*(?:[-+•·]|\d{1,2}[.)])[ \t]+", "", text).strip()


@dataclass(frozen=True)
class Reasoned:
    """The parts of a rubric / eval / answer reply; ``after`` is the prose around the
    final answer block (between the evaluation and it, and after it)."""

    rubric: str
    evaluation: str
    answer: str
    after: str = ""


def split_reasoned(text: str) -> Reasoned:
    """Split a ``<rubric>``, ``<eval>``, ``<answer>`` reply.

    Tolerated: a code fence around the reply, prose before the rubric, tag case, prose
    after the evaluation without tags (each task checks it restates no verdict). Strict:
    only the single ``<answer>`` block after the last ``</eval>`` counts, so an answer
    quoted inside the evaluation is not the model's own.

    Raises:
        ReplyFormatError: With the problem.
    """
    text = unfence(text)
    rubric = block(text, "rubric")
    if not rubric:
        raise ReplyFormatError("no <rubric> block")
    ends = [m.end() for m in re.finditer(r"</eval>", text, re.I)]
    evaluation = block(text[rubric.end() :], "eval")
    if not evaluation or not ends or ends[-1] < rubric.end():
        raise ReplyFormatError("no <eval> block after the rubric")
    tail = text[ends[-1] :]
    answers = list(re.finditer(_BLOCK.format("answer"), tail, re.S | re.I))
    if len(answers) != 1:
        raise ReplyFormatError(f"{len(answers)} <answer> blocks after the evaluation, need 1")
    after = tail[: answers[0].start()] + "\n" + tail[answers[0].end() :]
    if _ANY_TAG.search(after):
        raise ReplyFormatError("text after the <answer> block has tags")
    return Reasoned(
        rubric.group(1).strip(),
        evaluation.group(1).strip(),
        answers[0].group(1).strip(),
        _FENCE_LINE.sub("", after).strip(),
    )


def check_prose(after: str, restates: re.Pattern, where: str = "the <answer> block") -> None:
    """Reject prose outside the answer that could be read as a verdict of its own.

    Raises:
        ReplyFormatError: ``after`` matches ``restates``.
    """
    found = restates.search(after)
    if found:
        raise ReplyFormatError(f"text after {where} gives a verdict ({found.group(0)!r})")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ReplyFormatError(f"the JSON object repeats {', '.join(dupes)}")
    return dict(pairs)


def json_fields(text: str, fields: tuple[str, ...]) -> dict:
    """The JSON object a structured reply is: exactly one object (a code fence around it
    is tolerated), no repeated keys, every field present and in order, extra keys ignored.

    Raises:
        ReplyFormatError: With the problem.
    """
    try:
        value = json.loads(unfence(text), object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ReplyFormatError(f"not a JSON object ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ReplyFormatError("not a JSON object")
    missing = [f for f in fields if f not in value]
    if missing:
        raise ReplyFormatError(f"the JSON object lacks {', '.join(missing)}")
    order = [k for k in value if k in fields]
    if order != list(fields):
        raise ReplyFormatError(f"the JSON fields are not in the order {', '.join(fields)}")
    return value


def json_string(value: dict, name: str, *, required: bool = False) -> str:
    """A string field of a JSON reply.

    Raises:
        ReplyFormatError: Not a string, or empty when ``required``.
    """
    field_value = value[name]
    if not isinstance(field_value, str):
        raise ReplyFormatError(f"the JSON field {name} is not a string")
    if required and not field_value.strip():
        raise ReplyFormatError(f"the JSON field {name} is empty")
    return field_value.strip()


def _looks_like_json(text: str) -> bool:
    return unfence(text).lstrip().startswith("{")


@dataclass(frozen=True)
class ReplyFormat(Generic[T]):
    """How a task's reply is asked for and read, as text and as a JSON object."""

    name: str  # the JSON schema's name
    properties: dict[str, dict]  # JSON schema properties, in the order they must come
    parse_text: Callable[[str], T]  # raises ReplyFormatError
    parse_json: Callable[[dict], T]  # from the fields of the object; raises ReplyFormatError
    answer_format: str  # what the text <answer> must hold, for the repair request
    repair_template: str = "format_repair"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.properties)

    def response_format(self) -> dict:
        """The ``response_format`` of a structured request (OpenAI strict JSON schema; vLLM
        and Ollama's OpenAI endpoints take the same)."""
        schema = {
            "type": "object",
            "properties": self.properties,
            "required": list(self.properties),
            "additionalProperties": False,
        }
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "strict": True, "schema": schema},
        }

    def read(self, text: str, structured: bool) -> tuple[T, str]:
        """The result and the format that produced it; a structured request whose reply is
        text (a server that ignores the schema) is read as text.

        Raises:
            ReplyFormatError: With the problem of the format the reply looks like.
        """
        if structured and _looks_like_json(text):
            return self.parse_json(json_fields(text, self.fields)), JSON_SCHEMA
        return self.parse_text(text), TEXT


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A parsed result, or the reason there is none, with the raw output kept either way;
    ``format`` is what was read (``json_schema`` or ``text``), or asked for on an error."""

    result: T | None
    raw: str
    error: str | None
    calls: int
    format: str = TEXT


def _as_structured(messages: list[dict], reply: ReplyFormat) -> list[dict]:
    note = template("json_reply").format(fields=", ".join(reply.fields))
    last = messages[-1]
    return [*messages[:-1], {**last, "content": f"{last['content']}\n\n{note}"}]


async def _first_reply(llm: LLMClient, messages: list[dict], reply: ReplyFormat) -> tuple:
    """The first reply and whether it was asked for as JSON. While the client does not
    know yet whether the server honours structured outputs, one request at a time asks
    (the others wait for its answer): a 400/422 means no, a text reply means it is ignored."""
    if llm.structured is None:
        async with llm.structured_probe:
            if llm.structured is None:
                try:
                    done = await llm.complete(
                        _as_structured(messages, reply), response_format=reply.response_format()
                    )
                except LLMCallFailed as exc:
                    if exc.reason != "bad_request":
                        raise
                    llm.structured = False
                    log.info("structured outputs refused (%s); using the text format", exc)
                    return await llm.complete(messages), False
                llm.structured = _looks_like_json(done.text)
                if not llm.structured:
                    log.info("structured outputs ignored by the server; using the text format")
                return done, True
    if llm.structured:
        structured = _as_structured(messages, reply)
        return await llm.complete(structured, response_format=reply.response_format()), True
    return await llm.complete(messages), False


async def ask_with_repair(
    llm: LLMClient, messages: list[dict], reply: ReplyFormat[T]
) -> Outcome[T]:
    """Ask; if the reply does not parse, ask once more with the problem, then give up.

    Structured outputs are asked for where the client's server honours them (see
    :func:`_first_reply`); the repair request follows what the client knows by then.
    LLM call failures (after their retries) and budget exhaustion propagate: the
    stage records them per item or stops.

    Args:
        llm: An open client.
        messages: The request (in the text format).
        reply: The task's reply format.
    """
    first, asked_json = await _first_reply(llm, messages, reply)
    try:
        result, read_as = reply.read(first.text, asked_json)
        return Outcome(result, first.text, None, 1, read_as)
    except ReplyFormatError as exc:
        problem = exc.problem
    if llm.structured:
        note = template("json_repair").format(problem=problem, fields=", ".join(reply.fields))
        request = _as_structured(messages, reply)
        extra = {"response_format": reply.response_format()}
    else:
        note = template(reply.repair_template).format(
            problem=problem, answer_format=reply.answer_format
        )
        request, extra = messages, {}
    repair = [
        *request,
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": note},
    ]
    second = await llm.complete(repair, **extra)
    asked = JSON_SCHEMA if llm.structured else TEXT
    try:
        result, read_as = reply.read(second.text, bool(llm.structured))
        return Outcome(result, second.text, None, 2, read_as)
    except ReplyFormatError as exc:
        raw = first.text + "\n---- repair ----\n" + second.text
        return Outcome(None, raw, f"parse_error: {exc.problem}", 2, asked)
