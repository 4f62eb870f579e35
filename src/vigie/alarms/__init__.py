"""Alarms: rules evaluated on telemetry events and on the clock, a lifecycle operators act on,
root-cause correlation over the topology, escalation, webhooks and a live feed.

Start an engine beside a telemetry pipeline with `vigie.alarms.wiring.start_alarm_engine`;
rules are declared in `rules/*.toml` (see docs/alarms.md).
"""
