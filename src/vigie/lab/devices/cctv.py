"""CCTV cameras as the video management system reports them every 5 minutes: online, a
picture received, the stream's bitrate (variable: busier scenes by day, sensor noise at
night). A `camera_offline` fault is reported at once (the VMS notices the stream drop)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from vigie.domains.cctv.assets import CAMERA
from vigie.domains.cctv.metrics import CAMERA_INTERVAL_S
from vigie.lab.devices.base import Affected, Command, Outcome, SimContext, rounded, unsupported
from vigie.lab.devices.traffic_curve import traffic_share
from vigie.registry.asset_types import Relation
from vigie.registry.snapshot import RegistrySnapshot

CAMERA = CAMERA
#: Mean H.264 bitrate of a stream by resolution, kbit/s.
BITRATE_KBPS = {"720p": 2_000.0, "1080p": 4_000.0, "4K": 12_000.0}


class Cctv:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        cameras = twin.of_type(CAMERA)
        self.ids = [c.id for c in cameras]
        self.index = {asset_id: k for k, asset_id in enumerate(self.ids)}
        self.node = [
            next((k.target_id for k in c.links if k.relation == Relation.CONNECTED_TO.value), "")
            for c in cameras
        ]
        self.bitrate_kbps = [
            BITRATE_KBPS.get(str(c.attributes.get("resolution")), 4_000.0) for c in cameras
        ]
        self.offline = np.zeros(len(cameras), dtype=bool)
        self._noise = ctx.rng("cctv:noise")

    def start(self, t0_s: float) -> None:
        for k in range(len(self.ids)):
            self._report(t0_s, k)
        for k, t_s in enumerate(self.ctx.phases("cctv", len(self.ids), CAMERA_INTERVAL_S)):
            self.ctx.scheduler.at(t_s, self._tick, k)

    def _tick(self, t_s: float, k: int) -> None:
        self._report(t_s, k)
        self.ctx.scheduler.at(t_s + CAMERA_INTERVAL_S, self._tick, k)

    def _report(self, t_s: float, k: int) -> None:
        if not self.ctx.node_reachable(self.node[k]):
            return
        if self.offline[k]:
            metrics: dict[str, object] = {"online": False, "video_ok": False, "bitrate_kbps": 0.0}
        else:
            activity = 0.8 + 0.3 * traffic_share(t_s)
            bitrate = self.bitrate_kbps[k] * activity * float(self._noise.lognormal(0.0, 0.08))
            metrics = {"online": True, "video_ok": True, "bitrate_kbps": rounded(bitrate, 0)}
        self.ctx.outbox.emit(self.ids[k], t_s, metrics)

    def finish(self, t_s: float) -> None:
        """No counters to close."""

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        return iter(())

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        if asset_id not in self.index:
            return None
        return unsupported(CAMERA, command)

    def fault_assets(self, kind: str) -> Sequence[str]:
        return self.ids if kind == "camera_offline" else ()

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        if self.offline[index]:
            return None
        self.offline[index] = True
        self._report(t_s, index)
        return Affected(t_s)

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        self.offline[index] = False
        self._report(t_s, index)
