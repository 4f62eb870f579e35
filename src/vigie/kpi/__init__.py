"""Contract KPIs computed from the store, never typed in: lighting energy savings (#5)."""
