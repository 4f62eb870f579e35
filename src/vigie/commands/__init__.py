"""Commands to field devices: one command, many target devices, a status per device
(pending → sent → acknowledged | failed | expired), retries and expiry, dispatched over the
device protocol (`.../cmd`, acknowledged on `.../cmd/ack`). Generic: a domain (lighting,
traffic) registers what its actions mean and how to check them (`validation.py`)."""
