"""CSV as municipalities export it: sniffed delimiter, dBase-style headers, physical lines."""

from __future__ import annotations

import csv
import io
import re
from itertools import islice

from vigie.registry.importing.encoding import decode_text
from vigie.registry.importing.source import Source, SourceError, SourceKind, SourceRecord

#: Tried in this order; on a tie the earlier wins (`;` is the French spreadsheet default).
DELIMITERS = (";", ",", "\t", "|")
_SNIFF_ROWS = 50
_SNIFF_CHARS = 256 * 1024

# GIS tools that export through dBase write "NAME,TYPE,LENGTH[,DECIMALS]" as each header cell
# (e.g. "CAR_LIEU,C,254;POINT_X,N,19,8"); the column is called NAME.
_DBASE_HEADER_CELL = re.compile(r"^\s*([^,]+?)\s*,\s*[CNDLFMI]\s*(?:,\s*\d+\s*){0,2}$")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into as many cells as the header."""
    sample = text[:_SNIFF_CHARS]
    best: tuple[float, int, str] = (0.0, 1, ",")
    for delimiter in DELIMITERS:
        rows = [
            r
            for r in islice(
                csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), _SNIFF_ROWS
            )
            if r
        ]
        if len(rows) > 2 and len(sample) < len(text):
            rows = rows[:-1]  # the sample may cut the last row short
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:]
        agreement = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        if (agreement, width) > best[:2]:
            best = (agreement, width, delimiter)
    return best[2]


def column_names(header: list[str]) -> list[str]:
    """Header cells as column names, with dBase-style type suffixes removed."""
    cells = [cell.strip() for cell in header]
    matches = [_DBASE_HEADER_CELL.match(cell) for cell in cells]
    if cells and all(matches):
        return [m.group(1) for m in matches if m is not None]
    return cells


def read_csv(data: bytes, encoding: str | None = None) -> Source:
    """Rows numbered by the physical line they start on (the header is line 1)."""
    text, used = decode_text(data, encoding)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    last_line = 0
    records: list[SourceRecord] = []
    for cells in reader:
        first_line, last_line = last_line + 1, reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if header is None:
            header = column_names(cells)
            _check_header(header)
            continue
        records.append(_record(first_line, header, cells))
    if header is None:
        raise SourceError("the CSV file is empty")
    named = tuple(name for name in header if name)
    label = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}[delimiter]
    return Source(SourceKind.CSV, named, records, encoding=used, notes=[f"{label}-separated"])


def _check_header(header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise SourceError(f"the CSV header names column {name!r} twice")
        seen.add(name)


def _record(line: int, header: list[str], cells: list[str]) -> SourceRecord:
    width = len(header)
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        # More cells than columns: a delimiter inside an unquoted value shifted everything after it.
        return SourceRecord(
            line,
            dict(zip(header, cells, strict=False)),
            problem=("", f"{len(cells)} cells where the header has {width} columns"),
        )
    values = dict(zip(header, cells, strict=False))
    values.pop("", None)
    return SourceRecord(line, values)
