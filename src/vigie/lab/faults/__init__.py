"""Faults the simulator injects (kinds and default rates, rates from the command line, the
Poisson injector) and the ground truth it records for scoring alarms."""

from vigie.lab.faults.config import FaultConfig, parse_faults
from vigie.lab.faults.ground_truth import (
    FaultRecord,
    GroundTruthWriter,
    iter_ground_truth,
    read_ground_truth,
)
from vigie.lab.faults.kinds import SPECS, FaultKind, FaultSpec

__all__ = [
    "SPECS",
    "FaultConfig",
    "FaultKind",
    "FaultRecord",
    "FaultSpec",
    "GroundTruthWriter",
    "iter_ground_truth",
    "parse_faults",
    "read_ground_truth",
]
