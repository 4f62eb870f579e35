"""The data-only condition kind: all of a list of clauses on the asset's metrics, optionally
only within some local hours. Thresholds with hysteresis are clauses like
`{ metric = "supply_v", below = 180.0, clear_above = 200.0 }`: the alarm trips below 180 V and
clears only above 200 V.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from vigie.alarms.conditions.base import Condition, Context, ParamError
from vigie.alarms.conditions.local_time import HoursWindow
from vigie.alarms.topology import Topology
from vigie.core.text import Text
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.metrics import MetricDescription, MetricKind


class ClauseSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    metric: str
    equals: bool | float | str | None = None
    one_of: list[str] | None = None
    below: float | None = None
    above: float | None = None
    clear_above: float | None = None
    clear_below: float | None = None
    not_empty: bool | None = None


class ConditionParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    when: list[ClauseSpec]
    #: ["22:00", "05:00"]: only within these local hours (the territory's zone).
    local_hours: list[str] | None = None


def _format(number: float) -> str:
    return f"{number:g}"


class Clause:
    def __init__(self, spec: ClauseSpec, description: MetricDescription) -> None:
        self.spec = spec
        self.unit = f" {description.unit}" if description.unit else ""

    def holds(self, ctx: Context, active: bool) -> Text | None:
        s = self.spec
        found = ctx.values.get(s.metric)
        if found is None:
            return None
        value, text = found.value, found.text
        if s.equals is not None:
            if isinstance(s.equals, bool):
                ok = value == (1.0 if s.equals else 0.0)
                if not ok:
                    return None
                return Text(
                    f"{s.metric} {str(s.equals).lower()}",
                    f"{s.metric} {'vrai' if s.equals else 'faux'}",
                )
            if isinstance(s.equals, str):
                return Text.same(f"{s.metric} {text}") if text == s.equals else None
            if value != s.equals:
                return None
            return Text.same(f"{s.metric} = {_format(s.equals)}{self.unit}")
        if s.one_of is not None:
            return Text.same(f"{s.metric} {text}") if text in s.one_of else None
        if s.not_empty is not None:
            return Text.same(f"{s.metric} {text!r}") if bool(text) == s.not_empty else None
        if value is None:
            return None
        if s.below is not None:
            limit = s.clear_above if active and s.clear_above is not None else s.below
            ok = value <= limit if active and s.clear_above is not None else value < limit
            return (
                Text.same(f"{s.metric} {_format(value)}{self.unit} < {_format(s.below)}{self.unit}")
                if ok
                else None
            )
        if s.above is not None:
            limit = s.clear_below if active and s.clear_below is not None else s.above
            ok = value >= limit if active and s.clear_below is not None else value > limit
            return (
                Text.same(f"{s.metric} {_format(value)}{self.unit} > {_format(s.above)}{self.unit}")
                if ok
                else None
            )
        return None


def _check_clause(spec: ClauseSpec, index: int, reporter_type: str) -> MetricDescription:
    description = METRICS[reporter_type].get(spec.metric)
    if description is None:
        known = ", ".join(sorted(METRICS[reporter_type]))
        raise ParamError(
            f"{reporter_type} has no metric {spec.metric!r} (it has {known})", "when", index
        )
    tests = [
        name
        for name in ("equals", "one_of", "below", "above", "not_empty")
        if getattr(spec, name) is not None
    ]
    if len(tests) != 1:
        raise ParamError(
            "a clause needs exactly one of equals, one_of, below, above, not_empty; "
            f"this one has {', '.join(tests) or 'none'}",
            "when",
            index,
        )
    kind = description.kind
    (test,) = tests

    def refuse(reason: str) -> ParamError:
        return ParamError(f"{spec.metric} ({kind.value}): {reason}", "when", index)

    if test == "equals":
        if kind is MetricKind.BOOL and not isinstance(spec.equals, bool):
            raise refuse("compare a boolean metric with true or false")
        if kind in (MetricKind.ENUM, MetricKind.TEXT) and not isinstance(spec.equals, str):
            raise refuse("compare with a string")
        if kind is MetricKind.ENUM and spec.equals not in description.options:
            raise refuse(f"{spec.equals!r} is not one of {', '.join(description.options)}")
        if (
            description.is_numeric
            and kind is not MetricKind.BOOL
            and isinstance(spec.equals, (bool, str))
        ):
            raise refuse("compare a number with a number")
    elif test == "one_of":
        if kind not in (MetricKind.ENUM, MetricKind.TEXT):
            raise refuse("one_of applies to enum and text metrics")
        if kind is MetricKind.ENUM:
            unknown = sorted(set(spec.one_of or ()) - set(description.options))
            if unknown:
                raise refuse(f"{', '.join(unknown)} not in {', '.join(description.options)}")
    elif test == "not_empty":
        if kind is not MetricKind.TEXT:
            raise refuse("not_empty applies to text metrics")
    elif kind not in (MetricKind.NUMBER, MetricKind.COUNTER):
        raise refuse(f"{test} applies to numbers")
    if spec.clear_above is not None and (spec.below is None or spec.clear_above < spec.below):
        raise refuse("clear_above goes with below, and is at least the below threshold")
    if spec.clear_below is not None and (spec.above is None or spec.clear_below > spec.above):
        raise refuse("clear_below goes with above, and is at most the above threshold")
    return description


class ClauseCondition(Condition):
    def __init__(self, params: ConditionParams, reporter_type: str) -> None:
        if not params.when:
            raise ParamError("when needs at least one clause", "when")
        self.clauses = [
            Clause(spec, _check_clause(spec, index, reporter_type))
            for index, spec in enumerate(params.when)
        ]
        self.metrics = frozenset(spec.metric for spec in params.when)
        self.hours: HoursWindow | None = None
        if params.local_hours is not None:
            if len(params.local_hours) != 2:
                raise ParamError('local_hours is ["HH:MM", "HH:MM"]', "local_hours")
            try:
                self.hours = HoursWindow(*params.local_hours)
            except ValueError as error:
                raise ParamError(str(error), "local_hours") from None
            self.on_tick = True

    def idle(self, now: datetime, topology: Topology) -> bool:
        return self.hours is not None and not self.hours.contains(now)

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        if self.hours is not None and not self.hours.contains(ctx.now):
            return None
        details: list[Text] = []
        for clause in self.clauses:
            detail = clause.holds(ctx, active)
            if detail is None:
                return None
            details.append(detail)
        if self.hours is not None:
            details.append(Text(f"between {self.hours}", f"entre {self.hours}"))
        return Text.joined(details)
