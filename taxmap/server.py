"""`taxmap serve`: the app under gunicorn (the same as `gunicorn app:server`), configured from settings."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from taxmap.settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # imported in each worker after the fork: every worker opens the warehouse itself
        from app import server

        return server


def serve(settings: Settings, *, workers: int = 2, threads: int = 4) -> None:
    _Gunicorn({
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 120,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }).run()
