"""GTFS static (schedule) and GTFS-realtime feeds of the bus network."""
