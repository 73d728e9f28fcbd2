"""The training hand-off: ``train-on-preference-set``, started by ``badcase.dataset.published``.

It loads the published version, checks its files are what TRL's ``DPOTrainer``
and ``KTOTrainer`` take (conversational ``prompt`` / ``chosen`` / ``rejected``,
and ``prompt`` / ``completion`` / ``label``), logs what it would train on, and
runs the configured training command. Without one it is a dry run. The command
is where a TRL, OpenRLHF or verl job plugs in; ``{path}``, ``{data}``, ``{kto}``
and ``{version}`` in it are replaced by the version's location, its DPO and KTO
Parquet files and its name.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field

import pyarrow.parquet as pq
from prefect import flow, get_run_logger
from prefect.events import emit_event

from tasks.errors import BadcaseError
from tasks.publish.publish import DATA_FILE, KTO_FILE
from tasks.publish.store import Store

FLOW_NAME = "train-on-preference-set"
TRAINED_EVENT = "badcase.model.trained"


@dataclass(frozen=True)
class TrainingSummary:
    """What the hand-off checked and ran."""

    version: str
    pairs: int
    kto_rows: int
    scenes: dict[str, int] = field(default_factory=dict)
    command: str | None = None
    returncode: int | None = None


def _conversational(messages: object) -> bool:
    return (
        isinstance(messages, list)
        and len(messages) > 0
        and all(isinstance(m, dict) and set(m) >= {"role", "content"} for m in messages)
    )


@flow(name=FLOW_NAME, description="Check a published preference set and train on it.")
def train_on_preference_set(
    path: str,
    version: str | None = None,
    command: str | None = None,
    timeout_s: int = 86_400,
    candidate_base_url: str | None = None,
    candidate_model: str | None = None,
) -> TrainingSummary:
    """Load the version at ``path``, check its format, then run ``command`` (dry run if None).

    When the command succeeded and ``candidate_base_url`` / ``candidate_model`` say where
    the trained model is served (``{version}`` filled in), announce it as
    ``badcase.model.trained``: the ``evaluate-candidate/on-trained`` deployment gates it.

    Raises:
        BadcaseError: The version is incomplete or not in TRL's format.
        subprocess.CalledProcessError: The training command failed.
    """
    logger = get_run_logger()
    name = path.rstrip("/").rpartition("/")[2]
    store = Store(path)  # the version folder itself, local or s3://
    if store.read(store.path("manifest.json")) is None:
        raise BadcaseError(f"{path} has no manifest.json: not a complete published version")
    with store.fs.open_input_file(store.path(DATA_FILE)) as f:
        dpo = pq.read_table(f)
    with store.fs.open_input_file(store.path(KTO_FILE)) as f:
        kto = pq.read_table(f)
    if dpo.column_names[:3] != ["prompt", "chosen", "rejected"] or dpo.num_rows == 0:
        raise BadcaseError(f"{path}: the DPO file does not start with prompt, chosen, rejected")
    first = dpo.slice(0, 1).to_pylist()[0]
    if not all(_conversational(first[c]) for c in ("prompt", "chosen", "rejected")):
        raise BadcaseError(f"{path}: prompt/chosen/rejected are not lists of {{role, content}}")
    if kto.column_names != ["prompt", "completion", "label"]:
        raise BadcaseError(f"{path}: the KTO file is not prompt, completion, label")
    scenes: dict[str, int] = {}
    for scene in dpo.column("scene").to_pylist():
        scenes[str(scene)] = scenes.get(str(scene), 0) + 1
    version = version or name
    logger.info(
        "%s: %d DPO pairs (%s), %d KTO rows (%d desirable): in TRL's conversational format",
        version,
        dpo.num_rows,
        ", ".join(f"{k} {v}" for k, v in sorted(scenes.items())),
        kto.num_rows,
        sum(kto.column("label").to_pylist()),
    )
    if not command:
        logger.info("dry run: no training command configured; would train on %s", path)
        return TrainingSummary(version, dpo.num_rows, kto.num_rows, scenes)
    filled = command.format(
        path=path, data=f"{path}/{DATA_FILE}", kto=f"{path}/{KTO_FILE}", version=version
    )
    logger.info("running: %s", filled)
    done = subprocess.run(shlex.split(filled), check=True, timeout=timeout_s)
    if candidate_base_url and candidate_model:
        model = candidate_model.format(version=version)
        emit_event(
            event=TRAINED_EVENT,
            resource={"prefect.resource.id": f"badcase.model.{model}", "badcase.model": model},
            payload={
                "base_url": candidate_base_url,
                "model": model,
                "version": version,
                "path": path,
            },
        )
        logger.info("announced %s at %s for evaluation", model, candidate_base_url)
    return TrainingSummary(version, dpo.num_rows, kto.num_rows, scenes, filled, done.returncode)
