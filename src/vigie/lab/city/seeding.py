"""Independent, repeatable random streams for each stage of the generation.

Each stage (and each municipality within it) draws from its own stream derived from the seed,
so changing how one stage consumes randomness never shifts the layout of another.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Stream(IntEnum):
    STREETS = 1
    LIGHTING = 2
    TRAFFIC = 3
    CAMERAS = 4
    BOLLARDS = 5
    BUILDINGS = 6
    TRANSIT = 7
    FLEET = 8
    NETWORK = 9


def rng_for(seed: int, stream: Stream, index: int = 0) -> np.random.Generator:
    """The random generator of one stage (and one municipality, by its position)."""
    if seed < 0:
        raise ValueError("the seed must be a non-negative integer")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, int(stream), index])))


def pick(
    rng: np.random.Generator, options: Sequence[T], shares: Sequence[float] | None = None
) -> T:
    """One of `options`, uniformly or in proportion to `shares`, keeping its static type."""
    weights = None if shares is None else np.asarray(shares, dtype=float) / sum(shares)
    return options[int(rng.choice(len(options), p=weights))]
