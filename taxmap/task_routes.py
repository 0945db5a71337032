"""Plain HTTP routes of the task workflow: a task's site photo, for who may read the task (audited)."""

from __future__ import annotations

import flask

from dispatch import photos
from dispatch import tasks as T
from taxmap import auth
from taxmap.data import tasks as task_data
from taxmap.settings import Settings


def install(server: flask.Flask, settings: Settings) -> None:
    @server.route("/tasks/photo/<int:task_id>")
    def task_photo(task_id: int):
        store = auth.store()
        task = T.get_task(store, task_id)
        if task is None or not task_data.may_read(auth.actor(), task) or not task["photo"]:
            flask.abort(404)  # the same answer for "not yours" and "not there"
        path = photos.resolve(settings.resolved_photo_dir, task["photo"])
        if path is None:
            flask.abort(404)
        auth.audit("view.photo", f"task {task_id}")
        response = flask.send_file(path, mimetype=photos.MEDIA_TYPES[path.suffix])
        response.headers["Cache-Control"] = "no-store"
        return response
