"""Telemetry: validate → dead-letter → deduplicate → twin update → time series → events."""
