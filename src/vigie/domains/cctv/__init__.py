"""CCTV cameras."""
