"""One package per facility domain: its metrics, commands, rules and schedules."""
