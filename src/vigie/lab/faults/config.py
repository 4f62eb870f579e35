"""How often each fault happens in a run: `--faults` is a multiplier of the default rates
(`0` for none) or a TOML/JSON file:

    multiplier = 10          # optional, applies to every rate below and to the defaults
    [rates]                  # per device and per day; kinds not listed keep their default
    lamp_failure = 0.001
    fibre_cut = 0
    [repair_median_h]        # optional
    supply_loss = 2.5
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigie.lab.faults.kinds import SPECS, FaultKind


@dataclass(frozen=True)
class FaultConfig:
    rates: dict[FaultKind, float] = field(
        default_factory=lambda: {kind: spec.rate_per_device_day for kind, spec in SPECS.items()}
    )
    repair_median_h: dict[FaultKind, float] = field(
        default_factory=lambda: {kind: spec.repair_median_h for kind, spec in SPECS.items()}
    )

    @classmethod
    def scaled(cls, multiplier: float) -> FaultConfig:
        return cls(
            rates={kind: spec.rate_per_device_day * multiplier for kind, spec in SPECS.items()}
        )

    @classmethod
    def none(cls) -> FaultConfig:
        return cls.scaled(0.0)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a non-negative number, not {value!r}")
    return number


def _kinds(table: Any, what: str) -> dict[FaultKind, float]:
    if not isinstance(table, dict):
        raise ValueError(f"[{what}] must be a table of fault kinds")
    known = {kind.value for kind in FaultKind}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(
            f"unknown fault kinds in [{what}]: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    return {FaultKind(k): _number(v, f"{what}.{k}") for k, v in table.items()}


def fault_config_from_mapping(data: dict[str, Any]) -> FaultConfig:
    unknown = sorted(set(data) - {"multiplier", "rates", "repair_median_h"})
    if unknown:
        raise ValueError(f"unknown keys in the fault file: {', '.join(unknown)}")
    multiplier = _number(data.get("multiplier", 1.0), "multiplier")
    rates = {kind: spec.rate_per_device_day for kind, spec in SPECS.items()}
    rates.update(_kinds(data.get("rates", {}), "rates"))
    repairs = {kind: spec.repair_median_h for kind, spec in SPECS.items()}
    for kind, hours in _kinds(data.get("repair_median_h", {}), "repair_median_h").items():
        if hours <= 0:
            raise ValueError(f"repair_median_h.{kind.value} must be positive")
        repairs[kind] = hours
    return FaultConfig({k: r * multiplier for k, r in rates.items()}, repairs)


def parse_faults(text: str) -> FaultConfig:
    """`--faults`: a multiplier (`1` = the defaults, `0` = none) or a .toml/.json file."""
    try:
        multiplier: float | None = float(text)
    except ValueError:
        multiplier = None
    if multiplier is not None:
        return FaultConfig.scaled(_number(multiplier, "the fault multiplier"))
    path = Path(text)
    if not path.is_file():
        raise ValueError(f"--faults is neither a number nor a file: {text!r}")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode()) if path.suffix != ".json" else json.loads(raw)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a table")
    return fault_config_from_mapping(data)
