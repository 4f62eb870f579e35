"""The ingest writer's group commit: a failure is only ever the batch's own."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from vigie.telemetry.writer import GroupCommitter


def _ingest(groups: list[Sequence[str]]) -> list[int]:
    """Stands for the store: one transaction for all the groups; a group holding "poison"
    makes it fail, like content the store refuses."""
    if any("poison" in group for group in groups):
        raise ValueError("the store refused a row")
    return [len(group) for group in groups]


def test_a_failing_batch_fails_alone_and_its_neighbours_are_committed() -> None:
    writer: GroupCommitter[str, int] = GroupCommitter(_ingest, max_groups=16)
    # Queued before the thread starts, so that they share one transaction.
    futures = [writer.submit(["a"] * n) for n in range(1, 6)]
    poisoned = writer.submit(["b", "poison"])
    futures += [writer.submit(["c"] * n) for n in range(6, 9)]
    writer.start()
    assert [f.result(timeout=10) for f in futures] == [1, 2, 3, 4, 5, 6, 7, 8]
    with pytest.raises(ValueError, match="refused a row"):
        poisoned.result(timeout=10)
    writer.stop()
