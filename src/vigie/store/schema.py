"""The relational schema (SQLAlchemy Core). Alembic migrations are written from these tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from vigie.store.types import BigId, JsonDocument, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

municipalities = Table(
    "municipalities",
    metadata,
    Column("code", String(5), primary_key=True, comment="INSEE code"),
    Column("name", String(120), nullable=False, unique=True),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("area_km2", Float, nullable=False),
    Column("population", Integer, nullable=False),
    Column("boundary", JsonDocument, nullable=True, comment="GeoJSON polygon, WGS84"),
)

assets = Table(
    "assets",
    metadata,
    Column("id", String(160), primary_key=True, comment="NGSI-LD URN"),
    Column("type", String(48), nullable=False),
    Column("municipality_code", String(5), ForeignKey("municipalities.code"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lon", Float, nullable=False, comment="WGS84 longitude of the asset (or line start)"),
    Column("lat", Float, nullable=False),
    Column("geometry", JsonDocument, nullable=True, comment="GeoJSON geometry for non-points"),
    Column("attributes", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_assets_lon_lat", "lon", "lat"),
    Index("ix_assets_type_municipality", "type", "municipality_code"),
    Index("ix_assets_municipality_code", "municipality_code"),
    Index("ix_assets_status", "status"),
)

asset_parts = Table(
    "asset_parts",
    metadata,
    Column("id", String(200), primary_key=True, comment="NGSI-LD URN of the part"),
    Column("asset_id", String(160), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False, comment="feeder, signal_group, detector, meter"),
    Column("name", String(200), nullable=False),
    Column("attributes", JsonDocument, nullable=False),
    Index("ix_asset_parts_asset_id", "asset_id"),
)

asset_links = Table(
    "asset_links",
    metadata,
    Column("asset_id", String(160), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    Column("relation", String(32), nullable=False),
    Column("target_id", String(200), nullable=False, comment="an asset or asset part id"),
    PrimaryKeyConstraint("asset_id", "relation", "target_id"),
    Index("ix_asset_links_target", "target_id", "relation"),
)

device_credentials = Table(
    "device_credentials",
    metadata,
    Column("asset_id", String(200), primary_key=True, comment="the device or gateway"),
    Column("username", String(200), nullable=False, unique=True, comment="its MQTT username"),
    Column(
        "broker_hash",
        String(200),
        nullable=False,
        comment="the password as Mosquitto's password file keeps it (PBKDF2-SHA512)",
    ),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("issued_by", String(120), nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

user_municipalities = Table(
    "user_municipalities",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("municipality_code", String(5), ForeignKey("municipalities.code"), nullable=False),
    PrimaryKeyConstraint("user_id", "municipality_code"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False, comment="session or machine"),
    Column("name", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(48), nullable=False),
    Column("entity_type", String(48), nullable=False),
    Column("entity_id", String(200), nullable=True),
    Column("before", JsonDocument, nullable=True),
    Column("after", JsonDocument, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_audit_log_entity", "entity_id", "at"),
    Index("ix_audit_log_at", "at"),
)

# --- Telemetry (issue #3) ---------------------------------------------------------------

# The key leads with the reading's hour: each hour's readings make a small subtree of their
# own, where a series-first key spread every round of reports over one index page per series
# (34,000 pages a day for the lights' daily counters, each written to the log again at every
# commit): the cost per reading grew with the table. Reading one series back seeks once per
# hour of the range (`vigie.timeseries.sql.hours_of`). See migration 0009.
readings = Table(
    "readings",
    metadata,
    Column("ts_hour", Integer, nullable=False, comment="hours since the Unix epoch to ts (UTC)"),
    Column("asset_id", String(200), nullable=False, comment="asset or part (meter) id"),
    Column("metric", String(48), nullable=False),
    Column("ts", UtcDateTime, nullable=False, comment="when the device measured it"),
    Column("value", Float, nullable=True, comment="numbers, counters and booleans (0/1)"),
    Column("value_text", String(200), nullable=True, comment="enums and text"),
    PrimaryKeyConstraint("ts_hour", "asset_id", "metric", "ts"),
    Index("ix_readings_ts", "ts"),
)

twin_state = Table(
    "twin_state",
    metadata,
    Column("asset_id", String(200), nullable=False),
    Column("metric", String(48), nullable=False),
    Column("value", Float, nullable=True),
    Column("value_text", String(200), nullable=True),
    Column("ts", UtcDateTime, nullable=False, comment="time of the reading that set it"),
    Column("changed_at", UtcDateTime, nullable=False, comment="when the value last changed"),
    PrimaryKeyConstraint("asset_id", "metric"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("source", String(16), nullable=False, comment="mqtt or http"),
    Column("topic", String(300), nullable=True),
    Column("asset_id", String(200), nullable=True),
    Column("metric", String(48), nullable=True),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False, comment="the raw payload (cut at 64 KiB)"),
    Column("payload_bytes", Integer, nullable=False, comment="size of the whole raw payload"),
    Column(
        "refusals",
        Integer,
        nullable=False,
        server_default="1",
        comment="metrics of the payload refused (the reason is the first's)",
    ),
    Index("ix_dead_letters_received_at", "received_at"),
)

# --- Time series: rollups and their bookkeeping (issue #3, item 4) -----------------------
# On PostgreSQL, migration 0004 makes `readings` a table partitioned by month on `ts` (with a
# DEFAULT partition); on SQLite it stays as declared above.


def _rollup_table(name: str, size: str, key: tuple[str, ...]) -> Table:
    """One row per (asset or meter, metric, bucket) of numeric readings: their statistics, and
    for counters the increase over the bucket (see vigie.timeseries.rollups for the rule)."""
    return Table(
        name,
        metadata,
        Column("asset_id", String(200), nullable=False),
        Column("metric", String(48), nullable=False),
        Column("bucket_start", UtcDateTime, nullable=False, comment=f"start of the UTC {size}"),
        Column("reading_count", Integer, nullable=False),
        Column("min_value", Float, nullable=False),
        Column("max_value", Float, nullable=False),
        Column("sum_value", Float, nullable=False, comment="mean = sum_value / reading_count"),
        Column("first_ts", UtcDateTime, nullable=False),
        Column("first_value", Float, nullable=False),
        Column("last_ts", UtcDateTime, nullable=False),
        Column("last_value", Float, nullable=False),
        Column("increase", Float, nullable=True, comment="counters only, never negative"),
        PrimaryKeyConstraint(*key),
    )


# Both keyed by their bucket first (migrations 0010, 0011): each rollup replaces one hour or
# one day of every series at once, on the few pages of that bucket; with the series first it
# touched one page per series (34,000 for the lights' energy), more of them as the table grew.
readings_hourly = _rollup_table("readings_hourly", "hour", ("bucket_start", "asset_id", "metric"))
readings_daily = _rollup_table("readings_daily", "day", ("bucket_start", "asset_id", "metric"))

counter_latest_hours = Table(
    "counter_latest_hours",
    metadata,
    Column("asset_id", String(200), nullable=False),
    Column("metric", String(48), nullable=False, comment="a counter (timeseries.counters)"),
    Column("first_start", UtcDateTime, nullable=False, comment="the series' first hourly row"),
    Column("latest_start", UtcDateTime, nullable=False, comment="the series' latest hourly row"),
    Column("latest_value", Float, nullable=False, comment="that row's last_value"),
    Column("previous_start", UtcDateTime, nullable=True, comment="the series' hourly row before"),
    Column("previous_value", Float, nullable=True, comment="that row's last_value"),
    PrimaryKeyConstraint("asset_id", "metric"),
    comment="where a counter's increase after a silence starts from (timeseries.rollups)",
)

rollup_pending = Table(
    "rollup_pending",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("resolution", String(8), nullable=False, comment="hour or day"),
    Column("bucket_start", UtcDateTime, nullable=False),
    Index("ix_rollup_pending_resolution_bucket", "resolution", "bucket_start"),
)

timeseries_watermarks = Table(
    "timeseries_watermarks",
    metadata,
    Column("name", String(48), primary_key=True),
    Column("position", BigInteger, nullable=True, comment="a row position (SQLite rowid)"),
    Column("at", UtcDateTime, nullable=True, comment="a point in time"),
)

# --- Alarms (issue #4) --------------------------------------------------------------------

alarms = Table(
    "alarms",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("asset_id", String(200), nullable=False, comment="asset or part (meter) id"),
    Column("asset_type", String(48), nullable=False, comment="asset type, or Meter"),
    Column("municipality_code", String(5), nullable=False),
    Column("rule_id", String(80), nullable=False),
    Column("title", String(200), nullable=False),
    Column(
        "state", String(16), nullable=False, comment="raised acknowledged shelved cleared closed"
    ),
    Column("severity", String(16), nullable=False, comment="minor, major or critical"),
    Column("rule_severity", String(16), nullable=False, comment="before escalation"),
    Column("is_root", Boolean, nullable=False, comment="a root cause for dependent assets"),
    Column(
        "caused_by",
        BigId,
        ForeignKey("alarms.id"),
        nullable=True,
        comment="the root alarm this one is a consequence of",
    ),
    Column("detail", Text, nullable=False),
    Column("condition_since", UtcDateTime, nullable=False),
    Column("first_raised_at", UtcDateTime, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False, comment="of the latest occurrence"),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("occurrences", Integer, nullable=False),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("acknowledged_by", String(120), nullable=True),
    Column("shelved_until", UtcDateTime, nullable=True),
    Column("shelved_by", String(120), nullable=True),
    Column("cleared_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("closed_by", String(120), nullable=True),
    Column("escalations", Integer, nullable=False),
    Column("escalation_due_at", UtcDateTime, nullable=True),
    Column("flapping", Boolean, nullable=False),
    Column("flap_count", Integer, nullable=False),
    Column("last_flap_at", UtcDateTime, nullable=True),
    Column(
        "promote_at",
        UtcDateTime,
        nullable=True,
        comment="child of a cleared root: when it stands alone",
    ),
    Column("detail_fr", Text, nullable=True, comment="the detail in French; NULL before 0012"),
    Index("ix_alarms_asset_id", "asset_id", "id"),
    Index("ix_alarms_municipality_code", "municipality_code", "id"),
    Index("ix_alarms_state", "state", "id"),
    Index("ix_alarms_caused_by", "caused_by"),
    Index("ix_alarms_escalation_due_at", "escalation_due_at"),
    Index("ix_alarms_shelved_until", "shelved_until"),
    Index("ix_alarms_promote_at", "promote_at"),
    Index("ix_alarms_last_flap_at", "last_flap_at"),
    Index("ix_alarms_updated_at", "updated_at"),
)

#: One alarm per (asset, rule) that is not closed.
Index(
    "uq_alarms_open_asset_rule",
    alarms.c.asset_id,
    alarms.c.rule_id,
    unique=True,
    sqlite_where=alarms.c.state != "closed",
    postgresql_where=alarms.c.state != "closed",
)

alarm_comments = Table(
    "alarm_comments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alarm_id", BigId, ForeignKey("alarms.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("author", String(120), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_alarm_comments_alarm_id", "alarm_id", "id"),
)

# --- Commands to field devices (issue #5; reused by #7) ----------------------------------

commands = Table(
    "commands",
    metadata,
    Column("id", String(40), primary_key=True, comment="cmd-<hex>, also on the wire"),
    Column("domain", String(32), nullable=False, comment="lighting, traffic, ..."),
    Column("action", String(48), nullable=False),
    Column("params", JsonDocument, nullable=False, comment="the action's fields, as sent"),
    Column("target", JsonDocument, nullable=False, comment="how the targets were chosen"),
    Column("status", String(16), nullable=False, comment="active, completed or expired"),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, comment="no device is sent it after"),
    Column("max_attempts", Integer, nullable=False),
    Column("retry_after_s", Float, nullable=False, comment="wait for an ack before resending"),
    Column("device_count", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_commands_created_at", "created_at"),
    Index("ix_commands_status", "status", "expires_at"),
)

command_municipalities = Table(
    "command_municipalities",
    metadata,
    Column("command_id", String(40), ForeignKey("commands.id", ondelete="CASCADE"), nullable=False),
    Column("municipality_code", String(5), nullable=False),
    PrimaryKeyConstraint("command_id", "municipality_code"),
    Index("ix_command_municipalities_code", "municipality_code", "command_id"),
)

command_devices = Table(
    "command_devices",
    metadata,
    Column("command_id", String(40), ForeignKey("commands.id", ondelete="CASCADE"), nullable=False),
    Column("asset_id", String(200), nullable=False),
    Column("asset_type", String(48), nullable=False),
    Column("municipality_code", String(5), nullable=False),
    Column(
        "status",
        String(16),
        nullable=False,
        comment="pending, sent, acknowledged, failed or expired",
    ),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True, comment="when to (re)send"),
    Column("sent_at", UtcDateTime, nullable=True, comment="of the latest attempt"),
    Column("answered_at", UtcDateTime, nullable=True, comment="ack time, device's clock"),
    Column("reason", Text, nullable=True, comment="why it failed or expired"),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("command_id", "asset_id"),
    Index("ix_command_devices_due", "status", "next_attempt_at"),
    Index("ix_command_devices_asset_id", "asset_id", "command_id"),
)
