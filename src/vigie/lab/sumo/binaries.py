"""Where the SUMO tools of the eclipse-sumo package are."""

from __future__ import annotations

import shutil
from pathlib import Path


def sumo_home() -> Path:
    import sumo  # the eclipse-sumo package: binaries and data, no other download

    return Path(sumo.SUMO_HOME)


def sumo_binary(name: str) -> str:
    """Path of a SUMO program (`sumo`, `netconvert`) from the package, else from PATH."""
    candidate = sumo_home() / "bin" / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the eclipse-sumo package")
    return found
