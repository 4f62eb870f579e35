"""The settings object: every VIGIE_* variable parsed, defaults embedded, bad values named."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vigie.adapters.mqtt.settings import MqttSettings
from vigie.core.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("VIGIE_"):
            monkeypatch.delenv(name)


def test_the_defaults_need_no_variable() -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{Path('var') / 'vigie.db'}"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8000)
    assert settings.mqtt_url is None
    assert settings.zone == ZoneInfo("Europe/Paris")
    assert settings.territory_name == "Dijon Métropole"
    assert (settings.map_center_lon, settings.map_center_lat) == (5.0415, 47.322)
    assert (settings.raw_retention_days, settings.dead_letter_retention_days) == (30, 90)


def test_variables_are_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIGIE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("VIGIE_HTTP_PORT", "8080")
    monkeypatch.setenv("VIGIE_MQTT_URL", "mqtt://u:p@broker:1884")
    monkeypatch.setenv("VIGIE_MQTT_BATCH_SIZE", "250")
    monkeypatch.setenv("VIGIE_TIMEZONE", "Europe/Brussels")
    monkeypatch.setenv("VIGIE_TERRITORY_NAME", "Bruxelles")
    monkeypatch.setenv("VIGIE_MAP_CENTER_LON", "4.35")
    monkeypatch.setenv("VIGIE_MAP_ZOOM", "12.5")
    monkeypatch.setenv("VIGIE_MAP_STYLE_URL", "")  # empty is unset
    settings = load_settings()
    assert settings.var_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'vigie.db'}"
    assert settings.http_port == 8080
    assert settings.zone == ZoneInfo("Europe/Brussels")
    assert settings.territory_name == "Bruxelles"
    assert (settings.map_center_lon, settings.map_zoom) == (4.35, 12.5)
    assert settings.map_style_url is None
    mqtt = MqttSettings.from_settings(settings, client_id="c")
    assert (mqtt.broker.host, mqtt.broker.port, mqtt.broker.username) == ("broker", 1884, "u")
    assert mqtt.batch_size == 250
    # Given values win over the environment.
    assert Settings(http_port=9000).http_port == 9000


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("VIGIE_HTTP_PORT", "eighty", "valid integer"),
        ("VIGIE_HTTP_PORT", "70000", "less than or equal to 65535"),
        ("VIGIE_TIMEZONE", "Europe/Atlantis", "unknown time zone"),
        ("VIGIE_RAW_RETENTION_DAYS", "0", "at least 1 day"),
        ("VIGIE_MAP_CENTER_LAT", "95", "less than or equal to 90"),
    ],
)
def test_a_bad_value_is_named_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=reason) as error:
        load_settings()
    assert variable in str(error.value)
    assert repr(value) in str(error.value)


def test_a_child_process_gets_the_settings_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(mqtt_url="mqtt://127.0.0.1:1999", http_port=8123)
    env = settings.child_env(VIGIE_SIM_TOKEN="secret")
    assert env["VIGIE_MQTT_URL"] == "mqtt://127.0.0.1:1999"
    assert env["VIGIE_HTTP_PORT"] == "8123"
    assert env["VIGIE_SIM_TOKEN"] == "secret"
    assert "VIGIE_MAP_STYLE_URL" not in env
