"""Metres and degrees at city scale: a local equirectangular approximation of WGS84.

Over a metropolitan area (tens of kilometres) the error is well under 0.1%, which is far
below the precision of the positions municipalities record.
"""

from __future__ import annotations

import math

#: Length of one degree of latitude, metres (mean value; it varies by 1% pole to equator).
M_PER_DEG_LAT = 111_132.0


def m_per_deg_lon(lat_deg: float) -> float:
    """Length of one degree of longitude at latitude `lat_deg`, metres."""
    return M_PER_DEG_LAT * math.cos(math.radians(lat_deg))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance between two nearby WGS84 points, metres."""
    dx = (lon2 - lon1) * m_per_deg_lon((lat1 + lat2) / 2)
    dy = (lat2 - lat1) * M_PER_DEG_LAT
    return math.hypot(dx, dy)
