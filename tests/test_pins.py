"""The lock keeps Prefect's server working: `make lock` cannot bring a known breakage back.

requirements.in says the bounds (and why); pyproject.toml repeats them for `pip install .`;
requirements.lock is what the Makefile installs. Each known-bad release named below was
seen to break a real `prefect server start` (tests/flows/test_real_server.py checks the
working set end to end).
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

# Releases that broke Prefect 3.8.8's server: the bounds must keep excluding them.
KNOWN_BAD = {
    "sqlalchemy": ["2.1.0", "2.1.9"],  # scheduler: "Can't evaluate bulk DML statement"
    "fastapi": ["0.146.0", "0.153.0", "0.155.0"],  # 422s for Prefect's CLI/UI; import error
}


def _bounds() -> dict[str, Requirement]:
    """The requirements in requirements.in that carry a version specifier, by name."""
    found = {}
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.specifier:
            found[canonicalize_name(req.name)] = req
    return found


def _locked() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, ver = line.partition("==")
            pins[canonicalize_name(name)] = Version(ver.strip())
    return pins


def test_requirements_in_bounds_exclude_the_known_bad_releases():
    bounds = _bounds()
    for name, bad in KNOWN_BAD.items():
        assert name in bounds, f"requirements.in has no bound for {name}"
        allowed = [v for v in bad if bounds[name].specifier.contains(v, prereleases=True)]
        assert not allowed, f"requirements.in lets {name} {allowed} back in: {bounds[name]}"


@pytest.mark.parametrize("name", sorted(KNOWN_BAD))
def test_the_lock_and_the_venv_stay_within_the_bounds(name):
    req = _bounds()[name]
    locked = _locked()
    assert name in locked, f"requirements.lock does not pin {name}"
    assert req.specifier.contains(locked[name]), (
        f"requirements.lock pins {name}=={locked[name]}, outside {req} (requirements.in): "
        "that release breaks Prefect's server"
    )
    installed = version(name)
    assert req.specifier.contains(installed), f"installed {name} {installed} is outside {req}"


def test_pyproject_says_the_same_bounds():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {canonicalize_name(r.name): r for r in map(Requirement, deps)}
    for name, req in _bounds().items():
        if name in KNOWN_BAD:
            assert name in declared, f"pyproject.toml does not bound {name}"
            assert declared[name].specifier == req.specifier, (
                f"pyproject.toml says {declared[name]}, requirements.in says {req}"
            )
