"""Vigie: a connected control centre for the public facilities of a metropolitan area."""

__version__ = "0.1.0"
