"""An import is all or nothing: every bad row is reported with its line or feature number, and
nothing is written (neither assets nor audit entries) when any row is refused."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.data.montpellier_files import (
    CSV,
    LAMBERT_93,
    MAPPING,
    ROWS,
    completed_csv,
    register_montpellier,
)
from vigie.core.clock import ManualClock
from vigie.registry.importing import ImportRefused, ImportReport, SourceError, import_file, importer
from vigie.store.schema import assets, audit_log


def counts(engine: Engine) -> tuple[int, int]:
    """(assets, audit entries) in the store."""
    with engine.connect() as conn:
        return (
            int(conn.scalar(select(func.count()).select_from(assets)) or 0),
            int(conn.scalar(select(func.count()).select_from(audit_log)) or 0),
        )


def montpellier_extract(folder: Path, changes: dict[int, dict[int, str]], lines: int = 11) -> Path:
    """The header and first rows of the published CSV (ISO-8859-1, `;`, decimal commas), with
    `changes[line][cell index] = new text`."""
    text = CSV.read_bytes().decode("iso-8859-1").split("\n")[:lines]
    for line, cells_changed in changes.items():
        cells = text[line - 1].split(";")
        for index, value in cells_changed.items():
            cells[index] = value
        text[line - 1] = ";".join(cells)
    path = folder / "extract.csv"
    path.write_bytes(("\n".join(text) + "\n").encode("iso-8859-1"))
    return path


def run_import(
    engine: Engine,
    path: Path,
    *,
    dry_run: bool = False,
    asset_type: str = "TrafficSignalController",
) -> ImportReport:
    return import_file(
        engine,
        path,
        asset_type=asset_type,
        actor="test:importer",
        crs=LAMBERT_93,
        mapping=MAPPING,
        dry_run=dry_run,
        clock=ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
    )


POINT_X, SON_NIVEAU, CAR_ANNEE = 4, 3, 1


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(engine)
    seeded = counts(engine)
    bad = montpellier_extract(
        tmp_path,
        {
            4: {POINT_X: "77O668,7974"},  # a letter O typed for a zero
            7: {SON_NIVEAU: "Beaucoup"},
            9: {CAR_ANNEE: "1700"},  # refused by validation, not while reading
        },
    )
    with pytest.raises(ImportRefused) as refused:
        run_import(engine, bad)
    lines = refused.value.lines()
    assert lines[:2] == [
        "line 4: POINT_X: '77O668,7974' is not a number",
        "line 7: attributes.acoustic_signals: 'Beaucoup' is not one of 'Aucun', 'Partiel', "
        "'Tout' (the mapping's values)",
    ]
    assert len(lines) == 3 and lines[2].startswith("line 9: attributes.commissioned_year: ")
    assert ">= 1850" in lines[2]
    assert str(refused.value) == "3 of 10 lines refused; nothing was imported"
    assert counts(engine) == seeded


def test_a_refusal_after_earlier_chunks_were_written_rolls_them_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_montpellier(engine)
    seeded = counts(engine)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)  # lines 2-4, 5-7 are written before 8-10
    bad = montpellier_extract(tmp_path, {10: {CAR_ANNEE: "3000"}})
    with pytest.raises(ImportRefused) as refused:
        run_import(engine, bad)
    assert [p.row for p in refused.value.problems] == [10]
    assert counts(engine) == seeded


def test_a_dry_run_checks_everything_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    register_montpellier(engine)
    seeded = counts(engine)
    report = run_import(engine, completed_csv(tmp_path), dry_run=True)
    assert (report.imported, report.written) == (ROWS, False)
    assert counts(engine) == seeded
    bad = montpellier_extract(tmp_path, {3: {SON_NIVEAU: "Aucun!"}})
    with pytest.raises(ImportRefused) as refused:
        run_import(engine, bad, dry_run=True)
    assert [p.row for p in refused.value.problems] == [3]
    assert counts(engine) == seeded


def test_an_unknown_type_is_refused_naming_the_known_ones(sqlite_engine: Engine) -> None:
    with pytest.raises(SourceError) as refused:
        run_import(sqlite_engine, CSV, asset_type="TrafficLight")
    message = str(refused.value)
    assert message.startswith("unknown asset type 'TrafficLight'; one of Bollard, ")
    assert "TrafficSignalController" in message
    assert "TrafficSignalController" in str(refused.value)


def test_a_mapping_naming_a_column_the_file_lacks_is_refused(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    mapping = tmp_path / "typo.toml"
    mapping.write_text('name = "{CAR_LIEUX}"\nx = "POINT_X"\ny = "POINT_Y"\n', encoding="utf-8")
    with pytest.raises(SourceError) as refused:
        import_file(
            sqlite_engine, CSV, asset_type="TrafficSignalController", actor="t", mapping=mapping
        )
    assert str(refused.value) == (
        "no column 'CAR_LIEUX' (for name) in the file; it has: "
        "CAR_LIEU, CAR_ANNEE, SON_ANNEE, SON_NIVEAU, POINT_X, POINT_Y"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'name = "N"\n[attributes]\ncolour = "C"\n',
            "TrafficSignalController has no attribute colour",
        ),
        ('name = { column = "A", value = "B" }\n', "give exactly one of column, template or value"),
        ('nmae = "N"\n', "unknown field `nmae`"),
        ("name = \n", "not valid TOML"),
        ('x = "X"\ny = "Y"\n', "nothing gives the asset names"),
    ],
)
def test_a_broken_mapping_is_refused_with_the_reason(
    sqlite_engine: Engine, tmp_path: Path, toml: str, message: str
) -> None:
    mapping = tmp_path / "broken.toml"
    mapping.write_text(toml, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        import_file(
            sqlite_engine, CSV, asset_type="TrafficSignalController", actor="t", mapping=mapping
        )


def test_an_unregistered_municipality_refuses_every_row(engine: Engine, tmp_path: Path) -> None:
    # Montpellier is not registered: the mapping's constant 34172 is unknown to the store.
    with pytest.raises(ImportRefused) as refused:
        run_import(engine, montpellier_extract(tmp_path, {}))
    assert {(p.field, p.reason) for p in refused.value.problems} == {
        ("municipality_code", "unknown municipality '34172'")
    }
    assert [p.row for p in refused.value.problems] == list(range(2, 12))


def test_the_garbage_collector_is_back_on_after_an_import_refused_or_not(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(sqlite_engine)
    with pytest.raises(ImportRefused):
        run_import(sqlite_engine, montpellier_extract(tmp_path, {5: {POINT_X: "?"}}))
    assert gc.isenabled()
    run_import(sqlite_engine, montpellier_extract(tmp_path, {}))
    assert gc.isenabled()


def test_an_id_repeated_in_a_later_chunk_is_reported_in_the_same_run(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a chunk is refused the rest is only validated; ids must still be compared with
    every earlier row, or a fixed file would be refused again for a problem not shown."""
    register_montpellier(engine)
    seeded = counts(engine)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)  # lines 2-4, 5-7, 8
    rows = ["NUM;NOM;X;Y"] + [
        f"{num};Carrefour {num};{770000 + 50 * n},5;6279000,25"
        for n, num in enumerate(["101", "102", "103", "104", "105", "101", "107"])
    ]
    rows[2] = "102;Carrefour 102;sept cent mille;6279000,25"
    path = tmp_path / "carrefours.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = tmp_path / "carrefours.toml"
    mapping.write_text(
        'id = "NUM"\nname = "{NOM}"\nx = "X"\ny = "Y"\nmunicipality_code = { value = "34172" }\n'
        '[attributes]\nintersection_name = "NOM"\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(
            engine,
            path,
            asset_type="TrafficSignalController",
            actor="test:importer",
            crs=LAMBERT_93,
            mapping=mapping,
        )
    assert [p.row for p in refused.value.problems] == [3, 7]
    assert "already exists" in refused.value.problems[1].reason
    assert counts(engine) == seeded
