"""What the network supervision reports for nodes and fibre links, every minute."""

from __future__ import annotations

from vigie.telemetry.metrics import bool_metric, by_key, number

NETWORK_INTERVAL_S = 60.0

NETWORK_NODE_METRICS = by_key(
    bool_metric("reachable", NETWORK_INTERVAL_S),
    number("latency_ms", "ms", 0, 60_000, NETWORK_INTERVAL_S, "round trip from the core"),
)

FIBRE_LINK_METRICS = by_key(
    bool_metric("link_up", NETWORK_INTERVAL_S),
    number("latency_ms", "ms", 0, 60_000, NETWORK_INTERVAL_S),
    number("optical_power_dbm", "dBm", -50, 10, NETWORK_INTERVAL_S, "received optical power"),
)
