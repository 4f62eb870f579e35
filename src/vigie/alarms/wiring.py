"""Starting the alarm engine beside a telemetry pipeline.

    engine = start_alarm_engine(store, clock, bus, tick_every_s=1.0)   # in a server
    ...
    engine.close()

- `store`, `clock` and `bus` are the ones the Pipeline uses: the engine hears its events on
  the bus and reads the registry, the twin and the alarms from the store.
- `tick_every_s` starts a daemon thread calling `engine.tick()` every so many seconds of real
  time. Leave it None on a simulated clock and call `engine.tick(now)` yourself as simulated
  time advances (each call lets that much time act: durations, silences, escalations).
- Rules: the package's `vigie/alarms/rules/*.toml`, where a same-named file of `rules_dir`
  replaces the package's and its other files add rules. A broken file stops the start with
  RuleFileError (file, line, reason); later `engine.reload_rules()` keeps the rules in force.
- `webhooks`: a TOML file (see vigie.alarms.webhooks) or a list of Webhook; notifications
  are posted from a background thread, never from the ingest path.
- `expected_plans`: who says which plan each intersection should run (none until commands).

Run one engine per store (in the process that runs the ingest, or in the server when it
ingests), and publish operator actions on the same bus so the engine hears of them at once;
changes made from other processes reach it within `AlarmPolicy.resync`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from vigie.alarms.conditions.base import ExpectedPlans
from vigie.alarms.engine import AlarmEngine
from vigie.alarms.policy import AlarmPolicy
from vigie.alarms.ruleset import load_rules, rule_files
from vigie.alarms.webhooks import Webhook, WebhookNotifier, load_webhooks
from vigie.core.bus import EventBus
from vigie.core.clock import Clock
from vigie.core.service import Health

log = logging.getLogger(__name__)


def start_alarm_engine(
    engine: Engine,
    clock: Clock,
    bus: EventBus,
    *,
    rules_dir: Path | None = None,
    policy: AlarmPolicy | None = None,
    expected_plans: ExpectedPlans | None = None,
    webhooks: Path | Sequence[Webhook] | None = None,
    tick_every_s: float | None = None,
) -> AlarmEngine:
    """An alarm engine subscribed to `bus`, ready to be ticked (see the module docstring)."""
    book = load_rules(rule_files(rules_dir))
    hooks = load_webhooks(webhooks) if isinstance(webhooks, Path) else list(webhooks or ())
    alarm_engine = AlarmEngine(
        engine, clock, bus, book, policy=policy, expected_plans=expected_plans
    )
    alarm_engine.attach()
    if hooks:
        notifier = WebhookNotifier(hooks, bus)
        notifier.start()
        alarm_engine.add_closer(notifier.stop)
    if tick_every_s is not None:
        ticker = AlarmTicker(alarm_engine, tick_every_s)
        ticker.start()
        alarm_engine.add_closer(ticker.stop)
    log.info(
        "alarm engine: %d rules, %d reporters, %d open alarms, %d webhooks",
        len(book.rules),
        len(alarm_engine.topology.assets),
        len(alarm_engine.ledger.open),
        len(hooks),
    )
    return alarm_engine


class AlarmTicker:
    """Ticks an alarm engine every `every_s` seconds of real time from a thread. A `Service`."""

    name = "alarm-ticker"

    def __init__(self, alarm_engine: AlarmEngine, every_s: float) -> None:
        self.alarm_engine = alarm_engine
        self.every_s = every_s
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="vigie-alarm-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def health(self) -> Health:
        running = self._thread is not None and self._thread.is_alive()
        return Health(self.name, running, "" if running else "not running",
                      {"failures": self.failures})  # fmt: skip

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.alarm_engine.tick()
            except Exception:
                self.failures += 1
                log.exception("alarm engine tick failed")


class AlarmService:
    """The alarm engine of a server as a `Service`: `start()` loads the rules, subscribes to
    the bus and starts the ticker (on real time) and the webhooks (see `start_alarm_engine`);
    `stop()` closes it all. `engine` is the running AlarmEngine."""

    name = "alarms"

    def __init__(
        self,
        store: Engine,
        clock: Clock,
        bus: EventBus,
        *,
        rules_dir: Path | None = None,
        webhooks: Path | Sequence[Webhook] | None = None,
        tick_every_s: float | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.bus = bus
        self.rules_dir = rules_dir
        self.webhooks = webhooks
        self.tick_every_s = tick_every_s
        self.engine: AlarmEngine | None = None

    def start(self) -> None:
        if self.engine is None:
            self.engine = start_alarm_engine(
                self.store,
                self.clock,
                self.bus,
                rules_dir=self.rules_dir,
                webhooks=self.webhooks,
                tick_every_s=self.tick_every_s,
            )

    def stop(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            engine.close()

    def health(self) -> Health:
        engine = self.engine
        if engine is None:
            return Health(self.name, False, "not running")
        return Health(self.name, True, "", {"open_alarms": len(engine.ledger.open)})
