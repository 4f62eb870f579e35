"""Detection scoring: the simulator's ground truth against the alarms Vigie raised
(`vigie alarms score`)."""
