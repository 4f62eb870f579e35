"""A private Mosquitto on a free loopback port, for the tests, the benchmarks and the
simulator: the real broker, never a fake, so what passes here passes against production's.

Configured as production should be for ingest: persistence on, and a per-client queue large
enough that an offline worker's share of a burst waits for it instead of being dropped
(Mosquitto's default `max_queued_messages` is 1,000).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

#: Where Debian's package puts the binary (`/usr/sbin` is not on every user's PATH).
_KNOWN_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


class BrokerError(RuntimeError):
    pass


def find_mosquitto() -> str | None:
    """The mosquitto binary (on PATH or where Debian installs it), or None."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((path for path in _KNOWN_PATHS if os.access(path, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalBroker:
    """`with LocalBroker(workdir) as broker:` … `broker.url` … (stopped on exit)."""

    def __init__(self, workdir: Path, *, max_queued_messages: int = 10_000_000) -> None:
        self.workdir = workdir
        self.max_queued_messages = max_queued_messages
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def _config(self) -> str:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {self.workdir / 'data'}/",
            f"max_queued_messages {self.max_queued_messages}",
            "max_queued_bytes 0",
            # Acks and small messages should not wait for Nagle's algorithm.
            "set_tcp_nodelay true",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if os.geteuid() == 0:
            # Run as root, Mosquitto would switch to a `mosquitto` user that cannot write here.
            lines.append("user root")
        return "\n".join(lines) + "\n"

    def start(self, timeout_s: float = 10.0) -> None:
        binary = find_mosquitto()
        if binary is None:
            raise BrokerError("mosquitto is not installed (scripts/system-packages.sh)")
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):  # another process may take the free port before we bind it
            self.port = free_port()
            config = self.workdir / "mosquitto.conf"
            config.write_text(self._config(), encoding="utf-8")
            self._process = subprocess.Popen(
                [binary, "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_listening(timeout_s):
                return
            self.stop()
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        raise BrokerError(f"mosquitto did not start; its log:\n{log[-2000:]}")

    def _wait_listening(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
