"""Settings read from the environment (``VIGIE_*``), with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VAR_DIR = Path("var")


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; every field has an embedded default so `make demo` needs none."""

    database_url: str
    var_dir: Path
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    token_lifetime_s: int = 12 * 3600
    page_size_default: int = 100
    page_size_max: int = 5000

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(os.environ.get("VIGIE_VAR_DIR", str(DEFAULT_VAR_DIR)))
        database_url = os.environ.get("VIGIE_DATABASE_URL") or f"sqlite:///{var_dir / 'vigie.db'}"
        return cls(
            database_url=database_url,
            var_dir=var_dir,
            http_host=os.environ.get("VIGIE_HTTP_HOST", "127.0.0.1"),
            http_port=int(os.environ.get("VIGIE_HTTP_PORT", "8000")),
            token_lifetime_s=int(os.environ.get("VIGIE_TOKEN_LIFETIME_S", str(12 * 3600))),
        )


def days_setting(variable: str, default_days: int) -> int:
    """A number of days from the environment (at least 1), or the default when unset."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default_days
    days = int(value)
    if days < 1:
        raise ValueError(f"{variable} must be at least 1 day, got {days}")
    return days
