"""Logging in, tokens, expiry and roles, through the HTTP API on a real store."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, auth, token_for
from vigie.core.clock import ManualClock


def test_login_gives_a_token_that_identifies_the_user(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "tala", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "municipal_agent"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {
        "username": "tala",
        "role": "municipal_agent",
        "municipalities": ["21617"],
        "token_kind": "session",
    }


def test_wrong_password_and_unknown_user_are_refused_alike(client: TestClient) -> None:
    for username, password in (("ada", "wrong password"), ("nobody", PASSWORD)):
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "wrong username or password"


def test_requests_without_a_valid_token_are_401_problems(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/assets", headers=headers)
        assert response.status_code == 401
        assert response.json()["status"] == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_session_token_expires(client: TestClient, clock: ManualClock) -> None:
    headers = auth(client, "olga")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logout_revokes_the_token(client: TestClient) -> None:
    token = token_for(client, "olga")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_roles_without_the_permission_get_403(client: TestClient) -> None:
    body = {
        "type": "NetworkNode",
        "name": "Node",
        "municipality_code": "21231",
        "lon": 5.04,
        "lat": 47.32,
        "attributes": {"node_role": "access"},
    }
    for username in ("vic", "olga", "theo"):
        response = client.post("/api/v1/assets", json=body, headers=auth(client, username))
        assert response.status_code == 403, username
        assert "may not assets.create" in response.json()["detail"]
    assert client.get("/api/v1/audit", headers=auth(client, "olga")).status_code == 403


def test_login_attempts_are_audited(client: TestClient) -> None:
    client.post("/api/v1/auth/token", json={"username": "olga", "password": "nope nope"})
    token_for(client, "olga")
    trail = client.get("/api/v1/audit?entity_id=olga", headers=auth(client, "ada")).json()["items"]
    assert [entry["action"] for entry in trail] == [
        "auth.login",
        "auth.login_failed",
        "user.create",
    ]
