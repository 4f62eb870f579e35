"""The one shape of a background worker: `start()`, `stop()`, `health()`.

Every long-running companion of the server (the ingest worker, the alarm engine's ticker and
notifier, the command dispatcher, the time-series upkeep, the WAL checkpointer, a domain's
link such as bus priority) implements `Service`, and a `vigie.runtime.Runtime` starts them in
order, stops them in reverse and reports their health.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Health:
    """How a service is doing: `ok`, with a short human reason when it is not (or a detail
    when it is), and a few figures for the health endpoint."""

    name: str
    ok: bool
    detail: str = ""
    figures: dict[str, int | float | str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, **self.figures}


@runtime_checkable
class Service(Protocol):
    """A background worker. `start()` returns once it runs (it may keep connecting in the
    background); `stop()` returns once its threads have ended, and is harmless if it never
    started; `health()` never blocks."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> Health: ...
