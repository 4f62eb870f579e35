"""Protocol edges: translate wire formats (MQTT today) to core calls and events, and back.

Adapters hold no business rules: validation, deduplication and the twin belong to
`vigie.telemetry`; an adapter only carries messages to it and acknowledges what it committed.
"""
