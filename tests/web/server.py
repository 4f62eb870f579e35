"""A real `vigie serve` (uvicorn) on a free loopback port, on a store prepared beforehand."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw = error.read()
            status = error.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw

    def login(self, username: str, password: str) -> str:
        status, body = self.request(
            "POST", "/api/v1/auth/token", body={"username": username, "password": password}
        )
        assert status == 200, body
        token: str = body["access_token"]
        return token

    def post_telemetry(self, token: str, readings: list[dict[str, Any]]) -> dict[str, Any]:
        status, body = self.request("POST", "/api/v1/telemetry", token=token, body=readings)
        assert status == 202, body
        assert body["rejected"] == 0, body
        result: dict[str, Any] = body
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    var_dir: Path, database_url: str, extra_env: dict[str, str] | None = None
) -> Server:
    port = free_port()
    log_path = var_dir / f"serve-{port}.log"
    env = {
        **os.environ,
        "VIGIE_VAR_DIR": str(var_dir),
        "VIGIE_DATABASE_URL": database_url,
        "VIGIE_HTTP_HOST": "127.0.0.1",
        "VIGIE_HTTP_PORT": str(port),
        **(extra_env or {}),
    }
    env.pop("VIGIE_MAP_STYLE_URL", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigie.cli.main", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vigie serve exited: {log_path.read_text()[-2000:]}")
        try:
            status, _ = server.request("GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"vigie serve did not answer in {START_TIMEOUT_S} s: {log_path}")
