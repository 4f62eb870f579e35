"""Access bollards."""
