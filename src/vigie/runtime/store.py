"""Opening the configured store from the command line."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from vigie.core.settings import Settings
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head


def open_store(settings: Settings | None = None) -> Engine:
    """The configured store, migrated to the latest schema, with the reference communes."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    return engine
