"""CCTV's asset type: cameras."""

from __future__ import annotations

from typing import Literal

from vigie.domains.network.assets import ON_NETWORK
from vigie.registry.asset_types import (
    AssetTypeSpec,
    Attributes,
)

CAMERA = "Camera"


class CameraAttributes(Attributes):
    camera_kind: Literal["fixed", "ptz", "dome"]
    camera_usage: Literal["security", "traffic", "both"]
    resolution: Literal["720p", "1080p", "4K"] = "1080p"


ASSET_TYPES = (AssetTypeSpec(CAMERA, CameraAttributes, "Point", links=ON_NETWORK),)
