"""Buses and their lines."""
