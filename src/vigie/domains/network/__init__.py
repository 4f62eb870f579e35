"""The fibre network: nodes and links."""
