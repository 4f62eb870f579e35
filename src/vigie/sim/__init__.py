"""Digital twin of the city: the generator of its assets (later the telemetry simulator)."""
