"""Asset import from the files municipalities export: GeoJSON, CSV, zipped ESRI shapefiles.

`import_file` is the entry point; docs/import.md describes the formats and mapping files.
"""

from vigie.registry.importing.importer import ImportRefused, ImportReport, import_file
from vigie.registry.importing.mapping import Mapping, load_mapping, parse_mapping
from vigie.registry.importing.source import SourceError

__all__ = [
    "ImportRefused",
    "ImportReport",
    "Mapping",
    "SourceError",
    "import_file",
    "load_mapping",
    "parse_mapping",
]
