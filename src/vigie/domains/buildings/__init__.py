"""Public buildings and their meters."""
