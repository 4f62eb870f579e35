"""Traffic signals: intersection controllers, plans, detectors."""
