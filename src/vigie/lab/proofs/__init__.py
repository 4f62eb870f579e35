"""Proofs run on the simulated city: the lighting year (`vigie lighting prove`)."""
