"""Street lighting: luminaires and their control cabinets."""
