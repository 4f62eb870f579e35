"""The device protocol (docs/protocol.md): MQTT topics, telemetry payloads, commands and
their acknowledgements. The one contract that devices, Vigie's adapters and the lab's
simulator share: the product's ingest and dispatcher read and write these shapes, the
simulator's devices speak them."""
