"""The runtime: the services of one process, started in order and stopped in reverse.

    runtime = Runtime([pipeline, alarms, maintenance, *extra])
    runtime.start()          # or `with runtime:`
    runtime.health()         # one Health per service
    runtime.stop()

`vigie serve` (through the app's lifespan), `vigie ingest`, `vigie demo` and the tests build
theirs with `vigie.runtime.server.server_services`. The runtime knows no domain: a domain's
worker (bus priority) is one of the extra services its caller passes in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import TracebackType

from vigie.core.service import Health, Service

log = logging.getLogger(__name__)


class RuntimeStartError(RuntimeError):
    """A service failed to start; those started before it were stopped again."""


class Runtime:
    def __init__(self, services: Iterable[Service] = ()) -> None:
        self.services: list[Service] = list(services)
        self._started: list[Service] = []
        self._failed: dict[str, str] = {}

    def add(self, service: Service) -> None:
        """Append a service (started after the others; stopped before them)."""
        if self._started:
            raise RuntimeError("add services before the runtime starts")
        self.services.append(service)

    def get(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    @property
    def running(self) -> bool:
        return bool(self._started)

    def start(self) -> None:
        """Start every service in order; if one fails, stop those already started (in
        reverse) and raise `RuntimeStartError`."""
        for service in self.services:
            try:
                service.start()
            except Exception as error:
                self._failed[service.name] = f"{type(error).__name__}: {error}"
                log.exception("service %s failed to start", service.name)
                self.stop()
                raise RuntimeStartError(
                    f"service {service.name} failed to start: {error}"
                ) from error
            self._started.append(service)
            log.debug("service %s started", service.name)

    def stop(self) -> None:
        """Stop the started services in reverse order; one failing to stop is logged and the
        others still stop."""
        while self._started:
            service = self._started.pop()
            try:
                service.stop()
            except Exception:
                log.exception("service %s failed to stop", service.name)

    def health(self) -> list[Health]:
        """One entry per service, in start order."""
        report = []
        for service in self.services:
            failed = self._failed.get(service.name)
            if failed is not None:
                report.append(Health(service.name, False, f"failed to start: {failed}"))
                continue
            try:
                report.append(service.health())
            except Exception as error:
                report.append(Health(service.name, False, f"health check failed: {error}"))
        return report

    def healthy(self) -> bool:
        return all(h.ok for h in self.health())

    def __enter__(self) -> Runtime:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = ["Health", "Runtime", "RuntimeStartError", "Service"]
