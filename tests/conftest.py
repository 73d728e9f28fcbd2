"""Shared fixtures: real DuckDB, real files in tmp_path, one Prefect test server per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.sample.generate import generate_logs
from tasks.warehouse.db import connect

ROOT = Path(__file__).resolve().parents[1]
# The interface contract's landing sample (7 interactions, 5 events, one malformed
# line) and its check script, carried from the founding design (docs/architecture.md).
CONTRACT = ROOT / "tests" / "data" / "contract"


@pytest.fixture(autouse=True)
def no_real_llm(monkeypatch) -> None:
    """No test talks to a real LLM: tests that want one point these at the loopback server."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BADCASE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A temporary Prefect server (SQLite) for the whole session; started on first use."""
    from prefect.testing.utilities import prefect_test_harness

    timeout = int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
    with prefect_test_harness(server_startup_timeout=timeout):
        yield


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server (moto) for the whole session; tests point AWS_ENDPOINT_URL at it."""
    import logging
    import socket

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, monkeypatch) -> str:
    """A fresh bucket on the local S3 server, with the environment pointing at it."""
    import uuid

    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"lake-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def con():
    """An in-memory warehouse with the tables created."""
    c = connect(":memory:")
    yield c
    c.close()


@pytest.fixture(scope="session")
def corrupt_logs(tmp_path_factory) -> Path:
    """Generated logs with every corruption kind (read-only: copy before changing)."""
    out = tmp_path_factory.mktemp("corrupt") / "landing"
    generate_logs(out, 3000, seed=11, days=2, corrupt_rate=0.05)
    return out


@pytest.fixture(scope="session")
def clean_logs(tmp_path_factory) -> Path:
    """Generated logs without corruption (read-only: copy before changing)."""
    out = tmp_path_factory.mktemp("clean") / "landing"
    generate_logs(out, 2000, seed=5, days=2)
    return out
