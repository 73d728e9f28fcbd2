"""What a Prefect API user (a run parameter, an event) cannot make the system do: run a
command of their choosing, train on data of their choosing, send the eval set or a key
to a host of their choosing (docs/security.md)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.config import SERVED_CONFIG_ENV, LoopConfig, OrchestrationSettings
from flows.evaluate import EvaluateConfig, evaluate_candidate
from flows.loop import bad_case_loop
from flows.train import train_on_preference_set
from tasks.errors import BadcaseError, ConfigError
from tasks.publish.build import build_preference_pairs
from tasks.publish.publish import KTO_FILE, publish_preference_set
from tests.llm_server import LLMServer
from tests.tasks.pairs_helpers import repaired_case
from tests.tasks.publish.test_publish import REQUESTS


@pytest.fixture
def version(con, tmp_path) -> Path:
    """A published version under <tmp>/data sets/prefs/v0001 (a space in the root)."""
    for n, (request, scene, original) in enumerate(REQUESTS):
        repaired_case(con, n, request, original, scene=scene)
    build_preference_pairs(con, "r1")
    root = tmp_path / "data sets"
    summary = publish_preference_set(con, "run-0001", str(root), "prefs")
    assert summary.status == "published"
    return root / "prefs" / "v0001"


def _serve(monkeypatch, config: LoopConfig) -> None:
    monkeypatch.setenv(SERVED_CONFIG_ENV, config.model_dump_json())


def _recorder(marker: Path) -> list[str]:
    """A training command that writes the arguments it got to ``marker``."""
    code = "import json, sys; open(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))"
    return [sys.executable, "-c", code, str(marker), "{data}", "{version}"]


def test_the_version_comes_from_the_manifest_not_the_event(prefect_server, version, monkeypatch):
    _serve(monkeypatch, LoopConfig(datasets=str(version.parent.parent)))
    with pytest.raises(BadcaseError, match="refused"):
        train_on_preference_set(str(version), "v0001 --output_dir /elsewhere")
    assert train_on_preference_set(str(version)).version == "v0001"


def test_the_command_is_the_served_one_and_values_stay_one_argument(
    prefect_server, version, monkeypatch, tmp_path
):
    marker = tmp_path / "argv.json"
    command = _recorder(marker)
    served = LoopConfig(
        datasets=str(version.parent.parent),
        orchestration=OrchestrationSettings(training_command=command),
    )
    _serve(monkeypatch, served)
    ran = train_on_preference_set(str(version))
    assert ran.returncode == 0
    data = str(version.resolve() / "data" / "train-00000-of-00001.parquet")
    assert json.loads(marker.read_text()) == [data, "v0001"], "a path with a space: one arg"
    with pytest.raises(TypeError):
        train_on_preference_set(str(version), command="touch /tmp/pwned")  # not a parameter


def test_only_versions_under_the_datasets_root_are_trained_on(
    prefect_server, version, monkeypatch, tmp_path
):
    root = version.parent.parent
    _serve(monkeypatch, LoopConfig(datasets=str(root)))
    elsewhere = tmp_path / "elsewhere" / "prefs" / "v0001"
    shutil.copytree(version, elsewhere)
    (root / "prefs" / "v0002").symlink_to(elsewhere)
    for path in (
        elsewhere,  # a folder with a manifest, anywhere
        root / "prefs" / "v0002",  # a link inside the root to one outside
        root / "prefs" / ".." / "prefs" / "v0001",
        root / "prefs",
    ):
        with pytest.raises(BadcaseError, match="refused"):
            train_on_preference_set(str(path))


def test_a_file_that_does_not_match_the_manifest_is_refused(prefect_server, version, monkeypatch):
    _serve(monkeypatch, LoopConfig(datasets=str(version.parent.parent)))
    kto = pq.read_table(version / KTO_FILE)
    pq.write_table(kto.slice(0, 1).cast(kto.schema), version / KTO_FILE)  # still valid KTO
    with pytest.raises(BadcaseError, match="sha256"):
        train_on_preference_set(str(version))


def test_a_served_run_cannot_choose_the_key_variable(prefect_server, tmp_path, monkeypatch):
    served = LoopConfig(
        landing=str(tmp_path / "landing"),
        warehouse=str(tmp_path / "wh.duckdb"),
        datasets=str(tmp_path / "ds"),
    )
    _serve(monkeypatch, served)
    run = served.model_copy(deep=True)
    run.llm.api_key_env = "AWS_SECRET_ACCESS_KEY"
    with pytest.raises(ConfigError, match=r"llm\.api_key_env differs from the served"):
        bad_case_loop(run)
    run = served.model_copy(deep=True)
    run.llm.base_url = "http://attacker.example/v1"
    with pytest.raises(ConfigError, match=r"llm\.base_url differs"):
        bad_case_loop(run)


def test_an_unlisted_candidate_endpoint_is_refused_before_any_request(
    prefect_server, tmp_path, monkeypatch
):
    with LLMServer() as server:
        served = LoopConfig(
            warehouse=str(tmp_path / "wh.duckdb"),
            datasets=str(tmp_path / "ds"),
            llm={"base_url": server.base_url},
            orchestration=OrchestrationSettings(
                candidate_base_url="http://127.0.0.1:1/v1", candidate_model="policy-{version}"
            ),
        )
        _serve(monkeypatch, served)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        config = EvaluateConfig.model_validate(served.evaluate_config())
        with pytest.raises(ConfigError, match=r"candidate endpoint .* is not allowed"):
            evaluate_candidate(config, base_url=server.base_url, model="policy-v0001")
        with pytest.raises(ConfigError, match="candidate model other is not allowed"):
            evaluate_candidate(config, base_url="http://127.0.0.1:1/v1", model="other")
        assert server.seen == [], "nothing was sent anywhere"


def test_the_allow_list_admits_the_configured_candidates():
    o = OrchestrationSettings(
        candidate_base_url="http://gpu:8000/v1",
        candidate_model="policy-{version}",
        candidate_endpoints=["http://other:8000/v1/"],
        candidate_models=["base-*"],
    )
    assert o.candidate_refusal("http://gpu:8000/v1/", "policy-v0007") is None
    assert o.candidate_refusal("http://other:8000/v1", "base-7b") is None
    assert o.candidate_refusal("http://evil:8000/v1", "policy-v0007")
