"""Outdoor temperature in Dijon, enough to drive heating: the climate normal of the day
(January 2 °C, July 21 °C mean), a daily swing (coldest near dawn, warmest mid-afternoon)
and a seeded anomaly per day (weather systems), interpolated so temperature is smooth."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from vigie.lab.devices.calendar import DAY_S, local_hour

ANNUAL_MEAN_C = 11.5
ANNUAL_SWING_C = 9.5
COLDEST_DAY_OF_YEAR = 15
ANOMALY_SIGMA_C = 2.5


class Weather:
    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._anomalies: dict[int, float] = {}

    def _anomaly(self, day: int) -> float:
        found = self._anomalies.get(day)
        if found is None:
            seeds = np.random.SeedSequence([self._seed, 77, day])
            rng = np.random.Generator(np.random.PCG64(seeds))
            found = float(rng.normal(0.0, ANOMALY_SIGMA_C))
            self._anomalies[day] = found
        return found

    def daily_mean_c(self, t_s: float) -> float:
        day_of_year = datetime.fromtimestamp(t_s, UTC).timetuple().tm_yday
        normal = ANNUAL_MEAN_C - ANNUAL_SWING_C * math.cos(
            2 * math.pi * (day_of_year - COLDEST_DAY_OF_YEAR) / 365.25
        )
        day = t_s / DAY_S
        whole = math.floor(day)
        fraction = day - whole
        anomaly = (1 - fraction) * self._anomaly(whole) + fraction * self._anomaly(whole + 1)
        return normal + anomaly

    def outdoor_c(self, t_s: float) -> float:
        mean = self.daily_mean_c(t_s)
        # Wider daily swings in summer (clear, long days) than in winter.
        swing = 3.0 + 2.5 * max(0.0, (mean - 2.0) / 19.0)
        return mean + swing * math.cos(2 * math.pi * (local_hour(t_s) - 15.0) / 24.0)

    def heating_season(self, t_s: float) -> bool:
        """Heating runs when the day's mean is below 15 °C (the usual heating threshold)."""
        return self.daily_mean_c(t_s) < 15.0
