"""Vigie's settings: one object for every `VIGIE_*` environment variable, with embedded
defaults so `make demo` needs none (see docs/configuration.md).

Entry points (`vigie serve`, `vigie ingest`, `vigie demo`, the app factory) read them once,
with `get_settings()` or `Settings()`, and pass the values down; library code takes values
as parameters. A bad value stops the start with `SettingsError`, naming the variable.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "VIGIE_"
DEFAULT_VAR_DIR = Path("var")
DEFAULT_TIMEZONE = "Europe/Paris"
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


class SettingsError(ValueError):
    """A `VIGIE_*` variable that cannot work; the message names it and says why."""


class Settings(BaseSettings):
    """Runtime configuration. Each field `name` is read from `VIGIE_<NAME>`; keyword
    arguments given to the constructor win over the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        frozen=True,
        validate_default=True,
        case_sensitive=False,
    )

    # -- store and HTTP ----------------------------------------------------------------------
    var_dir: Path = Field(DEFAULT_VAR_DIR, description="Directory of the embedded store, logs.")
    database_url: str = Field(
        "", description="SQLAlchemy URL of the store; empty: SQLite `<var_dir>/vigie.db`."
    )
    http_host: str = Field("127.0.0.1", description="Address `vigie serve` listens on.")
    http_port: int = Field(8000, ge=1, le=65_535, description="TCP port of `vigie serve`.")
    token_lifetime_s: int = Field(12 * 3600, ge=60, description="Lifetime of a session token.")
    http_body_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Longest wait for the next part of a request's body: a client that stalls "
        "is answered 408 instead of holding the server.",
    )
    page_size_default: int = Field(100, ge=1, description="Items per page when not asked.")
    page_size_max: int = Field(5000, ge=1, description="Most items per page.")

    # -- MQTT --------------------------------------------------------------------------------
    mqtt_url: str | None = Field(
        None,
        description="Broker `mqtt://[user:password@]host[:port]` (`mqtts://` for TLS); set, "
        "`vigie serve` ingests from it and dispatches commands through it.",
    )
    mqtt_client_id: str | None = Field(
        None, description="Fixed MQTT client id (its session survives restarts)."
    )
    mqtt_session_expiry_s: int = Field(7 * 24 * 3600, ge=0, le=0xFFFFFFFF)
    mqtt_access_dir: Path | None = Field(
        None,
        description="Where the broker's password and ACL files are written "
        "(`vigie devices credentials`); empty: `<var_dir>/mosquitto/access`, the demo broker's.",
    )
    mqtt_batch_size: int = Field(1_000, ge=1, le=100_000)
    mqtt_batch_ms: int = Field(10, ge=0, le=60_000)
    mqtt_inflight: int = Field(10_000, ge=1, le=65_535)
    intake_stall_s: float = Field(
        60.0,
        gt=0,
        description="An MQTT intake that holds messages and has stored nothing for this long "
        "is reported unhealthy (/healthz, /readyz).",
    )

    # -- time series -------------------------------------------------------------------------
    raw_retention_days: int = Field(30, description="Days raw readings are kept.")
    dead_letter_retention_days: int = Field(90, description="Days dead letters are kept.")

    # -- the territory -----------------------------------------------------------------------
    timezone: str = Field(
        DEFAULT_TIMEZONE, description="IANA zone of schedules, local days and reports."
    )
    territory_name: str = Field("Dijon Métropole", min_length=1)
    map_center_lon: float = Field(5.0415, ge=-180, le=180)
    map_center_lat: float = Field(47.322, ge=-90, le=90)
    map_zoom: float = Field(11.0, ge=0, le=24)
    map_style_url: str | None = Field(
        None, description="MapLibre style URL of production tiles; unset: the offline base."
    )

    # -- the simulator beside the server (`vigie sim run --via http`) ------------------------
    sim_url: str | None = None
    sim_token: str | None = None

    @field_validator("mqtt_url", "mqtt_client_id", "map_style_url", "sim_url", "sim_token")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("raw_retention_days", "dead_letter_retention_days")
    @classmethod
    def _days(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be at least 1 day, got {value}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name, such as Europe/Brussels)"
            ) from None
        return value

    @model_validator(mode="after")
    def _embedded_store(self) -> Settings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'vigie.db'}")
        if self.mqtt_access_dir is None:
            object.__setattr__(self, "mqtt_access_dir", self.var_dir / "mosquitto" / "access")
        return self

    @classmethod
    def from_env(cls) -> Settings:
        """Read now from the environment (`SettingsError` if a value is bad)."""
        return load_settings()

    @property
    def zone(self) -> ZoneInfo:
        """The territory's time zone."""
        return ZoneInfo(self.timezone)

    def child_env(self, **extra: str) -> dict[str, str]:
        """The environment of a child process (the simulator beside `vigie demo`): this
        process's own, with these settings written as `VIGIE_*` variables."""
        env = dict(os.environ)
        for name, value in self.model_dump().items():
            variable = ENV_PREFIX + name.upper()
            if value is None:
                env.pop(variable, None)
            else:
                env[variable] = str(value)
        env.update(extra)
        return env


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and `overrides`), or `SettingsError` naming the bad
    variable(s)."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_explain(error)) from None


def _explain(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "settings"
        variable = ENV_PREFIX + field.upper()
        given = item.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        problems.append(f"{variable}: {item['msg']}{shown}")
    return "bad configuration: " + "; ".join(problems)


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read once (for entry points; `get_settings.cache_clear()`
    reads them again)."""
    return load_settings()


@functools.cache
def local_zone() -> ZoneInfo:
    """The territory's time zone (`VIGIE_TIMEZONE`), read once per process: schedules,
    local days and reports use it."""
    return load_settings().zone
