"""The LLM client layer: any OpenAI-compatible server through the ``openai`` package.

Configuration comes from :class:`LLMSettings`, falling back to the environment
variables of DESIGN.md (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``BADCASE_LLM_MODEL``), so OpenAI, vLLM, Ollama or any compatible server works.
Without an API key there is no LLM and the loop runs offline.

:class:`LLMClient` bounds concurrency, retries 429/5xx/timeouts/connection
errors with exponential backoff and jitter (honouring ``Retry-After``), keeps a
short per-call timeout, enforces a per-run budget of requests and tokens, and
records token usage. The ``openai`` client's own retries are off so these rules
are the only ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

import openai
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from tasks.publish.redact import Redactor

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_MODEL = "gpt-4o-mini"


class LLMError(Exception):
    """Base class of LLM call failures."""


class LLMCallFailed(LLMError):
    """A call failed for good (after its retries, or at once when retrying cannot help).

    ``reason`` is a stable label: rate_limited, server_error, timeout,
    connection_error, bad_request, auth_error, empty_answer.
    """

    def __init__(self, reason: str, detail: str, attempts: int) -> None:
        super().__init__(f"{reason} after {attempts} attempt(s): {detail}")
        self.reason = reason
        self.detail = detail
        self.attempts = attempts


class BudgetExhausted(LLMError):
    """The run's LLM budget is spent: the stage stops cleanly and says so."""


class EndpointSettings(BaseModel):
    """One OpenAI-compatible endpoint: where, which model, whose key, and how hard to use it.

    The judge and rewriter (:class:`LLMSettings`), a candidate model and the
    policy of the RL prompt sets (``CandidateSettings``) are all endpoints; their
    keys are found by one function, :func:`resolve_endpoint`. A kind of endpoint
    says, in class variables, where to look when a field is unset.
    """

    model_config = ConfigDict(extra="forbid")

    base_url_env: ClassVar[str | None] = None
    """Environment variable with the base URL when ``base_url`` is unset."""
    model_env: ClassVar[str | None] = None
    """Environment variable with the model name when ``model`` is unset."""
    default_model: ClassVar[str | None] = None
    """The model when neither ``model`` nor ``model_env`` names one."""
    key_required: ClassVar[bool] = True
    """Without a key there is no endpoint (offline); else ``EMPTY`` is sent, as local
    servers expect."""

    base_url: str | None = Field(None, description="OpenAI-compatible base URL.")
    model: str | None = Field(None, description="Model name.")
    api_key_env: str = Field(
        "OPENAI_API_KEY",
        description="Environment variable holding the API key (keys never go in config files).",
    )
    concurrency: int = Field(8, ge=1, description="Requests in flight at once.")
    timeout_s: float = Field(30.0, gt=0, description="Per-request timeout.")
    max_retries: int = Field(4, ge=0, description="Retries of one call on 429/5xx/timeouts.")
    backoff_base_s: float = Field(0.5, ge=0, description="First retry delay (doubles each time).")
    backoff_max_s: float = Field(20.0, ge=0, description="Longest delay between retries.")
    max_requests: int | None = Field(
        20_000, ge=1, description="Per-run budget of HTTP requests (retries included)."
    )
    max_tokens: int | None = Field(
        20_000_000, ge=1, description="Per-run budget of prompt + completion tokens."
    )
    daily_max_requests: int | None = Field(
        100_000,
        ge=1,
        description="Ceiling of HTTP requests to this endpoint over the last 24 hours, all "
        "runs together (kept in the warehouse's llm_spend table). None: no ceiling.",
    )
    daily_max_tokens: int | None = Field(
        100_000_000,
        ge=1,
        description="Ceiling of tokens to this endpoint over the last 24 hours, all runs "
        "together; estimated (4 characters a token) when the server omits usage.",
    )
    temperature: float = Field(0.0, ge=0, le=2)
    max_output_tokens: int = Field(1024, ge=1)
    structured: Literal["auto", "json_schema", "off"] = Field(
        "auto",
        description="Structured outputs (response_format json_schema) for judges and the "
        "rewriter: auto asks once per client and falls back to the text format when the "
        "server refuses or ignores it; json_schema always asks (a refusal is a call failure); "
        "off uses the text format only.",
    )


class LLMSettings(EndpointSettings):
    """Which server and model judge and rewrite, and how hard to use them."""

    base_url_env: ClassVar[str | None] = "OPENAI_BASE_URL"
    model_env: ClassVar[str | None] = "BADCASE_LLM_MODEL"
    default_model: ClassVar[str | None] = DEFAULT_MODEL

    base_url: str | None = Field(
        None, description="OpenAI-compatible base URL; default: $OPENAI_BASE_URL, else OpenAI."
    )
    model: str | None = Field(None, description="Model name; default: $BADCASE_LLM_MODEL.")


@dataclass(frozen=True)
class LLMTarget:
    """A resolved server, model and key."""

    base_url: str | None
    model: str
    api_key: str = field(repr=False)


def resolve_endpoint(
    settings: EndpointSettings, environ: Mapping[str, str] | None = None
) -> LLMTarget | None:
    """The endpoint to call, or None when it needs a key and none is set (offline).

    Settings win over the environment; the environment over the defaults.
    """
    env = os.environ if environ is None else environ
    key = env.get(settings.api_key_env, "").strip()
    if not key and settings.key_required:
        return None
    base_url = settings.base_url or _env(env, settings.base_url_env)
    model = settings.model or _env(env, settings.model_env) or settings.default_model
    if not model:
        return None
    return LLMTarget(base_url=base_url, model=model, api_key=key or "EMPTY")


def _env(env: Mapping[str, str], name: str | None) -> str | None:
    return (env.get(name) or None) if name else None


def resolve_llm(
    settings: LLMSettings, environ: Mapping[str, str] | None = None
) -> LLMTarget | None:
    """The judge and rewriter's LLM, or None when no API key is set (the loop runs offline).

    :func:`resolve_endpoint` under the name the LLM stages use.
    """
    return resolve_endpoint(settings, environ)


@dataclass
class LLMUsage:
    """What a client spent: requests (retries included), outcomes and tokens."""

    requests: int = 0
    completions: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_tokens: int = 0  # of the above, estimated where the server sent no usage

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    """One model answer."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    seconds: float


_RETRYABLE = {
    openai.RateLimitError: "rate_limited",
    openai.InternalServerError: "server_error",
    openai.APITimeoutError: "timeout",
    openai.APIConnectionError: "connection_error",
}


class LLMClient:
    """``async with LLMClient(target, settings) as llm: await llm.complete(messages)``."""

    def __init__(
        self,
        target: LLMTarget,
        settings: EndpointSettings | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        """Args:
        target: The server, model and key.
        settings: Concurrency, retries, timeout and budget.
        redactor: Applied to every message before it leaves the process (PII).
        """
        self.target = target
        self.settings = settings or LLMSettings()
        self.redactor = redactor
        self.usage = LLMUsage()
        # (requests, tokens) spent on this endpoint in the last 24 h before this client,
        # by every run (tasks.llm.spend.load_spend); checked against the daily ceiling
        self.spent_before: tuple[int, int] = (0, 0)
        self._client: openai.AsyncOpenAI | None = None
        self._gate: asyncio.Semaphore | None = None
        self._jitter = random.Random()
        # Whether the server honours response_format json_schema: None until the first
        # structured request tells (settings.structured "auto"); see tasks.llm.prompting.
        self.structured: bool | None = {"auto": None, "json_schema": True, "off": False}[
            self.settings.structured
        ]
        self.structured_probe = asyncio.Lock()

    def scrub(self, value: T) -> T:
        """``value`` with PII redacted when the client redacts: tasks call it on the raw
        data they embed in a prompt, before escaping it (see :mod:`tasks.publish.redact`)."""
        return value if self.redactor is None else self.redactor.data(value)

    async def __aenter__(self) -> LLMClient:
        self._client = openai.AsyncOpenAI(
            api_key=self.target.api_key,
            base_url=self.target.base_url,
            timeout=self.settings.timeout_s,
            max_retries=0,
        )
        self._gate = asyncio.Semaphore(self.settings.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.close()

    def _check_budget(self) -> None:
        """Raise BudgetExhausted when requests or tokens are spent (in-flight calls may
        overshoot the token budget by what they bring back)."""
        s, u = self.settings, self.usage
        if s.max_requests is not None and u.requests >= s.max_requests:
            raise BudgetExhausted(f"LLM request budget of {s.max_requests} is spent")
        if s.max_tokens is not None and u.tokens >= s.max_tokens:
            raise BudgetExhausted(f"LLM token budget of {s.max_tokens} is spent")
        requests, tokens = self.spent_before
        if s.daily_max_requests is not None and requests + u.requests >= s.daily_max_requests:
            raise BudgetExhausted(
                f"the 24-hour ceiling of {s.daily_max_requests} requests to {self.endpoint} "
                "is reached"
            )
        if s.daily_max_tokens is not None and tokens + u.tokens >= s.daily_max_tokens:
            raise BudgetExhausted(
                f"the 24-hour ceiling of {s.daily_max_tokens} tokens to {self.endpoint} is reached"
            )

    @property
    def endpoint(self) -> str:
        """The endpoint's name in the spend ledger: base URL and model."""
        return f"{self.target.base_url or 'default'}#{self.target.model}"

    def _delay(self, attempt: int, exc: Exception) -> float:
        retry_after = _retry_after_s(exc)
        if retry_after is not None:
            return min(retry_after, max(self.settings.backoff_max_s, 1.0) * 3)
        cap = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2**attempt)
        return self._jitter.uniform(cap / 2, cap)  # "equal jitter": spread, never near zero

    async def complete(
        self,
        messages: list[dict],
        *,
        max_tokens: int | None = None,
        response_format: dict | None = None,
    ) -> Completion:
        """One chat completion, with retries; raises LLMCallFailed or BudgetExhausted.

        ``response_format`` is sent as given (e.g. a json_schema); a server that refuses
        it answers 400, which is a ``bad_request`` failure.
        """
        assert self._client is not None and self._gate is not None, "use 'async with'"
        if self.redactor is not None:
            messages = self.redactor.messages(messages)
        start = time.monotonic()
        attempt = 0
        while True:
            try:
                async with self._gate:
                    # Checked once the request may go out: calls queued behind the gate
                    # see what the ones before them spent.
                    self._check_budget()
                    self.usage.requests += 1
                    response = await self._client.chat.completions.create(
                        model=self.target.model,
                        messages=messages,
                        temperature=self.settings.temperature,
                        max_tokens=max_tokens or self.settings.max_output_tokens,
                        response_format=openai.omit if response_format is None else response_format,
                    )
            except tuple(_RETRYABLE) as exc:
                reason = next(r for cls, r in _RETRYABLE.items() if isinstance(exc, cls))
                if attempt >= self.settings.max_retries:
                    self.usage.failures += 1
                    raise LLMCallFailed(reason, str(exc)[:300], attempt + 1) from exc
                delay = self._delay(attempt, exc)
                log.debug("LLM %s, retry %d in %.2fs", reason, attempt + 1, delay)
                self.usage.retries += 1
                attempt += 1
                await asyncio.sleep(delay)
                continue
            except openai.APIStatusError as exc:  # 4xx other than 429: retrying cannot help
                self.usage.failures += 1
                reason = "auth_error" if exc.status_code in (401, 403) else "bad_request"
                raise LLMCallFailed(reason, str(exc)[:300], attempt + 1) from exc
            usage = response.usage
            text = response.choices[0].message.content if response.choices else None
            if usage is not None:
                prompt, completion = usage.prompt_tokens or 0, usage.completion_tokens or 0
            else:  # the server said nothing: estimate, so budgets and ceilings still count
                prompt = estimate_tokens(json.dumps(messages, ensure_ascii=False))
                completion = estimate_tokens(text or "")
                self.usage.estimated_tokens += prompt + completion
            self.usage.prompt_tokens += prompt
            self.usage.completion_tokens += completion
            if text is None:
                self.usage.failures += 1
                raise LLMCallFailed(
                    "empty_answer", "the response had no message content", attempt + 1
                )
            self.usage.completions += 1
            return Completion(text, prompt, completion, attempt + 1, time.monotonic() - start)


def estimate_tokens(text: str) -> int:
    """A rough token count: one per 4 characters, as OpenAI's rule of thumb for English
    (https://help.openai.com/en/articles/4936856); at least 1 for any text."""
    return (len(text) + 3) // 4 if text else 0


def _retry_after_s(exc: Exception) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if any."""
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
