"""The small core every domain shares: the clock (the bus and twin state come with telemetry)."""
