"""The operator UI, served by the same server: pages, static files and the map's data feeds.

`vigie.web.router` carries everything the UI needs; `create_app` includes it once.
"""

from vigie.web.routes import router

__all__ = ["router"]
