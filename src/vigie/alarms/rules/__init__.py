"""Alarm rule files, one per domain (data: see docs/alarms.md for the format)."""
