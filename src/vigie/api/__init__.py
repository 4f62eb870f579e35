"""The REST API (FastAPI): routes per resource, auth dependencies, problem+json errors."""
