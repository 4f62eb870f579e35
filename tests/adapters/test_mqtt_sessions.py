"""Issue #20, finding 8: two `vigie ingest` on one host shared their default client id and
disconnected each other in a loop. Workers on one host now get distinct, stable default ids
from their number (`--worker N`)."""

from __future__ import annotations

from vigie.adapters.mqtt.settings import default_client_id


def test_workers_on_one_host_get_distinct_stable_client_ids() -> None:
    assert default_client_id(1) != default_client_id(2)
    assert default_client_id(2) == default_client_id(2)
    assert default_client_id(1).startswith("vigie-ingest-") and default_client_id(1).endswith("-1")
