"""Import a file of assets into the registry, all or nothing, with an audit entry per asset."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import msgspec
from sqlalchemy.engine import Connection, Engine

from vigie.core.clock import Clock, SystemClock
from vigie.registry.asset_types import ASSET_TYPES, UnknownAssetType, asset_type
from vigie.registry.batch import (
    BatchContext,
    BatchInvalid,
    RowProblem,
    create_assets,
    validate_batch,
)
from vigie.registry.importing.mapping import Mapping, check_mapping, default_mapping, load_mapping
from vigie.registry.importing.prepare import prepare_rows
from vigie.registry.importing.readers import read_source
from vigie.registry.importing.source import Source, SourceError
from vigie.registry.municipalities import list_municipalities
from vigie.registry.validation import AssetInput

#: Rows validated and written per create_assets call; also the progress step.
CHUNK_ROWS = 2_000

#: Called with (rows done, rows in total) as the import goes.
Progress = Callable[[int, int], None]


class ImportReport(msgspec.Struct, kw_only=True):
    """What an import did (or, with dry_run, would do)."""

    source: str
    asset_type: str
    rows: int
    imported: int
    written: bool
    crs: str
    encoding: str | None
    by_municipality: dict[str, int]
    notes: list[str] = msgspec.field(default_factory=list)


class ImportRefused(ValueError):
    """Some rows are wrong, so nothing was written; `problems` lists every one found."""

    def __init__(self, problems: list[RowProblem], row_label: str, rows: int) -> None:
        refused = len({p.row for p in problems})
        super().__init__(f"{refused} of {rows} {row_label}s refused; nothing was imported")
        self.problems = problems
        self.row_label = row_label
        self.rows = rows

    def lines(self) -> list[str]:
        """One line per problem: `line 12: POINT_X: 'abc' is not a number`."""
        return [
            f"{self.row_label} {p.row}: {p.field + ': ' if p.field else ''}{p.reason}"
            for p in self.problems
        ]


def resolve_type(type_name: str) -> str:
    try:
        return asset_type(type_name).name
    except UnknownAssetType:
        known = ", ".join(sorted(ASSET_TYPES))
        raise SourceError(f"unknown asset type {type_name!r}; one of {known}") from None


def import_file(
    engine: Engine,
    path: Path,
    *,
    asset_type: str,
    actor: str,
    crs: str | None = None,
    mapping: Mapping | Path | None = None,
    encoding: str | None = None,
    municipality_code: str | None = None,
    dry_run: bool = False,
    clock: Clock | None = None,
    allowed_municipalities: set[str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every row of the GeoJSON, CSV or zipped shapefile at `path` as `asset_type`
    assets, in one transaction.

    `crs` overrides the file's CRS; `mapping` (a Mapping or a TOML file, see docs/import.md)
    says which columns give which fields, by default columns named like the fields;
    `encoding` overrides detection; `municipality_code` places every row in that
    municipality instead of the mapping's or the one its position lies in. With `dry_run`
    everything is checked and nothing kept.

    Raises SourceError when the file, mapping or options are unusable, ImportRefused (with
    every row problem) when rows are wrong; in both cases nothing is written.
    """
    kind = resolve_type(asset_type)
    now = (clock or SystemClock()).now()
    with _cyclic_gc_paused():
        rules = load_mapping(mapping) if isinstance(mapping, Path) else mapping
        source = read_source(path, encoding)
        rules = rules or default_mapping(kind, source.columns)
        check_mapping(rules, kind, source.kind, source.columns)
        with engine.connect() as conn, conn.begin() as transaction:
            prepared = prepare_rows(
                source,
                rules,
                kind,
                crs=crs,
                municipality_code=municipality_code,
                municipalities=list_municipalities(conn),
            )
            problems = prepared.problems + _write(
                conn,
                prepared.rows,
                total=len(source.records),
                actor=actor,
                now=now,
                detail=f"import of {path.name}",
                validate_only=bool(prepared.problems),
                allowed_municipalities=allowed_municipalities,
                progress=progress,
            )
            if problems:
                problems.sort(key=lambda p: p.row)
                raise ImportRefused(problems, source.kind.row_label, len(source.records))
            if dry_run:
                transaction.rollback()
        return _report(path, kind, source, prepared.crs, prepared.rows, written=not dry_run)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """An import allocates a few objects per cell and keeps them all until it commits, so
    the cyclic collector runs again and again over a growing heap for nothing (it costs a
    third of the import's time); reference counting still frees what is dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write(
    conn: Connection,
    rows: Sequence[tuple[int, AssetInput]],
    *,
    total: int,
    actor: str,
    now: datetime,
    detail: str,
    validate_only: bool,
    allowed_municipalities: set[str] | None,
    progress: Progress | None,
) -> list[RowProblem]:
    """Create the assets chunk by chunk; once anything is refused, only validate the rest so
    that every problem is reported (the caller then rolls everything back)."""
    problems: list[RowProblem] = []
    skipped = total - len(rows)
    context = BatchContext(conn, allowed_municipalities)
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        try:
            if validate_only or problems:
                validate_batch(conn, chunk, from_text=True, context=context)
            else:
                create_assets(
                    conn,
                    chunk,
                    actor=actor,
                    now=now,
                    action="asset.import",
                    from_text=True,
                    detail=detail,
                    context=context,
                )
        except BatchInvalid as invalid:
            problems += _with_values(invalid.problems, dict(chunk))
        if progress is not None:
            progress(skipped + start + len(chunk), total)
    return problems


def _with_values(problems: list[RowProblem], inputs: dict[int, AssetInput]) -> list[RowProblem]:
    """Validation says what an attribute should be; add what the row gave, so the user can
    find the cell (e.g. `Expected int | null, got str` becomes `... (value '19x9')`)."""
    enriched = []
    for problem in problems:
        key = problem.field.removeprefix("attributes.")
        given = inputs[problem.row].attributes if problem.row in inputs else {}
        if problem.field.startswith("attributes.") and key in given:
            problem = RowProblem(
                problem.row, problem.field, f"{problem.reason} (value {given[key]!r})"
            )
        enriched.append(problem)
    return enriched


def _report(
    path: Path,
    kind: str,
    source: Source,
    crs: str,
    rows: Sequence[tuple[int, AssetInput]],
    *,
    written: bool,
) -> ImportReport:
    return ImportReport(
        source=path.name,
        asset_type=kind,
        rows=len(source.records),
        imported=len(rows),
        written=written,
        crs=crs,
        encoding=source.encoding,
        by_municipality=dict(Counter(r.municipality_code for _, r in rows).most_common()),
        notes=source.notes,
    )
