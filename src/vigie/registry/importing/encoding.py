"""Text encodings of municipal exports: UTF-8, or the Windows/ISO Latin-1 family.

Both are common in French open data; older GIS and spreadsheet exports are Latin-1. A file
that decodes as strict UTF-8 is UTF-8 (Latin-1 text with accents almost never does), so
UTF-8 is tried first and Latin-1 is the fallback.
"""

from __future__ import annotations

import codecs
import re

from vigie.registry.importing.source import SourceError

_UTF8_BOM = codecs.BOM_UTF8
# Bytes 0x80-0x9F are printable in cp1252 (€, œ, ’...) but control codes in ISO-8859-1.
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of `data` and the name of the encoding it was read with.

    With `encoding` given, decode with it strictly; otherwise detect as described above.
    """
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise SourceError(f"unknown encoding {encoding!r}") from None
        try:
            text = data.decode(codec.name)
        except UnicodeDecodeError as error:
            bad = data[error.start : error.start + 1]
            raise SourceError(
                f"the file is not valid {encoding} (byte {error.start}: {bad!r})"
            ) from None
        return text.removeprefix("\ufeff"), encoding
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if _CP1252_ONLY.search(data) is None:
        return data.decode("iso-8859-1"), "ISO-8859-1"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 decodes anything.
        return data.decode("iso-8859-1"), "ISO-8859-1"


def dbf_text_encoding(dbf: bytes) -> str:
    """The encoding of a dBase table that names none (no .cpg, no language driver byte):
    UTF-8 if its records decode as such, else ISO-8859-1 (GDAL's own default)."""
    header_length = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 10 else 0
    try:
        dbf[header_length:].decode("utf-8")
    except UnicodeDecodeError:
        return "ISO-8859-1"
    return "UTF-8"
