"""The registry: municipalities, assets, their parts and topology, lifecycle."""
