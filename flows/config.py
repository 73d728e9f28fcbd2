"""The loop's one configuration model: validated at the edge, shown as a form in Prefect.

A config file is TOML with the same keys (docs/configuration.md, generated from these
models by flows/configdoc.py); command line flags override it. Relative paths are
taken from the working directory.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import posixpath
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from expectations.suites import ValidationSettings
from tasks.audit.audit import EvidenceSettings
from tasks.errors import ConfigError
from tasks.evaluate.candidate import GateSettings
from tasks.evaluate.rlprompts import RLSettings
from tasks.ingest.ingest import IngestSettings
from tasks.ingest.sources.config import SourceConfig
from tasks.judge.calibration import CalibrationSettings
from tasks.judge.llm_judge import JudgeSettings
from tasks.llm.client import LLMSettings
from tasks.mine.mine import MiningSettings
from tasks.mine.rules import RuleSettings
from tasks.mine.signals import SignalSettings
from tasks.monitor.trends import TrendSettings
from tasks.publish.build import BuildSettings
from tasks.publish.compose import ComposeSettings
from tasks.publish.redact import PrivacySettings
from tasks.repair.rewrite import RewriteSettings
from tasks.repair.route import RoutingSettings


class DuckDBSettings(BaseModel):
    """Resources the warehouse may use."""

    model_config = ConfigDict(extra="forbid")

    memory_limit: str | None = Field(
        default=None, description="DuckDB memory_limit, e.g. '2GB' (DuckDB's default: 80% of RAM)."
    )
    threads: int | None = Field(default=None, ge=1, description="DuckDB threads (default: cores).")


class OrchestrationSettings(BaseModel):
    """How the loop is run: schedule, watcher, training hand-off, where LLM stages execute."""

    model_config = ConfigDict(extra="forbid")

    cron: str = Field("0 2 * * *", description="When the nightly run starts (cron).")
    timezone: str = Field("UTC", description="Time zone of the cron schedule (IANA name).")
    watch_interval_s: int = Field(
        300, ge=10, description="How often watch-landing looks for new log files."
    )
    run_wait_s: float = Field(
        3600, ge=0, description="How long a served run waits for another run on the warehouse."
    )
    training_command: str | list[str] | None = Field(
        None,
        description="Run by train-on-preference-set (never through a shell): a list of "
        "arguments, or a string split like a shell would; {path}, {data}, {kto}, {version} "
        "are filled in inside each argument. Only the served configuration sets it, never a "
        "run or an event. None: a dry run that checks the set and logs what it would train on.",
    )
    candidate_base_url: str | None = Field(
        None,
        description="Where the model trained on a new version is served (OpenAI-compatible); "
        "set it, and candidate_model, to have train-on-preference-set announce "
        "badcase.model.trained and evaluate-candidate gate it.",
    )
    candidate_model: str | None = Field(
        None, description="The trained model's name; {version} is filled in."
    )
    candidate_endpoints: list[str] = Field(
        default_factory=list,
        description="Base URLs evaluate-candidate may send the eval set and the candidate key "
        "to, besides candidate_base_url. A base URL from an event or a run parameter that is "
        "not listed is refused before any request.",
    )
    candidate_models: list[str] = Field(
        default_factory=list,
        description="Model names evaluate-candidate may ask for (shell-style patterns, "
        "e.g. 'policy-v*'), besides candidate_model (its {version} matches any).",
    )

    def candidate_refusal(self, base_url: str, model: str) -> str | None:
        """Why a served evaluate-candidate run may not use this endpoint, or None."""
        urls = {u.rstrip("/") for u in [*self.candidate_endpoints, self.candidate_base_url] if u}
        models = [*self.candidate_models]
        if self.candidate_model:
            models.append(self.candidate_model.replace("{version}", "*"))
        if base_url.rstrip("/") not in urls:
            return (
                f"candidate endpoint {base_url} is not allowed: list it in "
                "[orchestration] candidate_endpoints of the served configuration"
            )
        if not any(fnmatch.fnmatchcase(model, pattern) for pattern in models):
            return (
                f"candidate model {model} is not allowed: list it in "
                "[orchestration] candidate_models of the served configuration"
            )
        return None

    task_runner: Literal["local", "dask"] = Field(
        "local",
        description="Where the LLM-bound stages (judge-with-llm, rewrite-bad-cases) run: in "
        "the flow's process, or on a Dask cluster through prefect-dask "
        "(pip install 'badcase-loop[dask]').",
    )
    dask_address: str | None = Field(
        None,
        description="Scheduler of an existing Dask cluster (tcp://host:8786). None: a local "
        "cluster is started for the run and stopped after it.",
    )
    dask_workers: int = Field(
        2, ge=1, description="Worker processes of the local cluster (when no address is given)."
    )


class LoopConfig(BaseModel):
    """Everything one run of the bad-case loop needs."""

    model_config = ConfigDict(extra="forbid")

    landing: str = Field(
        default=".badcase/landing",
        description="Landing root: <landing>/interactions/dt=YYYY-MM-DD/ and <landing>/events/...",
    )
    warehouse: str = Field(
        default=".badcase/warehouse.duckdb", description="The DuckDB warehouse file."
    )
    datasets: str = Field(default=".badcase/datasets", description="Root of published datasets.")
    dataset_name: str = Field(
        default="badcase-preferences",
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="Name of the published preference set (datasets/<name>/vNNNN/).",
    )
    lock_wait_s: float = Field(
        0.0,
        ge=0,
        description="How long a run waits for another run on the same warehouse to finish.",
    )
    evalsets: str | None = Field(
        default=None,
        description="Root of the regression eval sets (evalsets/<name>/vNNNN/); default: "
        "evalsets/ beside the datasets root.",
    )
    duckdb: DuckDBSettings = DuckDBSettings()
    ingest: IngestSettings = IngestSettings()
    sources: list[SourceConfig] = Field(
        default_factory=list,
        description="Other landing roots in formats teams already write ([[sources]]: kind, "
        "root, fields, feedback), read beside the native landing root (docs/sources.md).",
    )
    signals: SignalSettings = SignalSettings()
    rules: RuleSettings = RuleSettings()
    mining: MiningSettings = MiningSettings()
    evidence: EvidenceSettings = EvidenceSettings()
    llm: LLMSettings = LLMSettings()
    judge: JudgeSettings = JudgeSettings()
    calibration: CalibrationSettings = CalibrationSettings()
    routing: RoutingSettings = RoutingSettings()
    rewrite: RewriteSettings = RewriteSettings()
    privacy: PrivacySettings = PrivacySettings()
    build: BuildSettings = BuildSettings()
    compose: ComposeSettings = ComposeSettings()
    validation: ValidationSettings = ValidationSettings()
    orchestration: OrchestrationSettings = OrchestrationSettings()
    gate: GateSettings = GateSettings()
    trends: TrendSettings = TrendSettings()
    rl: RLSettings = RLSettings()

    def beside_datasets(self, folder: str) -> str:
        """``<parent of datasets>/<folder>``: where evalsets/, rlsets/ and trends/ default to."""
        root = self.datasets.rstrip("/")
        scheme, _, rest = root.rpartition("://")
        if scheme and "/" not in rest:  # s3://bucket: beside it is inside it
            return f"{root}/{folder}"
        return f"{posixpath.dirname(root) or '.'}/{folder}"

    @property
    def evalsets_root(self) -> str:
        return self.evalsets or self.beside_datasets("evalsets")

    @property
    def trends_root(self) -> str:
        return self.trends.root or self.beside_datasets("trends")

    @property
    def rlsets_root(self) -> str:
        return self.rl.root or self.beside_datasets("rlsets")

    def evaluate_config(self, candidate: dict | None = None) -> dict:
        """The ``evaluate-candidate`` flow's config drawn from this one (as plain data)."""
        return {
            "candidate": candidate,
            "warehouse": self.warehouse,
            "evalsets": self.evalsets_root,
            "evalset": self.dataset_name,
            "llm": self.llm.model_dump(mode="json"),
            "gate": self.gate.model_dump(mode="json"),
            "lock_wait_s": max(self.lock_wait_s, self.orchestration.run_wait_s),
        }

    @model_validator(mode="after")
    def _source_names_differ(self) -> LoopConfig:
        labels = [source.label for source in self.sources]
        if len(labels) != len(set(labels)):
            raise ValueError("two [[sources]] share a name: give each a distinct name")
        return self

    def config_hash(self) -> str:
        """A short, stable hash of every setting (recorded with each run)."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


SERVED_CONFIG_ENV = "BADCASE_SERVED_CONFIG"
"""The served configuration as JSON: set by ``badcase-loop serve`` for the runs it starts."""
CONFIG_FILE_ENV = "BADCASE_CONFIG"
"""A TOML config file: the served configuration of a Prefect worker (deployments/prefect.yaml)."""

# What a run started through the Prefect API may not change: where data is read and
# written, where prompts and keys go, which key is sent, and what is executed.
PINNED = (
    "landing",
    "warehouse",
    "datasets",
    "evalsets",
    "sources",
    "llm.base_url",
    "llm.api_key_env",
    "orchestration",
    "rl.policy_base_url",
    "rl.root",
    "trends.root",
)


def serve_config(config: LoopConfig) -> None:
    """Make ``config`` the served configuration of this process and the runs it starts."""
    os.environ[SERVED_CONFIG_ENV] = config.model_dump_json()


def served_config() -> LoopConfig | None:
    """The configuration the operator served, which run parameters cannot change.

    ``$BADCASE_SERVED_CONFIG`` (set by ``badcase-loop serve``), else the file
    ``$BADCASE_CONFIG``, else the defaults for a run of a deployment; None for a flow
    called in-process without either (its caller is the operator).

    Raises:
        ConfigError: The served configuration is invalid.
    """
    raw = os.environ.get(SERVED_CONFIG_ENV)
    if raw:
        try:
            return LoopConfig.model_validate_json(raw)
        except ValidationError as exc:
            raise ConfigError(f"${SERVED_CONFIG_ENV} is not a valid configuration: {exc}") from None
    if os.environ.get(CONFIG_FILE_ENV):
        return load_config(os.environ[CONFIG_FILE_ENV])
    from prefect.runtime import deployment

    return LoopConfig() if deployment.get_id() else None


def check_pinned(run: BaseModel, served: BaseModel, fields: tuple[str, ...] = PINNED) -> None:
    """Refuse a run whose ``fields`` differ from the served configuration's.

    Raises:
        ConfigError: One line naming the first field that differs.
    """
    for dotted in fields:
        mine, theirs = run, served
        for part in dotted.split("."):
            mine, theirs = getattr(mine, part, None), getattr(theirs, part, None)
        dump = [v.model_dump() if isinstance(v, BaseModel) else v for v in (mine, theirs)]
        if dump[0] != dump[1]:
            raise ConfigError(
                f"{dotted} differs from the served configuration: a run started through the "
                "Prefect API cannot change it (edit the config file and restart the server)"
            )


def load_config(path: str | Path | None = None, **overrides: Any) -> LoopConfig:
    """Build the loop config from an optional TOML file and flag overrides.

    Args:
        path: A TOML config file, or None for the embedded defaults.
        **overrides: Top-level settings from flags; None values are ignored.

    Raises:
        ConfigError: The file is missing or unreadable, or a setting is invalid.
    """
    data: dict[str, Any] = {}
    if path is not None:
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {file} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {file}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return LoopConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
            for err in exc.errors()
        )
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}: {problems}") from None
