"""The city generator: a plausible, repeatable digital twin of the metropolitan area's
facilities (streets in memory; lights, cabinets, signals, cameras, bollards, buses, fleet,
buildings and the fibre network as registry assets)."""

from vigie.lab.city.counts import CityPlan, parse_scale, plan_city
from vigie.lab.city.generator import STAGES, GeneratedCity, generate_city
from vigie.lab.city.writer import StoreNotEmpty, write_city

__all__ = [
    "STAGES",
    "CityPlan",
    "GeneratedCity",
    "StoreNotEmpty",
    "generate_city",
    "parse_scale",
    "plan_city",
    "write_city",
]
