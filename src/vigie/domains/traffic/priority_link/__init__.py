"""Live bus priority over MQTT: buses' telemetry in, priority requests to controllers out."""
