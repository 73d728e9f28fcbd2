"""The training hand-off: ``train-on-preference-set``, started by ``badcase.dataset.published``.

It loads the published version, checks its files are what TRL's ``DPOTrainer``
and ``KTOTrainer`` take (conversational ``prompt`` / ``chosen`` / ``rejected``,
and ``prompt`` / ``completion`` / ``label``), logs what it would train on, and
runs the configured training command. Without one it is a dry run. The command
is where a TRL, OpenRLHF or verl job plugs in; ``{path}``, ``{data}``, ``{kto}``
and ``{version}`` in it are replaced by the version's location, its DPO and KTO
Parquet files and its name.

An event or a run parameter only names the version's folder. Everything else comes
from the served configuration (``flows.config.served_config``): the command (never
run through a shell; each value fills one argument), the datasets root the folder
must lie under (symlinks resolved, ``..`` refused), and where a trained model is
announced. The version is the manifest's, and every file's sha256 is checked
against the manifest before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import flow, get_run_logger
from prefect.events import emit_event

from flows.config import LoopConfig, served_config
from tasks.errors import BadcaseError
from tasks.ingest.landing import is_remote
from tasks.publish.publish import DATA_FILE, KTO_FILE
from tasks.publish.store import Store

FLOW_NAME = "train-on-preference-set"
TRAINED_EVENT = "badcase.model.trained"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_VERSION = re.compile(r"^v\d{4,}$")


class UntrustedVersion(BadcaseError):
    """The folder is not a published version under the served datasets root, or its
    files do not match its manifest: nothing is trained."""


@dataclass(frozen=True)
class TrainingSummary:
    """What the hand-off checked and ran."""

    version: str
    pairs: int
    kto_rows: int
    scenes: dict[str, int] = field(default_factory=dict)
    command: list[str] | None = None
    returncode: int | None = None


def _conversational(messages: object) -> bool:
    return (
        isinstance(messages, list)
        and len(messages) > 0
        and all(isinstance(m, dict) and set(m) >= {"role", "content"} for m in messages)
    )


def version_folder(path: str, datasets: str) -> str:
    """``path`` as the location of one version under the ``datasets`` root.

    Raises:
        UntrustedVersion: It is not ``<datasets>/<name>/vNNNN`` (after resolving
            symlinks), or it contains ``..``.
    """
    refuse = UntrustedVersion(
        f"{path} is not a published version under the datasets root {datasets}: refused"
    )
    if ".." in PurePosixPath(path.replace("\\", "/")).parts or is_remote(path) != is_remote(
        datasets
    ):
        raise refuse
    if is_remote(path):
        root = datasets.rstrip("/") + "/"
        parts = path.rstrip("/")[len(root) :].split("/") if path.startswith(root) else []
        where = path.rstrip("/")
    else:
        resolved = Path(path).expanduser().resolve()
        try:
            parts = list(resolved.relative_to(Path(datasets).expanduser().resolve()).parts)
        except ValueError:
            raise refuse from None
        where = str(resolved)
    if len(parts) != 2 or not _NAME.match(parts[0]) or not _VERSION.match(parts[1]):
        raise refuse
    return where


def verified_files(store: Store, manifest: dict) -> dict[str, bytes]:
    """The DPO and KTO files of a version, each checked against the manifest's sha256.

    Every file the manifest lists is checked, not only these two.

    Raises:
        UntrustedVersion: A file is missing, unlisted or altered.
    """
    index = manifest.get("files") or {}
    if DATA_FILE not in index or KTO_FILE not in index:
        raise UntrustedVersion("the manifest does not list the DPO and KTO files: refused")
    files = {}
    for name, expected in index.items():
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or not parts:
            raise UntrustedVersion(f"the manifest lists a file outside the version: {name}")
        data = store.read(store.path(name))
        if data is None or hashlib.sha256(data).hexdigest() != expected.get("sha256"):
            raise UntrustedVersion(
                f"{name} is missing or does not match its sha256 in the manifest: refused"
            )
        files[name] = data
    return files


def training_argv(command: str | list[str], **values: str) -> list[str]:
    """The served command as arguments, each with its ``{placeholders}`` filled in.

    A value fills one argument whatever it holds (spaces, quotes, ``;``): it is never
    split nor given to a shell.
    """
    template = shlex.split(command) if isinstance(command, str) else list(command)
    return [arg.format(**values) for arg in template]


@flow(name=FLOW_NAME, description="Check a published preference set and train on it.")
def train_on_preference_set(
    path: str, version: str | None = None, timeout_s: int = 86_400
) -> TrainingSummary:
    """Verify the version at ``path``, check its format, then run the served command.

    ``path`` (from the ``badcase.dataset.published`` event) must be a version under the
    served datasets root; ``version``, if given, must be the manifest's. The command,
    and ``orchestration.candidate_base_url`` / ``candidate_model`` (announced as
    ``badcase.model.trained`` after a successful command, for
    ``evaluate-candidate/on-trained``), come from the served configuration only.

    Raises:
        BadcaseError: The version is incomplete, altered, outside the datasets root, or
            not in TRL's format.
        subprocess.CalledProcessError: The training command failed.
    """
    logger = get_run_logger()
    config = served_config() or LoopConfig()
    orchestration = config.orchestration
    path = version_folder(path, config.datasets)
    store = Store(path)  # the version folder itself, local or s3://
    data = store.read(store.path("manifest.json"))
    if data is None:
        raise BadcaseError(f"{path} has no manifest.json: not a complete published version")

    manifest = json.loads(data)
    name = manifest.get("version")
    if name != path.rstrip("/").rpartition("/")[2] or (version and version != name):
        raise UntrustedVersion(f"{path}: the manifest says {name}, the event {version}: refused")
    version = name
    files = verified_files(store, manifest)
    dpo = pq.read_table(pa.BufferReader(files[DATA_FILE]))
    kto = pq.read_table(pa.BufferReader(files[KTO_FILE]))
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
    logger.info(
        "%s: %d DPO pairs (%s), %d KTO rows (%d desirable): in TRL's conversational format",
        version,
        dpo.num_rows,
        ", ".join(f"{k} {v}" for k, v in sorted(scenes.items())),
        kto.num_rows,
        sum(kto.column("label").to_pylist()),
    )
    command = orchestration.training_command
    if not command:
        logger.info("dry run: no training command configured; would train on %s", path)
        return TrainingSummary(version, dpo.num_rows, kto.num_rows, scenes)
    argv = training_argv(
        command, path=path, data=f"{path}/{DATA_FILE}", kto=f"{path}/{KTO_FILE}", version=version
    )
    logger.info("running: %s", shlex.join(argv))
    done = subprocess.run(argv, check=True, timeout=timeout_s)  # no shell
    candidate_base_url, candidate_model = (
        orchestration.candidate_base_url,
        orchestration.candidate_model,
    )
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
    return TrainingSummary(version, dpo.num_rows, kto.num_rows, scenes, argv, done.returncode)
