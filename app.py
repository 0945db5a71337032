"""Builds the Dash app from settings. ``server = app.server`` is the WSGI entry (gunicorn app:server)."""

from __future__ import annotations

from pathlib import Path

import dash

from dashboard import context
from taxmap import api, auth, task_routes
from taxmap.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or get_settings()
    context.configure(settings)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(ROOT / "dashboard" / "pages"),
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,  # offline first: no CDN
        title="实景税源智慧地图",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.layout = dash.page_container
    auth.install(app, settings)
    task_routes.install(app.server, settings)
    api.install(app.server, context.settings, context.warehouse)
    # Dash records which script paths it serves only while rendering the index; with several
    # gunicorn workers, one that had not rendered it yet refused the page's scripts. Render it now.
    app.server.test_client().get("/login")
    return app


app = create_app()
server = app.server
