"""Entry point of the `vigie` command: one sub-command group per concern."""

from __future__ import annotations

import typer

from vigie.cli import (
    alarms,
    assets,
    city,
    db,
    demo,
    gtfs,
    ingest,
    lighting,
    municipalities,
    serve,
    sim,
    timeseries,
    traffic,
    users,
)
from vigie.domains.installed import install_all

install_all()  # every facility of this build, before any command runs

app = typer.Typer(
    name="vigie",
    help="Vigie: connected control centre for a metropolitan area's public facilities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(city.app, name="city")
app.add_typer(assets.app, name="assets")
app.add_typer(users.app, name="users")
app.add_typer(db.app, name="db")
app.add_typer(municipalities.app, name="municipalities")
app.add_typer(sim.app, name="sim")
app.add_typer(timeseries.app, name="timeseries")
app.add_typer(alarms.app, name="alarms")
app.add_typer(traffic.app, name="traffic")
app.add_typer(gtfs.app, name="gtfs")
app.add_typer(lighting.app, name="lighting")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)

if __name__ == "__main__":
    app()
