"""MQTT topic names of the device protocol (docs/protocol.md).

    vigie/<municipality>/<asset type>/<asset id>/<channel>

`<asset id>` is the local part of the asset's URN (`17` for urn:ngsi-ld:Streetlight:21231:17)
or, for parts such as meters, their local part too (`5-1` for urn:ngsi-ld:Meter:21231:5-1);
the channel is telemetry, state, cmd or cmd/ack.
"""

from __future__ import annotations

from typing import NamedTuple

from vigie.registry.ids import asset_urn, parse_urn

ROOT = "vigie"
CHANNELS = ("telemetry", "state", "cmd", "cmd/ack")
#: What ingest workers subscribe to, as one shared subscription group.
TELEMETRY_FILTER = f"{ROOT}/+/+/+/telemetry"
SHARE_GROUP = "vigie-ingest"


class Topic(NamedTuple):
    municipality_code: str
    asset_type: str
    asset_id: str  # the full URN
    channel: str


def topic_for(asset_id: str, channel: str = "telemetry") -> str:
    parsed = parse_urn(asset_id)
    if parsed is None:
        raise ValueError(f"not a Vigie URN: {asset_id!r}")
    asset_type, municipality, local = parsed
    return f"{ROOT}/{municipality}/{asset_type}/{local}/{channel}"


def parse_topic(topic: str) -> Topic | None:
    """The parts of a protocol topic, or None if the topic is not one."""
    parts = topic.split("/")
    if len(parts) < 5 or parts[0] != ROOT:
        return None
    municipality, asset_type, local = parts[1], parts[2], parts[3]
    channel = "/".join(parts[4:])
    if channel not in CHANNELS or not municipality or not asset_type or not local:
        return None
    asset_id = asset_urn(asset_type, municipality, local)
    if parse_urn(asset_id) is None:
        return None
    return Topic(municipality, asset_type, asset_id, channel)


def shared_subscription(topic_filter: str = TELEMETRY_FILTER, group: str = SHARE_GROUP) -> str:
    """The MQTT 5 shared subscription through which several ingest workers split the load."""
    return f"$share/{group}/{topic_filter}"
