"""The time series behind the raw readings: hourly and daily rollups, retention of raw data
and (on PostgreSQL) monthly partitions of `readings`.

- `rollups.roll_up` recomputes the buckets that received readings since the last run;
- `retention.prune` deletes raw readings past the retention once they are rolled up;
- `partitions.ensure_partitions` creates the monthly partitions a batch of readings needs;
- `local_days.local_days` aggregates hourly rollups into local days for reports;
- `maintenance.Maintenance` runs the first two on a schedule, for the server.
"""
