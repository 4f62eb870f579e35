"""The facilities this build of Vigie runs: one line per domain integration. Adding a facility
is adding its folder under `vigie/domains/` and its line here."""

from __future__ import annotations

from vigie.domains.bollards.integration import INTEGRATION as BOLLARDS
from vigie.domains.buildings.integration import INTEGRATION as BUILDINGS
from vigie.domains.cctv.integration import INTEGRATION as CCTV
from vigie.domains.fleet.integration import INTEGRATION as FLEET
from vigie.domains.lighting.integration import INTEGRATION as LIGHTING
from vigie.domains.network.integration import INTEGRATION as NETWORK
from vigie.domains.traffic.integration import INTEGRATION as TRAFFIC
from vigie.domains.transit.integration import INTEGRATION as TRANSIT
from vigie.integration import Integration, install

INSTALLED: tuple[Integration, ...] = (
    NETWORK,  # first: the other domains' devices hang off its nodes
    LIGHTING,
    TRAFFIC,
    TRANSIT,
    FLEET,
    CCTV,
    BOLLARDS,
    BUILDINGS,
)


def install_all() -> None:
    """Install every facility of this build (idempotent)."""
    install(*INSTALLED)
