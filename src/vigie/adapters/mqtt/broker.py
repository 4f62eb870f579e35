"""A private Mosquitto on a free loopback port, for the tests, the benchmarks and the
simulator: the real broker, never a fake, so what passes here passes against production's.

Configured as production should be for ingest: persistence on, and a per-client queue large
enough that an offline worker's share of a burst waits for it instead of being dropped
(Mosquitto's default `max_queued_messages` is 1,000). And as production must be for safety:
no anonymous client; Vigie's services connect with a service account (`url` carries it),
devices with their own credentials (vigie.adapters.mqtt.access), re-read on `reload()`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from vigie.adapters.mqtt.access import (
    ACL_FILE,
    PASSWORD_FILE,
    PID_FILE,
    DeviceAccess,
    add_service_account,
    write_access_files,
)

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
        #: Vigie's own account on this broker (the whole `vigie/` tree), kept in its folder so
        #: that the broker restarted on the same folder (a second `make demo`) keeps it.
        self.service_account = ("vigie-service", self._service_password())

    def _service_password(self) -> str:
        kept = self.workdir / "service-password"
        if kept.exists():
            return kept.read_text(encoding="utf-8").strip()
        password = secrets.token_urlsafe(18)
        self.workdir.mkdir(parents=True, exist_ok=True)
        kept.write_text(password, encoding="utf-8")
        kept.chmod(0o600)
        return password

    @property
    def url(self) -> str:
        """The broker's URL with the service account's credentials."""
        user, password = self.service_account
        return f"mqtt://{user}:{password}@127.0.0.1:{self.port}"

    @property
    def anonymous_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def access_dir(self) -> Path:
        """Where its password and ACL files are (vigie.adapters.mqtt.access writes them)."""
        return self.workdir / "access"

    def grant(self, devices: Sequence[DeviceAccess]) -> None:
        """Rewrite the access files with these devices' credentials, and reload."""
        write_access_files(self.access_dir, devices)
        self.reload()

    def reload(self) -> None:
        """Have Mosquitto re-read its password and ACL files (SIGHUP)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGHUP)

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def _config(self) -> str:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous false",
            f"password_file {self.access_dir / PASSWORD_FILE}",
            f"acl_file {self.access_dir / ACL_FILE}",
            f"pid_file {self.access_dir / PID_FILE}",
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
        if not (self.access_dir / PASSWORD_FILE).exists():
            add_service_account(self.access_dir, *self.service_account)
            write_access_files(self.access_dir)
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
