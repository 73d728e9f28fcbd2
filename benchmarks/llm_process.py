"""The loopback OpenAI-compatible server (``tests/llm_server.py``) in its own process,
answering every request after a fixed latency: a real server does not share our GIL."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial


@dataclass
class ServerStats:
    """What the server saw; filled in when the ``with`` block ends."""

    requests: int = 0
    max_in_flight: int = 0


def _at_latency(script: Callable, latency: float, body: dict, n: int):
    reply = script(body, n)
    reply.latency_s = latency
    return reply


def _serve(script: Callable, latency: float, ports, stop) -> None:
    from tests.llm_server import LLMServer

    with LLMServer(partial(_at_latency, script, latency)) as server:
        ports.put(server.base_url)
        stop.wait()
        ports.put((len(server.seen), server.max_in_flight))


@contextmanager
def llm_server_process(script: Callable, latency: float) -> Iterator[tuple[str, ServerStats]]:
    """``with llm_server_process(script, 0.2) as (base_url, stats): ...``; ``script`` is a
    ``tests/llm_server.py`` script (a module-level function)."""
    ports, stop = multiprocessing.Queue(), multiprocessing.Event()
    process = multiprocessing.Process(
        target=_serve, args=(script, latency, ports, stop), daemon=True
    )
    process.start()
    base_url = ports.get(timeout=60)
    stats = ServerStats()
    try:
        yield base_url, stats
    finally:
        stop.set()
        stats.requests, stats.max_in_flight = ports.get(timeout=60)
        process.join(timeout=10)
