"""The CLI imports the lab only when a lab command runs: the copies it keeps for help texts
stay equal to the lab's values, and importing the CLI imports no lab module."""

from __future__ import annotations

import subprocess
import sys

from vigie.cli.alarms import DEFAULT_START_TEXT
from vigie.cli.lab_commands import PROOF_SETTINGS
from vigie.lab.proofs.lighting_year import SETTINGS
from vigie.lab.scoring.run import DEFAULT_START


def test_the_help_texts_copies_match_the_lab() -> None:
    assert DEFAULT_START.isoformat() == DEFAULT_START_TEXT
    assert tuple(SETTINGS) == PROOF_SETTINGS


def test_the_cli_and_the_server_import_no_lab_module() -> None:
    code = (
        "import sys, vigie.cli.main, vigie.server.app; "
        "print(sorted(m for m in sys.modules if m.startswith('vigie.lab')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
