"""The alarm engine: rules evaluated on the telemetry pipeline's events and on the clock.

It runs in-process beside a Pipeline, on the same EventBus and Clock (real or simulated):

- `StateChanged` updates its copy of the asset's values and marks the asset for evaluation;
- `AssetSeen` re-arms the asset's silence deadline (and lets baseline rules learn);
- `BatchCommitted` evaluates the assets the batch touched, writes the resulting alarm changes
  in one transaction and publishes `AlarmChanged` events once committed;
- `tick(now)`, called periodically by whoever runs the engine, completes minimum durations,
  re-evaluates time-dependent rules, raises silences whose deadline passed, and escalates,
  unshelves, promotes and ends flapping (see Ledger.housekeeping).

Run one engine per store: two engines would each raise the alarms of what they see.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from vigie.alarms.conditions.base import Context, ExpectedPlans, NoExpectedPlans, Services, Value
from vigie.alarms.conditions.silence import SilenceCondition
from vigie.alarms.conditions.sun import SunTimes
from vigie.alarms.events import AlarmChanged
from vigie.alarms.kinds import SILENCE
from vigie.alarms.ledger import Ledger
from vigie.alarms.model import CONDITION_STATES
from vigie.alarms.policy import AlarmPolicy
from vigie.alarms.ruleset import Rule, RuleBook, load_rules
from vigie.alarms.silence_watch import SilenceWatch
from vigie.alarms.topology import AssetInfo, Topology, signature
from vigie.alarms.tracking import Edge, Fall, Tracker
from vigie.core.bus import EventBus
from vigie.core.clock import Clock
from vigie.store.schema import twin_state
from vigie.telemetry.events import AssetSeen, BatchCommitted, StateChanged

log = logging.getLogger(__name__)

_SEEN = "\x00seen"  # marks an asset to re-evaluate for silence (it reported)
_NO_VALUES: Mapping[str, Value] = {}


class AlarmEngine:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        bus: EventBus,
        rules: RuleBook,
        *,
        policy: AlarmPolicy | None = None,
        expected_plans: ExpectedPlans | None = None,
    ) -> None:
        self.store = engine
        self.clock = clock
        self.bus = bus
        self.policy = policy or AlarmPolicy()
        self.started_at = clock.now()
        self._lock = threading.RLock()
        self._values: dict[str, dict[str, Value]] = {}
        self._last_seen: dict[str, datetime] = {}
        with engine.connect() as conn:
            self.topology = Topology.load(conn)
            for row in conn.execute(select(twin_state)):
                self._values.setdefault(row.asset_id, {})[row.metric] = Value(
                    row.value, row.value_text, row.ts
                )
                seen = self._last_seen.get(row.asset_id)
                if seen is None or row.ts > seen:
                    self._last_seen[row.asset_id] = row.ts
        self.services = Services(self.topology, SunTimes(), expected_plans or NoExpectedPlans())
        self._tracker = Tracker()
        self._silence = SilenceWatch()
        self.ledger = Ledger(engine, self.policy, self.topology)
        self.ledger.load(self.topology, self.started_at)
        self._dirty: dict[str, set[str]] = {}
        self._dirty_since: dict[str, datetime] = {}
        self._swept = False
        self._topology_stale = False
        self._next_recheck = self.started_at
        self._next_topology_check = self.started_at + self.policy.topology_check
        self._next_resync = self.started_at + self.policy.resync
        self._unsubscribe: list[Callable[[], None]] = []
        self._closers: list[Callable[[], None]] = []
        self._use_rules(rules)

    # --- rules -----------------------------------------------------------------------

    @property
    def rules(self) -> RuleBook:
        return self._book

    def _use_rules(self, book: RuleBook) -> None:
        self._book = book
        self._by_metric: dict[str, dict[str, list[Rule]]] = {}
        self._tick_rules: dict[str, list[Rule]] = {}
        self._observers: dict[str, list[Rule]] = {}
        for reporter_type, rules in book.by_type.items():
            by_metric: dict[str, list[Rule]] = {}
            for rule in rules:
                condition = rule.condition
                for metric in condition.metrics:
                    by_metric.setdefault(metric, []).append(rule)
                if isinstance(condition, SilenceCondition):
                    by_metric.setdefault(_SEEN, []).append(rule)
                if condition.on_tick:
                    self._tick_rules.setdefault(reporter_type, []).append(rule)
                if condition.observes:
                    self._observers.setdefault(reporter_type, []).append(rule)
            self._by_metric[reporter_type] = by_metric
        with self.store.connect() as conn:
            for rule in book.rules.values():
                rule.condition.prime(conn, self.topology, self.clock.now())

    def reload_rules(self, paths: Sequence[Path] | None = None) -> RuleBook:
        """Load the rule files again (or these); on any problem, RuleFileError is raised and
        the rules in force stay in force."""
        book = load_rules(paths if paths is not None else self._book.files)
        with self._lock:
            self._use_rules(book)
            self._tracker.forget_rules(set(book.rules))
            self._swept = False
        log.info("alarm rules reloaded: %d rules from %d files", len(book.rules), len(book.files))
        return book

    # --- the bus ---------------------------------------------------------------------

    def attach(self) -> None:
        """Subscribe to the telemetry events (and to operators' alarm changes) on the bus."""
        self._unsubscribe = [
            self.bus.subscribe_batch(StateChanged, self._on_states_changed),
            self.bus.subscribe_batch(AssetSeen, self._on_seen_many),
            self.bus.subscribe(BatchCommitted, self._on_batch),
            self.bus.subscribe(AlarmChanged, self._on_alarm_changed),
        ]

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def add_closer(self, closer: Callable[[], None]) -> None:
        """Something to stop with the engine (its ticker, its notifier)."""
        self._closers.append(closer)

    def close(self) -> None:
        """Stop listening to the bus, and stop what was started with the engine."""
        self.detach()
        for closer in reversed(self._closers):
            closer()
        self._closers = []

    def _mark(self, asset_id: str, metric: str, ts: datetime) -> None:
        marked = self._dirty.get(asset_id)
        if marked is None:
            self._dirty[asset_id] = {metric}
            self._dirty_since[asset_id] = ts
        else:
            marked.add(metric)
            if ts > self._dirty_since[asset_id]:
                self._dirty_since[asset_id] = ts

    def _on_states_changed(self, events: list[StateChanged]) -> None:
        with self._lock:
            values_of, mark = self._values, self._mark
            for event in events:
                values = values_of.get(event.asset_id)
                if values is None:
                    values = values_of[event.asset_id] = {}
                values[event.metric] = Value(event.value, event.value_text, event.ts)
                mark(event.asset_id, event.metric, event.ts)

    def _on_seen_many(self, events: list[AssetSeen]) -> None:
        with self._lock:
            for event in events:
                self._on_seen(event)

    def _on_seen(self, event: AssetSeen) -> None:
        seen = self._last_seen.get(event.asset_id)
        if seen is None or event.ts > seen:
            self._last_seen[event.asset_id] = event.ts
        rule = self._book.silence.get(event.reporter_type)
        info = self.topology.get(event.asset_id)
        if info is None:
            self._topology_stale = True
            return
        if rule is not None:
            self._arm_silence(info, rule)
            if self._tracker.is_active((info.id, rule.id)):
                self._mark(info.id, _SEEN, event.ts)
        for observer in self._observers.get(info.type, ()):
            observer.condition.observe(self._context(info, event.ts))

    def _on_batch(self, _event: BatchCommitted) -> None:
        self.process()

    def _on_alarm_changed(self, event: AlarmChanged) -> None:
        if event.actor is None:
            return  # our own change
        with self._lock:
            self.ledger.learn(event.alarm)

    def process(self, now: datetime | None = None) -> list[AlarmChanged]:
        """Evaluate the assets that reported since the last call."""
        with self._lock:
            moment = now or self.clock.now()
            edges: list[Edge] = []
            self._evaluate_dirty(moment, edges)
            return self._commit(edges, moment, housekeeping=False)

    # --- evaluation ------------------------------------------------------------------

    def _seen(self, asset_id: str) -> datetime:
        """When the asset last reported; the engine's start for one not heard since (the
        engine cannot tell a silence from its own absence)."""
        seen = self._last_seen.get(asset_id)
        return self.started_at if seen is None or seen < self.started_at else seen

    def _arm_silence(self, info: AssetInfo, rule: Rule) -> None:
        condition = rule.condition
        if info.in_service and isinstance(condition, SilenceCondition):
            self._silence.arm(info.id, self._seen(info.id) + condition.limit)

    def _context(self, info: AssetInfo, now: datetime) -> Context:
        values = self._values.get(info.id, _NO_VALUES)
        return Context(info, values, now, self._seen(info.id), self.services)

    def _evaluate(
        self,
        info: AssetInfo,
        rules: Iterable[Rule],
        now: datetime,
        since: datetime,
        edges: list[Edge],
    ) -> None:
        if not info.in_service:
            return  # planned, in maintenance or known faulty: nothing new to say about it
        ctx = self._context(info, now)
        tracker = self._tracker
        for rule in rules:
            key = (info.id, rule.id)
            detail = rule.condition.evaluate(ctx, tracker.is_active(key))
            began = (ctx.last_seen or since) if rule.kind == SILENCE else since
            edge = tracker.step(info.id, rule, detail, began, now)
            if edge is not None:
                edges.append(edge)

    def _evaluate_dirty(self, now: datetime, edges: list[Edge]) -> None:
        dirty, since = self._dirty, self._dirty_since
        self._dirty, self._dirty_since = {}, {}
        for asset_id, metrics in dirty.items():
            info = self.topology.get(asset_id)
            if info is None:
                self._topology_stale = True
                continue
            by_metric = self._by_metric.get(info.type)
            if not by_metric:
                continue
            rules: dict[str, Rule] = {}
            for metric in metrics:
                for rule in by_metric.get(metric, ()):
                    rules[rule.id] = rule
            if rules:
                self._evaluate(info, rules.values(), now, since[asset_id], edges)

    def _sweep(self, now: datetime, edges: list[Edge]) -> None:
        """Evaluate every rule on every asset (at start, and after rules or the topology
        change), taking alarms already raised as they are, and clearing those whose
        condition is gone."""
        open_alarms = self.ledger.open
        for info in self.topology.assets.values():
            rules = self._book.by_type.get(info.type)
            if not rules or not info.in_service:
                continue
            ctx = self._context(info, now)
            latest = max((v.ts for v in ctx.values.values()), default=now)
            for rule in rules:
                key = (info.id, rule.id)
                detail = rule.condition.evaluate(ctx, self._tracker.is_active(key))
                alarm = open_alarms.for_key(key)
                if detail is not None and alarm is not None and alarm.state in CONDITION_STATES:
                    self._tracker.assume_active(key)
                    continue
                began = (ctx.last_seen or now) if rule.kind == SILENCE else min(latest, now)
                edge = self._tracker.step(info.id, rule, detail, began, now)
                if edge is not None:
                    edges.append(edge)
            silence = self._book.silence.get(info.type)
            if silence is not None and not self._tracker.is_active((info.id, silence.id)):
                self._arm_silence(info, silence)
        for alarm in list(open_alarms.by_id.values()):
            alarm_rule = self._book.rules.get(alarm.rule_id)
            key = (alarm.asset_id, alarm.rule_id)
            present = self._tracker.is_active(key) or key in self._tracker.pending
            found = self.topology.get(alarm.asset_id)
            watched = found is not None and found.in_service
            if (
                alarm_rule is not None
                and alarm.state in CONDITION_STATES
                and watched
                and not present
            ):
                edges.append(Fall(alarm.asset_id, alarm_rule))
        self._swept = True

    # --- the clock -------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> list[AlarmChanged]:
        """Let time act: call it every few seconds (of real or simulated time)."""
        with self._lock:
            moment = now or self.clock.now()
            self._refresh_topology(moment)
            edges: list[Edge] = []
            if not self._swept:
                self._sweep(moment, edges)
            self._evaluate_dirty(moment, edges)
            for asset_id, rule_id in list(self._tracker.pending):
                info = self.topology.get(asset_id)
                rule = self._book.rules.get(rule_id)
                if info is not None and rule is not None:
                    self._evaluate(info, (rule,), moment, moment, edges)
            if moment >= self._next_recheck:
                self._next_recheck = moment + self.policy.recheck
                self._recheck(moment, edges)
            for asset_id in self._silence.due(moment):
                info = self.topology.get(asset_id)
                rule = self._book.silence.get(info.type) if info is not None else None
                if info is None or rule is None:
                    continue
                self._evaluate(info, (rule,), moment, moment, edges)
                if not self._tracker.is_active((asset_id, rule.id)):
                    self._arm_silence(info, rule)
            changes = self._commit(edges, moment, housekeeping=True)
            if moment >= self._next_resync:
                # With a period of overlap: the other process's clock may lag ours a little.
                self.ledger.catch_up(self._next_resync - 2 * self.policy.resync)
                self._next_resync = moment + self.policy.resync
            return changes

    def _recheck(self, now: datetime, edges: list[Edge]) -> None:
        """Evaluate again the rules whose answer moves with time alone."""
        for reporter_type, rules in self._tick_rules.items():
            assets = self.topology.by_type.get(reporter_type, ())
            for rule in rules:
                condition = rule.condition
                tracked = self._tracker.tracked(rule.id)
                if condition.idle(now, self.topology):
                    candidates: Iterable[str] = list(tracked)
                elif condition.gate is not None:
                    metric, wanted = condition.gate
                    candidates = [
                        a
                        for a in assets
                        if a in tracked
                        or (
                            (found := self._values.get(a, _NO_VALUES).get(metric)) is not None
                            and found.value == wanted
                        )
                    ]
                else:
                    candidates = assets
                for asset_id in candidates:
                    info = self.topology.get(asset_id)
                    if info is not None:
                        self._evaluate(info, (rule,), now, now, edges)

    def _refresh_topology(self, now: datetime) -> None:
        if not self._topology_stale and now < self._next_topology_check:
            return
        self._topology_stale = False
        self._next_topology_check = now + self.policy.topology_check
        with self.store.connect() as conn:
            if signature(conn) == self.topology.signature:
                return
            self.topology = Topology.load(conn)
        self.services.topology = self.topology
        self.ledger.load(self.topology, now)
        self._silence.clear()
        self._swept = False
        log.info("topology reloaded: %d reporters", len(self.topology.assets))

    def _commit(
        self, edges: list[Edge], now: datetime, *, housekeeping: bool
    ) -> list[AlarmChanged]:
        try:
            changes = self.ledger.apply(edges, now)
            if housekeeping:
                changes += self.ledger.housekeeping(now, self._tracker.is_active)
        except Exception:
            # The store refused (or is away): start again from what the store holds.
            log.exception("alarm changes could not be written; re-evaluating everything")
            self._tracker.reset()
            self.ledger.load(self.topology, now)
            self._swept = False
            return []
        if changes:
            self.bus.publish_all(changes)
        return changes
