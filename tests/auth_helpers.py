"""Users and logins for tests that talk to the app over HTTP (Flask test client or a browser)."""

from __future__ import annotations

import os
import re

from dispatch import users
from dispatch.store import open_store

PASSWORD = "test-pass-2026"


def ensure_user(username: str, role: str, streets=(), grids=(), officer_id: str | None = None) -> str:
    """A user in the test store (TAXMAP_DATABASE_URL, set by conftest.py); returns its username."""
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    try:
        if users.get_user(store, username) is None:
            users.add_user(store, username, PASSWORD, role, streets=frozenset(streets), grids=frozenset(grids),
                           actor="tests", officer_id=officer_id)
    finally:
        store.dispose()
    return username


def login(client, username: str, password: str = PASSWORD):
    """Log a Flask test client in through the login form (with its CSRF token)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                       "next": "/"})


def browser_login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)
