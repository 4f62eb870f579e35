"""What condition edges and the clock do to alarms in the store.

A Rise raises a new alarm, brings a cleared one back, or counts a flap; a Fall clears. The
clock escalates alarms nobody acknowledged, unshelves, promotes the consequences of a cleared
root that did not recover with it, and ends flapping once a condition has been quiet. Each
call is one transaction; the changes it returns are published by the engine after commit.

Rows are read afresh (and locked, on PostgreSQL) before they are written, and written only
if still in the state they were read in: an operator acting at the same moment wins, and the
engine's cache follows.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import and_, true
from sqlalchemy.engine import Connection, Engine

from vigie.alarms import store
from vigie.alarms.correlation import Correlator
from vigie.alarms.events import AlarmChanged, Change
from vigie.alarms.model import CONDITION_STATES, Alarm, AlarmState
from vigie.alarms.open_alarms import OpenAlarms
from vigie.alarms.policy import AlarmPolicy
from vigie.alarms.topology import Topology, is_network_link, is_network_node
from vigie.alarms.tracking import Edge, Fall, Key, Rise
from vigie.store.schema import alarms
from vigie.telemetry.catalogue import expected_interval_s

log = logging.getLogger(__name__)
replace = msgspec.structs.replace
Changes = list[AlarmChanged]


class Ledger:
    def __init__(self, engine: Engine, policy: AlarmPolicy, topology: Topology) -> None:
        self.engine = engine
        self.policy = policy
        self.open = OpenAlarms()
        self.correlator = Correlator(topology, lambda: self.open.links_down())
        self._edges: dict[Key, deque[datetime]] = {}

    # --- cache -----------------------------------------------------------------------

    def load(self, topology: Topology, now: datetime) -> None:
        """(Re)read every alarm not closed, and the active roots, from the store."""
        with self.engine.connect() as conn:
            found = store.not_closed(conn)
        self.open = OpenAlarms(found)
        roots = [
            (a.id, a.asset_id)
            for a in sorted(found, key=lambda a: a.id)
            if a.is_root and a.caused_by is None and a.state in CONDITION_STATES
        ]
        self.correlator.reset(topology, roots)
        # Flap history older than a window no longer counts.
        horizon = now - self.policy.flap_window
        self._edges = {k: v for k, v in self._edges.items() if v and v[-1] >= horizon}

    def catch_up(self, since: datetime) -> None:
        """Take in the alarms changed in the store since then (by operators elsewhere)."""
        with self.engine.connect() as conn:
            for alarm in store.due(conn, alarms.c.updated_at >= since):
                self.learn(alarm)

    def learn(self, alarm: Alarm) -> None:
        """An operator changed this alarm (acknowledged, shelved, closed…)."""
        self.open.put(alarm)
        if alarm.state not in CONDITION_STATES:
            self.correlator.remove_root(alarm.id)

    # --- edges -----------------------------------------------------------------------

    def apply(self, edges: Sequence[Edge], now: datetime) -> Changes:
        if not edges:
            return []
        changes: Changes = []
        with self.engine.begin() as conn:
            current = store.not_closed_for(conn, {(e.asset_id, e.rule.id) for e in edges})
            for edge in edges:
                if isinstance(edge, Fall):
                    self._fall(conn, current.get((edge.asset_id, edge.rule.id)), now, changes)
            # Roots first: consequences raised in the same batch then attach to them. Fibre
            # links first among roots: a cut explains the nodes it isolates, which report
            # unreachable in the same breath.
            rises = sorted(
                (e for e in edges if isinstance(e, Rise)),
                key=lambda r: (not r.rule.root, not is_network_link(r.rule.reporter_type)),
            )
            new: list[Alarm] = []
            for rise in rises:
                found = current.get((rise.asset_id, rise.rule.id))
                self._rise(conn, rise, found, now, new, changes)
            for alarm in store.insert_alarms(conn, new):
                self.open.put(alarm)
                changes.append(AlarmChanged(Change.RAISED, alarm, now))
        return changes

    def _record_edge(self, key: Key, now: datetime) -> bool:
        """Note a rising edge; whether the condition is now flapping."""
        edges = self._edges.setdefault(key, deque())
        edges.append(now)
        while edges and edges[0] < now - self.policy.flap_window:
            edges.popleft()
        return len(edges) > self.policy.flap_limit

    def _escalation_due(self, alarm: Alarm, now: datetime) -> datetime | None:
        if alarm.state != AlarmState.RAISED or alarm.caused_by is not None:
            return None
        return now + self.policy.escalation_delay(alarm.severity)

    def _rise(
        self,
        conn: Connection,
        rise: Rise,
        current: Alarm | None,
        now: datetime,
        new: list[Alarm],
        changes: Changes,
    ) -> None:
        rule = rise.rule
        flapping = self._record_edge((rise.asset_id, rule.id), now)
        if current is None:
            info = self.correlator.topology.get(rise.asset_id)
            if info is None:
                return
            alarm = Alarm(
                id=0,
                asset_id=rise.asset_id,
                asset_type=info.type,
                municipality_code=info.municipality_code,
                rule_id=rule.id,
                title=rule.title,
                state=AlarmState.RAISED,
                severity=rule.severity,
                rule_severity=rule.severity,
                is_root=rule.root,
                caused_by=self._cause(rise, None),
                detail=rise.detail.en,
                detail_fr=rise.detail.fr,
                condition_since=rise.since,
                first_raised_at=now,
                raised_at=now,
                updated_at=now,
            )
            alarm = replace(alarm, escalation_due_at=self._escalation_due(alarm, now))
            if not rule.root:
                new.append(alarm)
                return
            (alarm,) = store.insert_alarms(conn, [alarm])
            self.open.put(alarm)
            changes.append(AlarmChanged(Change.RAISED, alarm, now))
            if alarm.caused_by is None:
                self._take_root(conn, alarm, now, changes)
            return
        if current.state in CONDITION_STATES:
            if current.flapping or flapping:
                after = replace(
                    current,
                    flapping=True,
                    flap_count=current.flap_count + 1,
                    last_flap_at=now,
                    updated_at=now,
                )
                self._save(conn, current, after, Change.FLAPPING, now, changes)
            else:
                self.open.put(current)  # already raised (the engine restarted): nothing new
            return
        # Cleared, and the condition is back: the same alarm is raised again.
        caused_by = current.caused_by
        if caused_by is None or not self.correlator.is_active_root(caused_by):
            caused_by = self._cause(rise, current.id)
        shelved = current.shelved_until is not None and current.shelved_until > now
        after = replace(
            current,
            state=AlarmState.SHELVED if shelved else AlarmState.RAISED,
            severity=current.severity if flapping else rule.severity,
            caused_by=caused_by,
            detail=rise.detail.en,
            detail_fr=rise.detail.fr,
            condition_since=rise.since,
            raised_at=now,
            updated_at=now,
            occurrences=current.occurrences + 1,
            acknowledged_at=None,
            acknowledged_by=None,
            cleared_at=None,
            promote_at=None,
        )
        after = replace(after, escalation_due_at=self._escalation_due(after, now))
        if flapping:
            after = replace(
                after, flapping=True, flap_count=current.flap_count + 1, last_flap_at=now
            )
        change = Change.FLAPPING if flapping else Change.RAISED
        saved = self._save(conn, current, after, change, now, changes)
        if saved and after.is_root and after.caused_by is None:
            self._take_root(conn, after, now, changes)

    def _cause(self, rise: Rise, alarm_id: int | None) -> int | None:
        """The root this rise is a consequence of. A fibre link and the node behind it each
        explain the other (a cut link isolates the node; a dead node darkens its uplink):
        the link is taken for the cause, whichever reported first (it adopts the node)."""
        cause = self.correlator.root_for(rise.asset_id, excluding=alarm_id)
        if cause is None or not rise.rule.root:
            return cause
        covering = self.open.by_id.get(cause)
        topology = self.correlator.topology
        info = topology.get(rise.asset_id)
        if (
            covering is not None
            and info is not None
            and is_network_link(info.type)
            and is_network_node(covering.asset_type)
            and covering.asset_id in self.correlator.dependents(rise.asset_id)
        ):
            return None
        return cause

    def _fall(
        self, conn: Connection, current: Alarm | None, now: datetime, changes: Changes
    ) -> None:
        if current is None or current.state not in CONDITION_STATES:
            return
        if current.flapping:
            return  # held raised until the condition has been quiet for a flap window
        self._clear(conn, current, now, changes)

    def _clear(self, conn: Connection, current: Alarm, now: datetime, changes: Changes) -> None:
        after = replace(
            current,
            state=AlarmState.CLEARED,
            cleared_at=now,
            escalation_due_at=None,
            flapping=False,
            updated_at=now,
        )
        if self._save(conn, current, after, Change.CLEARED, now, changes):
            self._release_root(conn, after, now)
            if after.is_root and is_network_link(after.asset_type) and after.caused_by is not None:
                # A link back that was no root of its own: the network roots judge again.
                self.correlator.refresh_network()

    # --- correlation -----------------------------------------------------------------

    def _take_root(self, conn: Connection, root: Alarm, now: datetime, changes: Changes) -> None:
        """A top-level root is active: cover its dependents and adopt what showed first."""
        self.correlator.add_root(root.id, root.asset_id)
        window = timedelta(
            seconds=self.policy.adoption_intervals * expected_interval_s(root.asset_type)
        )
        adopted = self.correlator.adoptable(root, self.open, window, now)
        settling = [c for c in self.open.children_of(root.id) if c.promote_at is not None]
        fresh = store.fetch_alarms(conn, [a.id for a in adopted + settling], lock=True)
        for alarm in adopted:
            before = fresh.get(alarm.id)
            if before is None or before.state == AlarmState.CLOSED:
                continue
            self.correlator.absorb(root.id, before.id)
            after = replace(
                before, caused_by=root.id, escalation_due_at=None, promote_at=None, updated_at=now
            )
            self._save(conn, before, after, Change.CORRELATED, now, changes)
        for child in settling:
            before = fresh.get(child.id)
            if before is not None and before.caused_by == root.id:
                self._save(conn, before, replace(before, promote_at=None), None, now, changes)

    def _release_root(self, conn: Connection, root: Alarm, now: datetime) -> None:
        """A root cleared: its consequences still active get a while to recover with it
        before they stand alone (see `promote`)."""
        if not self.correlator.is_active_root(root.id):
            return
        self.correlator.remove_root(root.id)
        children = [c for c in self.open.children_of(root.id) if c.state in CONDITION_STATES]
        fresh = store.fetch_alarms(conn, [c.id for c in children], lock=True)
        for before in fresh.values():
            if before.state not in CONDITION_STATES or before.caused_by != root.id:
                continue
            settle = timedelta(
                seconds=self.policy.settle_intervals * expected_interval_s(before.asset_type)
            )
            self._save(conn, before, replace(before, promote_at=now + settle), None, now, [])

    # --- the clock -------------------------------------------------------------------

    def housekeeping(self, now: datetime, condition_active: Callable[[Key], bool]) -> Changes:
        changes: Changes = []
        c = alarms.c
        with self.engine.begin() as conn:
            for before in store.due(
                conn,
                and_(
                    c.escalation_due_at <= now,
                    c.state == AlarmState.RAISED.value,
                    c.caused_by.is_(None),
                ),
            ):
                severity = before.severity.raised_one_step()
                after = replace(
                    before,
                    severity=severity,
                    escalations=before.escalations + 1,
                    escalation_due_at=now + self.policy.escalation_delay(severity),
                    updated_at=now,
                )
                self._save(conn, before, after, Change.ESCALATED, now, changes)
            for before in store.due(
                conn, and_(c.shelved_until <= now, c.state == AlarmState.SHELVED.value)
            ):
                state = AlarmState.ACKNOWLEDGED if before.acknowledged_at else AlarmState.RAISED
                after = replace(before, state=state, shelved_until=None, updated_at=now)
                after = replace(after, escalation_due_at=self._escalation_due(after, now))
                self._save(conn, before, after, Change.UNSHELVED, now, changes)
            self._promote(conn, now, changes)
            if self.policy.close_cleared_after is not None:
                for before in store.due(
                    conn,
                    and_(
                        c.state == AlarmState.CLEARED.value,
                        c.cleared_at <= now - self.policy.close_cleared_after,
                    ),
                ):
                    after = replace(
                        before, state=AlarmState.CLOSED, closed_at=now, closed_by="vigie"
                    )
                    self._save(
                        conn, before, replace(after, updated_at=now), Change.CLOSED, now, changes
                    )
            quiet_since = now - self.policy.flap_window
            for before in store.due(
                conn,
                and_(
                    c.flapping == true(),
                    c.last_flap_at <= quiet_since,
                    c.state.in_([s.value for s in CONDITION_STATES]),
                ),
            ):
                if condition_active((before.asset_id, before.rule_id)):
                    after = replace(before, flapping=False, updated_at=now)
                    self._save(conn, before, after, Change.FLAPPING, now, changes)
                else:
                    self._clear(conn, before, now, changes)
        return changes

    def _promote(self, conn: Connection, now: datetime, changes: Changes) -> None:
        """Consequences whose root cleared (or was closed) without them: alarms of their own
        now, unless another active root covers them. Roots go first, so that a node still
        down after its fibre was mended takes its own devices back."""
        found = store.due(conn, alarms.c.promote_at <= now)
        for before in sorted(found, key=lambda a: (not a.is_root, a.id)):
            if before.state not in CONDITION_STATES:
                self._save(conn, before, replace(before, promote_at=None), None, now, changes)
                continue
            root = self.correlator.root_for(before.asset_id, excluding=before.id)
            after = replace(before, caused_by=root, promote_at=None, updated_at=now)
            after = replace(after, escalation_due_at=self._escalation_due(after, now))
            change = Change.PROMOTED if root is None else Change.CORRELATED
            saved = self._save(conn, before, after, change, now, changes)
            if saved and root is None and after.is_root:
                self._take_root(conn, after, now, changes)

    # --- writing ---------------------------------------------------------------------

    def _save(
        self,
        conn: Connection,
        before: Alarm,
        after: Alarm,
        change: Change | None,
        now: datetime,
        changes: Changes,
    ) -> bool:
        if store.save_alarm(conn, after, before.state):
            self.open.put(after)
            if change is not None:
                changes.append(AlarmChanged(change, after, now))
            return True
        # Someone (an operator) changed it meanwhile: follow the store.
        fresh = store.get_alarm(conn, before.id)
        if fresh is None:
            self.open.remove(before.id)
        else:
            self.learn(fresh)
        log.info("alarm %d changed under the engine; left as %s", before.id, fresh)
        return False
