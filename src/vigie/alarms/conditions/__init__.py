"""Conditions: what a rule checks on an asset's latest values, one kind per module."""
