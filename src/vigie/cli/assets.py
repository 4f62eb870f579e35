"""`vigie assets ...`: import assets from municipal files, export them."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.exporting import ExportFormat, export_assets
from vigie.registry.importing import ImportRefused, ImportReport, SourceError, import_file
from vigie.registry.municipalities import list_municipalities
from vigie.runtime.store import open_store

app = typer.Typer(help="Import assets from municipal files, export them.", no_args_is_help=True)

#: Exit code when rows are refused (a usage or file problem exits with 2, like click).
EXIT_REFUSED = 1
EXIT_UNUSABLE = 2


def cli_actor(given: str | None) -> str:
    """Who the audit log says made a change from the command line: `cli:<user>`."""
    if given is None:
        try:
            given = getpass.getuser()
        except (OSError, KeyError):
            given = "unknown"
    return given if given.startswith("cli:") else f"cli:{given}"


ACTOR_OPTION = typer.Option(
    None, "--actor", help="Name recorded in the audit log (default: cli:<OS user>)."
)


def _summary(report: ImportReport, names: dict[str, str]) -> str:
    places = ", ".join(
        f"{names.get(code, code)} ({code}): {n}" for code, n in report.by_municipality.items()
    )
    how = ", ".join([*(x for x in [report.encoding] if x), *report.notes, f"CRS {report.crs}"])
    verb = "Imported" if report.written else "Dry run: would import"
    tail = "" if report.written else "\nNothing was written."
    head = f"{verb} {report.imported} {report.asset_type} from {report.source} ({how})."
    return f"{head}\n{places}{tail}"


def _installed_type(value: str) -> str:
    """The --type option: one of the installed integrations' asset types (a usage error)."""
    if value not in ASSET_TYPES:
        names = ", ".join(repr(t) for t in sorted(ASSET_TYPES))
        raise typer.BadParameter(f"{value!r} is not one of {names}.")
    return value


@app.command("import")
def import_command(
    file: Path = typer.Argument(
        ..., help="A .geojson/.json, .csv/.txt, or zipped (or plain .shp) shapefile."
    ),
    asset_type: str = typer.Option(
        ..., "--type", help="Asset type of every row.", callback=_installed_type
    ),
    crs: str | None = typer.Option(
        None, "--crs", help="Source CRS, e.g. EPSG:2154; overrides the file's own."
    ),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="TOML mapping file (see docs/import.md)."
    ),
    encoding: str | None = typer.Option(
        None, "--encoding", help="Text encoding (default: detected)."
    ),
    municipality: str | None = typer.Option(
        None,
        "--municipality",
        help="INSEE code of every row (default: mapping, else from the position).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Import every row of FILE as assets, all or nothing."""
    out, err = (
        Console(highlight=False, soft_wrap=True),
        Console(stderr=True, highlight=False, soft_wrap=True),
    )
    engine = open_store()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
            # Rich would still print a blank line where no bar can be drawn (a pipe, a log).
            disable=not err.is_terminal,
        ) as bar:
            task: list[TaskID] = []

            def progress(done: int, total: int) -> None:
                if not task:
                    task.append(bar.add_task(f"Importing {file.name}", total=total))
                bar.update(task[0], completed=done)

            report = import_file(
                engine,
                file,
                asset_type=asset_type,
                actor=cli_actor(actor),
                crs=crs,
                mapping=mapping,
                encoding=encoding,
                municipality_code=municipality,
                dry_run=dry_run,
                progress=progress,
            )
        with engine.connect() as conn:
            names = {m.code: m.name for m in list_municipalities(conn, report.by_municipality)}
    except SourceError as error:
        err.print(f"[red]Cannot import {escape(file.name)}:[/red] {escape(str(error))}")
        raise typer.Exit(EXIT_UNUSABLE) from None
    except ImportRefused as refused:
        for line in refused.lines():
            err.print(line, markup=False)
        err.print(f"[red]{escape(str(refused))}[/red] ({len(refused.problems)} problems).")
        raise typer.Exit(EXIT_REFUSED) from None
    finally:
        engine.dispose()
    out.print(_summary(report, names), markup=False)


@app.command("export")
def export_command(
    asset_type: str = typer.Option(
        ..., "--type", help="Asset type to export.", callback=_installed_type
    ),
    municipality: list[str] | None = typer.Option(
        None, "--municipality", help="INSEE code; repeat for several (default: all)."
    ),
    fmt: ExportFormat = typer.Option(ExportFormat.GEOJSON, "--format", help="Output format."),
    output: Path | None = typer.Option(
        None, "--output", help="File to write (default: standard output)."
    ),
) -> None:
    """Write the registry's assets of one type as GeoJSON (WGS84) or CSV (lon/lat)."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    engine = open_store()
    try:
        with engine.connect() as conn:
            if municipality:
                known = {m.code for m in list_municipalities(conn, municipality)}
                unknown = [code for code in municipality if code not in known]
                if unknown:
                    err.print(f"[red]Unknown municipality:[/red] {escape(', '.join(unknown))}")
                    raise typer.Exit(EXIT_UNUSABLE)
            if output is None:
                count = export_assets(
                    conn,
                    sys.stdout,
                    asset_type=asset_type,
                    fmt=fmt,
                    municipality_codes=municipality,
                )
            else:
                with output.open("w", encoding="utf-8", newline="") as stream:
                    count = export_assets(
                        conn,
                        stream,
                        asset_type=asset_type,
                        fmt=fmt,
                        municipality_codes=municipality,
                    )
    finally:
        engine.dispose()
    if output is not None:
        err.print(f"Exported {count} {asset_type} to {escape(str(output))}.")
