"""When public buildings are in use, by kind (local time): schools on the French week
(Wednesday mornings only), offices and the town hall on office hours, sports halls and pools
every day into the evening, libraries Tuesday to Saturday, and so on."""

from __future__ import annotations

from vigie.lab.devices.calendar import local

#: use → {weekday (0 = Monday): (opens, closes) local hours}
_ALL_WEEK = range(7)
_WORK_WEEK = range(5)
OPENING_HOURS: dict[str, dict[int, tuple[float, float]]] = {
    "school": {0: (8.0, 17.5), 1: (8.0, 17.5), 2: (8.0, 12.0), 3: (8.0, 17.5), 4: (8.0, 17.5)},
    "nursery": {d: (7.5, 18.5) for d in _WORK_WEEK},
    "gym": {d: (8.0, 22.0) for d in _ALL_WEEK},
    "pool": {d: (7.0, 21.0) for d in _ALL_WEEK},
    "office": {d: (8.5, 18.0) for d in _WORK_WEEK},
    "town_hall": {**{d: (8.5, 17.5) for d in _WORK_WEEK}, 5: (9.0, 12.0)},
    "library": {d: (10.0, 19.0) for d in range(1, 6)},
    "cultural": {d: (14.0, 23.0) for d in range(1, 7)},
    "depot": {d: (7.0, 17.0) for d in _WORK_WEEK},
    "social": {d: (9.0, 20.0) for d in range(6)},
    "other": {d: (17.0, 22.0) for d in _ALL_WEEK},
}
#: Heating starts this long before opening, so the rooms are warm when people arrive.
PREHEAT_H = 1.5


def occupied(use: str, t_s: float, lead_h: float = 0.0) -> bool:
    """Whether the building is open at `t_s` (or will be within `lead_h` hours)."""
    moment = local(t_s)
    hours = OPENING_HOURS.get(use, OPENING_HOURS["other"]).get(moment.weekday())
    if hours is None:
        return False
    hour = moment.hour + moment.minute / 60.0
    return hours[0] - lead_h <= hour < hours[1]


def is_night(t_s: float) -> bool:
    hour = local(t_s).hour
    return hour >= 19 or hour < 6
