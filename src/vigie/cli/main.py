"""Entry point of the `vigie` command: one sub-command group per concern."""

from __future__ import annotations

import typer

from vigie.cli import (
    alarms,
    assets,
    city,
    db,
    demo,
    devices,
    ingest,
    lab_commands,
    municipalities,
    serve,
    sim,
    timeseries,
    users,
)
from vigie.domains.installed import install_all
from vigie.integration import installed

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
app.add_typer(devices.app, name="devices")
app.add_typer(municipalities.app, name="municipalities")
app.add_typer(sim.app, name="sim")
app.add_typer(timeseries.app, name="timeseries")
app.add_typer(alarms.app, name="alarms")
facility_groups = {i.cli_name or i.name: i.cli() for i in installed() if i.cli is not None}
lab_commands.attach(facility_groups)
for group_name, group in facility_groups.items():
    app.add_typer(group, name=group_name)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)

if __name__ == "__main__":
    app()
