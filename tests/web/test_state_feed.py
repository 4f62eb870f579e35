"""StateFeed, one client's queue of the state stream: latest value per (asset, metric),
scope and metric filters, bounded with an overflow that asks the client to resync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigie.auth.principal import Principal
from vigie.auth.roles import Role
from vigie.telemetry.events import StateChanged
from vigie.web.state_stream import StateFeed

T0 = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)


def _principal(scope: frozenset[str] | None = None) -> Principal:
    return Principal(user_id=1, username="u", role=Role.OPERATOR, municipalities=scope)


def _change(
    n: int, metric: str = "dim_pct", value: float = 50.0, code: str = "21231"
) -> StateChanged:
    return StateChanged(
        f"urn:ngsi-ld:Streetlight:{code}:{n}",
        "Streetlight",
        code,
        metric,
        value,
        None,
        None,
        None,
        T0 + timedelta(seconds=n),
    )


def test_only_the_latest_value_of_a_window_is_sent() -> None:
    feed = StateFeed(_principal(), frozenset({"dim_pct", "on"}), None)
    for value in (10.0, 20.0, 30.0):
        feed.offer(_change(1, value=value))
    feed.offer(_change(1, metric="on", value=1.0))
    feed.offer(_change(1, metric="energy_wh", value=5.0))  # not a map metric
    changes, lost = feed.take()
    assert [(c.metric, c.value) for c in changes] == [("dim_pct", 30.0), ("on", 1.0)]
    assert lost == 0
    assert feed.take() == ([], 0)


def test_changes_outside_the_scope_or_the_asset_are_never_queued() -> None:
    feed = StateFeed(_principal(frozenset({"21617"})), None, None)
    feed.offer(_change(1, code="21231"))
    feed.offer(_change(2, code="21617"))
    assert [c.asset_id for c in feed.take()[0]] == ["urn:ngsi-ld:Streetlight:21617:2"]
    one = StateFeed(_principal(), None, "urn:ngsi-ld:Streetlight:21231:7")
    one.offer(_change(6))
    one.offer(_change(7, metric="power_w"))
    assert [c.asset_id for c in one.take()[0]] == ["urn:ngsi-ld:Streetlight:21231:7"]


def test_an_overflowing_window_is_dropped_and_counted() -> None:
    feed = StateFeed(_principal(), None, None)
    feed.size = 100
    for n in range(150):
        feed.offer(_change(n))
    changes, lost = feed.take()
    assert lost == 101  # the 100 queued and the one that did not fit; the rest queued after
    assert len(changes) == 49
    assert feed.take() == ([], 0)
