"""The lab: the city generator, the device simulator, faults and their ground truth, the
proofs and the detection scoring run on the simulated city, and the SUMO evaluation. An
optional extra (`pip install vigie[lab]`): the product never imports it; the CLI does, lazily,
for the lab's own commands."""
