"""The simulated devices of the city, one module per domain, on one event queue
(`scheduler`), assembled by `simulation.Simulation`."""
