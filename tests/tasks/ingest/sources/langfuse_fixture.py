"""A langfuse-export root built from the documented blob-storage export schema.

Field names and formats follow Langfuse's "Blob Storage Export Field Reference"
(langfuse-docs, 2026): enriched ``observations_v2/`` rows carrying their trace's
``user_id``/``session_id``, ``scores/`` rows, timestamps ``YYYY-MM-DD
HH:MM:SS.ffffff`` in UTC, ``input``/``output`` as JSON text; or the legacy
``traces/`` + ``observations/`` pair.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.tasks.ingest.sources.openai_fixture import SCRIPT, T0, conversations
from tests.tasks.ingest.sources.otel_fixture import SYSTEM


def _ts(seconds: float) -> str:
    return (datetime.fromtimestamp(T0, UTC) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%d %H:%M:%S.%f"
    )


def _rows() -> tuple[list[dict], list[dict]]:
    """(observation rows, trace rows) of the shared conversations."""
    observations, traces, n = [], [], 0
    for conv, user, turns in conversations():
        messages = [{"role": "system", "content": SYSTEM}]
        for question, answer in turns:
            iid, offset, _, _ = SCRIPT[n]
            n += 1
            messages.append({"role": "user", "content": question})
            trace = {"id": f"trace-{iid}", "user_id": user, "session_id": conv, "name": "visa-chat"}
            traces.append({**trace, "timestamp": _ts(offset), "metadata": {}})
            common = {
                "trace_id": trace["id"],
                "project_id": "p1",
                "environment": "production",
                "user_id": user,
                "session_id": conv or "",
                "trace_name": "visa-chat",
                "tags": [],
            }
            observations.append(
                {
                    **common,
                    "id": f"span-{iid}",
                    "type": "SPAN",
                    "name": "handle-message",
                    "parent_observation_id": "",
                    "start_time": _ts(offset),
                    "end_time": _ts(offset + 1),
                    "input": question,
                    "output": answer,
                }
            )
            observations.append(
                {
                    **common,
                    "id": iid,
                    "type": "GENERATION",
                    "name": "OpenAI-generation",
                    "parent_observation_id": f"span-{iid}",
                    "start_time": _ts(offset),
                    "end_time": _ts(offset + 0.012),
                    "metadata": {"scene": "visa"},
                    "input": json.dumps(messages),
                    "output": json.dumps({"role": "assistant", "content": answer}),
                    "provided_model_name": "m1",
                    "model_parameters": "{}",
                    "usage_details": {"input": 10, "output": 5, "total": 15},
                    "latency": 0.012,
                }
            )
            messages.append({"role": "assistant", "content": answer})
    return observations, traces


SCORES = [
    # a thumbs-down from the app on the generation, as a boolean score
    {
        "id": "s1",
        "name": "user-feedback",
        "data_type": "BOOLEAN",
        "value": 0,
        "observation_id": "chatcmpl-a1",
        "trace_id": "trace-chatcmpl-a1",
        "source": "API",
    },
    # a trace-level 1-star rating: lands on the trace's generation
    {
        "id": "s2",
        "name": "rating",
        "data_type": "NUMERIC",
        "value": 1,
        "observation_id": None,
        "trace_id": "trace-chatcmpl-b0",
        "source": "ANNOTATION",
    },
    # a categorical thumbs
    {
        "id": "s3",
        "name": "user-feedback",
        "data_type": "CATEGORICAL",
        "value": 0,
        "string_value": "positive",
        "observation_id": "chatcmpl-c0",
        "trace_id": "trace-chatcmpl-c0",
        "source": "API",
    },
    # an LLM-as-judge score nobody mapped: skipped
    {
        "id": "s4",
        "name": "helpfulness",
        "data_type": "NUMERIC",
        "value": 0.2,
        "observation_id": "chatcmpl-c1",
        "trace_id": "trace-chatcmpl-c1",
        "source": "EVAL",
    },
    # a rating out of range: quarantined
    {
        "id": "s5",
        "name": "rating",
        "data_type": "NUMERIC",
        "value": 7,
        "observation_id": "chatcmpl-c1",
        "trace_id": "trace-chatcmpl-c1",
        "source": "API",
    },
]


def write_langfuse(root: Path, legacy: bool = False) -> Path:
    """Write an export of the shared conversations (plus a broken row) under ``root``."""
    observations, traces = _rows()
    window = "2026/11/01"

    def write(table: str, rows: list, extra: str = "") -> None:
        path = root / table / window / "0800.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra)

    if legacy:
        trace_fields = ("user_id", "session_id", "trace_name", "tags")
        write(
            "observations",
            [{k: v for k, v in o.items() if k not in trace_fields} for o in observations],
        )
        write("traces", traces)
    else:
        write("observations_v2", observations, '{"id": "broken", "type": "GENERA\n')
    scores = [{**s, "timestamp": _ts(600), "project_id": "p1", "comment": None} for s in SCORES]
    write("scores", scores)
    return root
