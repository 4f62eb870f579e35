"""Street lighting's tables: programmes, groups and calendar exceptions."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table

from vigie.store.schema import metadata
from vigie.store.types import BigId, JsonDocument, UtcDateTime

lighting_programs = Table(
    "lighting_programs",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("steps", JsonDocument, nullable=False, comment="dimming steps, see domains.lighting"),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

lighting_groups = Table(
    "lighting_groups",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column(
        "kind",
        String(16),
        nullable=False,
        comment="municipality, cabinet, road_class, custom or polygon",
    ),
    Column("selector", JsonDocument, nullable=False, comment="what the kind selects"),
    Column(
        "municipality_code",
        String(5),
        nullable=True,
        comment="owning municipality; NULL for metropolitan groups",
    ),
    Column("program_id", String(80), ForeignKey("lighting_programs.id"), nullable=True),
    Column(
        "holiday_program_id",
        String(80),
        ForeignKey("lighting_programs.id"),
        nullable=True,
        comment="run on French public holidays",
    ),
    Column("priority", Integer, nullable=False, comment="higher wins where groups overlap"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

lighting_calendar_exceptions = Table(
    "lighting_calendar_exceptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("night", Date, nullable=False, comment="local date of the evening"),
    Column(
        "group_id",
        String(80),
        ForeignKey("lighting_groups.id", ondelete="CASCADE"),
        nullable=True,
        comment="NULL: every group",
    ),
    Column("program_id", String(80), ForeignKey("lighting_programs.id"), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_lighting_calendar_exceptions_night", "night"),
)
