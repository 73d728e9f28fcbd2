"""The interface DESIGN.md fixes, checked the way a user's script would: the installed CLI.

``tests/data/contract/check.sh`` runs ``badcase-loop run --landing --warehouse --datasets``
on the landing sample beside it and checks the table names, counts and quarantine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import CONTRACT, ROOT

BIN = Path(sys.executable).parent / "badcase-loop"


def test_contract_check_passes():
    """check.sh drives the installed console script in a fresh process."""
    assert BIN.exists(), "install the project first (make test does)"
    done = subprocess.run(
        ["bash", str(CONTRACT / "check.sh"), str(BIN)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "contract: ok (7 interactions, 5 events" in done.stdout
