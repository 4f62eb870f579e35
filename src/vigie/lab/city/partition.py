"""Split points into compact groups of chosen relative sizes (cabinet sectors, node areas)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vigie.lab.city.geo import FloatArray

IndexArray = npt.NDArray[np.intp]


def compact_groups(xy: FloatArray, weights: FloatArray) -> list[IndexArray]:
    """Indices of `xy` split into ``len(weights)`` non-empty, spatially compact groups whose
    sizes follow `weights`.

    Recursive bisection along the wider axis: unlike k-means it controls every group's size
    (a cabinet feeds 40-120 lights, not whatever a cluster happens to hold) and it is exactly
    repeatable (stable sorts, no random restarts). Needs at least as many points as groups.
    """
    if len(weights) > len(xy):
        raise ValueError(f"{len(xy)} points cannot make {len(weights)} non-empty groups")
    groups: list[IndexArray] = []
    _split(xy, np.arange(len(xy)), weights, groups)
    return groups


def _split(xy: FloatArray, members: IndexArray, weights: FloatArray, out: list[IndexArray]) -> None:
    if len(weights) == 1:
        out.append(members)
        return
    half = len(weights) // 2
    share = float(weights[:half].sum() / weights.sum())
    points = xy[members]
    axis = 0 if np.ptp(points[:, 0]) >= np.ptp(points[:, 1]) else 1
    ordered = members[np.argsort(points[:, axis], kind="stable")]
    cut = min(max(round(len(members) * share), half), len(members) - (len(weights) - half))
    _split(xy, ordered[:cut], weights[:half], out)
    _split(xy, ordered[cut:], weights[half:], out)
