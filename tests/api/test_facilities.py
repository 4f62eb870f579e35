"""The installed facilities and their KPIs, as an integrator or the UI reads them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth


def test_the_facilities_list_what_each_integration_brings(client: TestClient) -> None:
    response = client.get("/api/v1/facilities", headers=auth(client, "vic"))
    assert response.status_code == 200, response.text
    by_name = {f["name"]: f for f in response.json()["facilities"]}
    assert set(by_name) == {
        "network", "lighting", "traffic", "transit", "fleet", "cctv", "bollards", "buildings",
    }  # fmt: skip
    lighting = by_name["lighting"]
    assert lighting["asset_types"] == ["Streetlight", "StreetlightControlCabinet"]
    assert "energy_wh" in lighting["metrics"]["Streetlight"]
    assert {a["action"] for a in lighting["actions"]} == {
        "lighting/set_level", "lighting/switch", "lighting/assign_program", "lighting/adapt",
    }  # fmt: skip
    assert by_name["buildings"]["metrics"].keys() == {"Building", "Meter"}


def test_the_kpi_index_points_at_a_kpi_that_answers(client: TestClient) -> None:
    headers = auth(client, "tala")
    kpis = client.get("/api/v1/kpi", headers=headers).json()["kpis"]
    assert [(k["key"], k["domain"]) for k in kpis] == [("lighting-energy", "lighting")]
    answer = client.get(kpis[0]["path"] + "?from=2026-03-01&to=2026-03-02", headers=headers)
    assert answer.status_code == 200, answer.text


def test_the_facilities_need_a_login(client: TestClient) -> None:
    assert client.get("/api/v1/facilities").status_code == 401
