"""The benchmarks' scratch folders: a store, a broker's files, a server's log. A full run of
`make bench` wrote ~10 GB of them (the living city's store alone is ~3.6 GB) and left them
behind; they are now removed when the bench ends, unless VIGIE_BENCH_KEEP=1 (to look at a
failed run's server log or store: the folder is printed)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path


def scratch_dir(prefix: str) -> Path:
    """A new folder for this run, removed at exit unless VIGIE_BENCH_KEEP=1."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.environ.get("VIGIE_BENCH_KEEP") == "1":
        print(f"scratch kept: {folder}", file=sys.stderr)
    else:
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
