"""The full Dijon twin in a fresh SQLite store, with the users the UI tests log in as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.lab.city import generate_city, write_city
from vigie.registry.assets import count_by_type
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import assets

PASSWORD = "correct horse battery"
TALANT = "21617"
DIJON = "21231"
SEED = 2017


@dataclass(frozen=True)
class Twin:
    database_url: str
    var_dir: Path
    counts: dict[str, int]
    device_token: str
    talant_assets: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def build_twin(var_dir: Path, scale: float = 1.0) -> Twin:
    """The twin generated for SEED at `scale` (1.0: Dijon Métropole's counts)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{var_dir / 'vigie.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        city = generate_city(SEED, scale, list_municipalities(conn))
        write_city(conn, city, now, "test")
        for username, role, scope in (
            ("ada", Role.ADMIN, ()),
            ("olga", Role.OPERATOR, ()),
            ("vic", Role.VIEWER, ()),
            ("tala", Role.MUNICIPAL_AGENT, (TALANT,)),
            ("gw", Role.DEVICE, ()),
        ):
            user = add_user(
                conn,
                username=username,
                password=PASSWORD,
                role=role,
                municipality_codes=scope,
                actor="test",
                now=now,
            )
        device_token, _ = issue_token(
            conn, user_id=user.id, kind="machine", name="ui tests", now=now, lifetime=None
        )
        counts = count_by_type(conn)
        talant = len(
            conn.execute(select(assets.c.id).where(assets.c.municipality_code == TALANT)).all()
        )
    engine.dispose()
    return Twin(url, var_dir, counts, device_token, talant)
