"""The municipal vehicle fleet."""
