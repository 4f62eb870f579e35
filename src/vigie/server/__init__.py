"""The HTTP server: the API and the operator UI assembled into one application."""
