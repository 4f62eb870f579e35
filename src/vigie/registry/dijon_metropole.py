"""The 23 communes of Dijon Métropole, with approximate centroids, areas and populations.

Sources: INSEE codes from the Code officiel géographique; areas and populations rounded from
INSEE's legal populations (2021). Neuilly-lès-Dijon and Crimolois merged into
Neuilly-Crimolois on 1 January 2019, which is why the 24 municipalities of the 2017 contract
are 23 communes today. Centroids are approximate (±1 km).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    lon: float
    lat: float
    area_km2: float
    population: int


DIJON_METROPOLE: tuple[Commune, ...] = (
    Commune("21231", "Dijon", 5.0415, 47.3220, 40.4, 159_346),
    Commune("21003", "Ahuy", 5.0210, 47.3700, 6.0, 1_268),
    Commune("21105", "Bressey-sur-Tille", 5.1850, 47.3060, 4.5, 1_012),
    Commune("21106", "Bretenière", 5.1120, 47.2380, 5.0, 926),
    Commune("21166", "Chenôve", 5.0060, 47.2920, 13.2, 13_859),
    Commune("21171", "Chevigny-Saint-Sauveur", 5.1350, 47.3010, 11.5, 11_437),
    Commune("21192", "Corcelles-les-Monts", 4.9400, 47.2970, 12.0, 692),
    Commune("21223", "Daix", 4.9990, 47.3510, 5.0, 1_497),
    Commune("21263", "Fénay", 5.0610, 47.2330, 11.0, 1_690),
    Commune("21271", "Flavignerot", 4.9580, 47.2860, 7.0, 194),
    Commune("21278", "Fontaine-lès-Dijon", 5.0200, 47.3420, 4.2, 9_064),
    Commune("21315", "Hauteville-lès-Dijon", 4.9950, 47.3660, 5.6, 1_188),
    Commune("21355", "Longvic", 5.0630, 47.2870, 11.0, 9_192),
    Commune("21370", "Magny-sur-Tille", 5.1780, 47.2800, 7.5, 901),
    Commune("21390", "Marsannay-la-Côte", 4.9890, 47.2710, 12.6, 5_431),
    Commune("21452", "Neuilly-Crimolois", 5.1140, 47.2680, 11.0, 2_735),
    Commune("21473", "Ouges", 5.0750, 47.2610, 9.9, 1_413),
    Commune("21481", "Perrigny-lès-Dijon", 5.0060, 47.2650, 7.3, 1_702),
    Commune("21485", "Plombières-lès-Dijon", 4.9640, 47.3370, 16.5, 2_686),
    Commune("21515", "Quetigny", 5.1070, 47.3140, 7.8, 9_755),
    Commune("21540", "Saint-Apollinaire", 5.0850, 47.3330, 9.4, 7_504),
    Commune("21605", "Sennecey-lès-Dijon", 5.1030, 47.2900, 4.3, 2_254),
    Commune("21617", "Talant", 5.0030, 47.3370, 5.4, 11_465),
)
