"""The ground truth of a run: every fault the simulator injected, with its type, asset,
start and end (simulated times), as JSON Lines, one record per fault, written when the fault
starts (its repair time is drawn then, so its end is already known; it may fall after the
end of the run). `vigie alarms score` reads it back to score the alarms raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import msgspec


class FaultRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One injected fault.

    `affected`: other assets it silenced or cut off (the luminaires of a cabinet without
    supply or of a tripped feeder; the nodes a fibre cut made unreachable and the devices
    behind them). `detail`: kind-specific facts (the feeder that tripped, the bus's line).
    """

    id: str
    type: str
    asset_id: str
    asset_type: str
    start: datetime
    end: datetime
    affected: tuple[str, ...] = ()
    detail: dict[str, Any] = msgspec.field(default_factory=dict)

    def active_at(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(FaultRecord)


class GroundTruthWriter:
    """Appends records to a JSON Lines file (created, or emptied, when opened), flushing
    each one so a run stopped abruptly keeps what it injected."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[bytes] = path.open("wb")

    def write(self, record: FaultRecord) -> None:
        self._file.write(_encoder.encode(record) + b"\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def iter_ground_truth(lines: Iterable[bytes]) -> Iterator[FaultRecord]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield _decoder.decode(line)
            except msgspec.DecodeError as error:
                raise ValueError(f"ground truth line {number}: {error}") from None


def read_ground_truth(path: Path) -> list[FaultRecord]:
    """Every fault recorded in a ground-truth file, in the order they started."""
    with path.open("rb") as file:
        return list(iter_ground_truth(file))
