"""Issue #20, findings 2 and 5, against a real `vigie serve`: one request's bad body never
fails another request (they share the ingest's group commit), a bad body gets a 4xx that
says why, and a body past the limit is refused while it is read, not after."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.builders import seed_small_network
from tests.hostile import post_telemetry
from tests.web.server import Server, start_server
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import dead_letters, readings

LIGHTS = [f"urn:ngsi-ld:Streetlight:21231:{n}" for n in range(1, 11)]


class Rig:
    def __init__(self, server: Server, token: str, database_url: str) -> None:
        self.server = server
        self.token = token
        self.database_url = database_url
        self.host, port = server.base_url.removeprefix("http://").split(":")
        self.port = int(port)

    def post(self, body: bytes) -> tuple[int, dict]:
        status, raw = post_telemetry(self.host, self.port, self.token, body)
        return status, json.loads(raw) if raw else {}

    def count(self, table: object) -> int:
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]
        finally:
            engine.dispose()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    database_url = f"sqlite:///{tmp_path / 'vigie.db'}"
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        seed_small_network(conn, now - timedelta(days=1))
        user = add_user(conn, username="gateway", password="gateway-password",
                        role=Role.DEVICE, actor="test", now=now)  # fmt: skip
        token, _ = issue_token(conn, user_id=user.id, kind="machine", name="t", now=now,
                               lifetime=None)  # fmt: skip
    engine.dispose()
    server = start_server(tmp_path, database_url, {"VIGIE_HTTP_BODY_TIMEOUT_S": "1"})
    try:
        yield Rig(server, token, database_url)
    finally:
        server.stop()


def _valid(n: int) -> bytes:
    ts = (datetime.now(UTC) - timedelta(seconds=60, microseconds=n)).isoformat()
    return json.dumps(
        [{"asset": LIGHTS[n % len(LIGHTS)], "ts": ts, "metrics": {"power_w": 10.0 + n % 40}}]
    ).encode()


HOSTILE = [
    b'[{"asset": "'
    + LIGHTS[0].encode()
    + b'", "ts": "2026-01-01T00:00:00Z", "metrics": {"x": "\xff"}}]',
    b"[" * 5000 + b"]" * 5000,
    b'[{"asset": "'
    + LIGHTS[0].encode()
    + b'\\u0000", "ts": "2026-01-01T00:00:00Z", "metrics": {}}]',
    b'{"not": "an array"',
    b"\xff\xfe\xfd",
]


def test_bad_bodies_get_a_4xx_and_never_fail_their_neighbours(rig: Rig) -> None:
    bodies = [(_valid(n), True) for n in range(100)]
    for i, hostile in enumerate(HOSTILE * 4):
        bodies.insert(5 + i * 4, (hostile, False))
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda item: (rig.post(item[0]), item[1]), bodies))
    for (status, body), valid in answers:
        if valid:
            assert status == 202 and body["stored"] == 1, body
        else:
            assert 400 <= status < 500, (status, body)
            assert body["detail"], body
    assert rig.count(readings) == 100
    assert rig.count(dead_letters) >= len(HOSTILE) * 4


def test_a_body_past_the_limit_is_refused_before_it_is_read(rig: Rig) -> None:
    limit = 16 * 1_048_576
    # Declared too large: refused at once, without reading a byte of it.
    with socket.create_connection((rig.host, rig.port), timeout=30) as raw:
        raw.sendall(
            b"POST /api/v1/telemetry HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: Bearer {rig.token}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {200 * 1_048_576}\r\n\r\n".encode()
        )
        answer = raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    # Streamed without a length: refused at the first chunk past the limit.
    connection = http.client.HTTPConnection(rig.host, rig.port, timeout=60)
    chunk = b"[" + b" " * (1_048_576 - 1)

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    try:
        connection.request(
            "POST",
            "/api/v1/telemetry",
            body=chunks(),
            headers={"Authorization": f"Bearer {rig.token}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["type"].endswith("too-large")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close while the client still writes: refused all the same
    finally:
        connection.close()
    assert rig.count(dead_letters) == 2


def test_a_reading_with_100000_unknown_metrics_costs_one_dead_letter(rig: Rig) -> None:
    """Finding 6: each refused metric used to write its own dead letter carrying the whole
    payload (6.55 GB for one 1.48 MB request)."""
    ts = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
    metrics = {f"m{n}": n for n in range(100_000)}
    body = json.dumps([{"asset": LIGHTS[0], "ts": ts, "metrics": {"power_w": 12.0, **metrics}}])
    status, answer = rig.post(body.encode())
    assert status == 202, answer
    assert (answer["stored"], answer["rejected"]) == (1, 100_000)
    assert len(answer["reasons"]) == 20
    engine = make_engine(rig.database_url)
    try:
        with engine.connect() as conn:
            [row] = conn.execute(select(dead_letters)).all()
    finally:
        engine.dispose()
    assert row.refusals == 100_000
    assert row.reason == "unknown metric: 'm0' for Streetlight"
    assert len(row.payload) <= 65_536 and row.payload_bytes > 1_000_000  # the reading, cut


def test_a_stalled_body_is_answered_408_instead_of_holding_the_server(rig: Rig) -> None:
    """Finding 5: a client that sent its headers and then stalled held a worker for good."""
    with socket.create_connection((rig.host, rig.port), timeout=30) as raw:
        raw.sendall(
            b"POST /api/v1/telemetry HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: Bearer {rig.token}\r\n".encode()
            + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"asset"'
        )
        answer = raw.recv(4096).decode()  # the server gives up after VIGIE_HTTP_BODY_TIMEOUT_S
    assert answer.startswith("HTTP/1.1 408"), answer[:200]
    assert "the body stalled" in answer
    status, _ = rig.post(_valid(1))  # and serves the others all along
    assert status == 202
