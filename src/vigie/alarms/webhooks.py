"""Webhook notifications: new, escalated and promoted top-level alarms POSTed as JSON to the
URLs configured for their severity and municipality.

Configured in a TOML file (refused whole, with file, line and reason, when wrong):

    [[webhook]]
    url = "https://oncall.example/hooks/vigie"
    min_severity = "major"            # minor (default), major or critical
    municipalities = ["21231"]        # optional: INSEE codes; all when absent

The bus handler only queues; one background thread posts, with a short timeout and a few
retries with backoff. A receiver that is down costs log lines, never ingest time; when the
queue is full the newest notifications are dropped and counted.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from vigie.alarms.events import NOTIFYING_CHANGES, AlarmChanged
from vigie.alarms.model import AlarmState, Severity
from vigie.alarms.ruleset import RuleFileError, RuleProblem
from vigie.core.bus import EventBus
from vigie.core.service import Health

log = logging.getLogger(__name__)


class Webhook(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    url: str
    min_severity: Severity = Severity.MINOR
    municipalities: list[str] | None = None

    def wants(self, event: AlarmChanged) -> bool:
        alarm = event.alarm
        return (
            event.change in NOTIFYING_CHANGES
            and alarm.caused_by is None
            and alarm.state != AlarmState.SHELVED
            and alarm.severity.rank >= self.min_severity.rank
            and (self.municipalities is None or alarm.municipality_code in self.municipalities)
        )


def load_webhooks(path: Path) -> list[Webhook]:
    """The webhooks of a TOML file; RuleFileError (file, line, reason) when it is wrong."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError([RuleProblem(name, 1, f"cannot read: {error}")]) from None
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError([RuleProblem(name, 1, f"not valid TOML: {error}")]) from None
    headers = [i + 1 for i, line in enumerate(text.splitlines()) if "[[webhook]]" in line]
    problems: list[RuleProblem] = []
    hooks: list[Webhook] = []
    tables = document.get("webhook", [])
    if set(document) - {"webhook"} or not isinstance(tables, list):
        raise RuleFileError([RuleProblem(name, 1, "declare webhooks as [[webhook]] tables")])
    for index, table in enumerate(tables):
        line = headers[index] if index < len(headers) else 1
        try:
            hook = msgspec.convert(table, Webhook)
        except msgspec.ValidationError as error:
            problems.append(RuleProblem(name, line, str(error).replace("$.", "")))
            continue
        parts = urlsplit(hook.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(RuleProblem(name, line, f"url must be http(s)://host/…: {hook.url!r}"))
            continue
        hooks.append(hook)
    if problems:
        raise RuleFileError(problems)
    return hooks


@dataclass
class NotifierStats:
    sent: int = 0
    failed: int = 0
    dropped: int = 0


_STOP = object()


class _Refused(Exception):
    """The receiver answered, but not with a success."""


class WebhookNotifier:
    """Posts alarm changes to the webhooks from a thread of its own. A `Service`."""

    name = "webhooks"

    def __init__(
        self,
        webhooks: Sequence[Webhook],
        bus: EventBus,
        *,
        timeout_s: float = 2.0,
        attempts: int = 3,
        backoff_s: float = 0.5,
        queue_size: int = 10_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.webhooks = list(webhooks)
        self.bus = bus
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.stats = NotifierStats()
        self._sleep = sleep
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        # Imported here: the HTTP client is needed only where webhooks are configured.
        import httpx2

        self._httpx2 = httpx2
        self._client = httpx2.Client(timeout=timeout_s, follow_redirects=False, trust_env=False)
        self._thread = threading.Thread(target=self._run, name="vigie-webhooks", daemon=True)
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._thread.start()
        self._unsubscribe = self.bus.subscribe(AlarmChanged, self._on_change)

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=timeout_s)
            self._thread.join(timeout_s)
        self._client.close()

    def health(self) -> Health:
        alive = self._thread.is_alive()
        return Health(
            self.name,
            alive,
            "" if alive else "not running",
            {"sent": self.stats.sent, "failed": self.stats.failed, "dropped": self.stats.dropped},
        )

    def _on_change(self, event: AlarmChanged) -> None:
        body: bytes | None = None
        for hook in self.webhooks:
            if not hook.wants(event):
                continue
            body = body or msgspec.json.encode(event)
            try:
                self._queue.put_nowait((hook.url, body))
            except queue.Full:
                self.stats.dropped += 1
                log.warning("webhook queue full: notification to %s dropped", hook.url)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            assert isinstance(item, tuple)
            self._post(str(item[0]), bytes(item[1]))

    def _post(self, url: str, body: bytes) -> None:
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_s, exp_base=2),
            retry=retry_if_exception_type((_Refused, self._httpx2.HTTPError)),
            sleep=self._sleep,
        )
        try:
            retrying(self._post_once, url, body)
        except RetryError as error:
            last = error.last_attempt.exception()
            reason = str(last) if isinstance(last, _Refused) else f"{type(last).__name__}: {last}"
            self.stats.failed += 1
            log.warning("webhook %s failed after %d attempts: %s", url, self.attempts, reason)
            return
        self.stats.sent += 1

    def _post_once(self, url: str, body: bytes) -> None:
        response = self._client.post(
            url, content=body, headers={"Content-Type": "application/json"}
        )
        if response.status_code >= 300:
            raise _Refused(f"HTTP {response.status_code}")
