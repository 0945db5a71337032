"""Who may see what: login (Flask-Login, argon2 hashes in the store), sessions that time out,
security headers, and the area each role may see (README "Security").

Every route but the login page and static files needs a logged-in user; a Dash callback without one
gets 401. The area (``user_scope``) is applied by the data-access layer to every read.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
from pathlib import Path
from urllib.parse import urlparse

import flask
import flask_login
from flask_login import LoginManager, current_user

from dispatch import users as user_store
from dispatch.store import open_store
from taxmap import data
from taxmap.settings import Settings

# static files, and Dash's empty shell (the page container and the callback graph): no taxpayer data
PASSWORD_PAGE = "/account/password"
SCREEN_PAGE = "/screen"
# what a wall display's session may reach: its page, Dash's plumbing, static files
SCREEN_PREFIXES = (SCREEN_PAGE, "/_dash-", "/_reload-hash", "/assets/", "/logout", "/health")
PUBLIC_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico", "/health",
                   "/_dash-layout", "/_dash-dependencies", "/api/v1/openapi.json")
API_PREFIX = "/api/"  # the read API checks its callers itself (bearer token or session; taxmap/api.py)
NOTHING = data.Scope(frozenset(), frozenset())  # a scope that matches no row


class SecretMissing(RuntimeError):
    """Production mode without TAXMAP_SECRET_KEY: sessions could be forged, so the app refuses to start."""


class LoginUser(flask_login.UserMixin):
    def __init__(self, user: user_store.User):
        self.user = user

    def get_id(self) -> str:
        return self.user.username


def secret_key(settings: Settings) -> str:
    """The session-signing key: TAXMAP_SECRET_KEY; in development a random key kept in the data folder
    (the same for every worker and restart); in production its absence stops the app."""
    if settings.secret_key:
        return settings.secret_key
    if settings.env == "production":
        raise SecretMissing("TAXMAP_ENV=production needs TAXMAP_SECRET_KEY (e.g. `python -c "
                            "'import secrets; print(secrets.token_hex(32))'`)")
    path = Path(settings.data_dir) / ".secret_key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def user_scope(wh) -> data.Scope:
    """The area the current user may see. Outside a web request (CLI, tests calling page functions)
    the whole region; in a request without a login, nothing."""
    if not flask.has_request_context():
        return data.REGION
    if not current_user.is_authenticated:
        return NOTHING
    return scope_of(current_user.user, wh)


def scope_of(user: user_store.User, wh) -> data.Scope:
    if user.role in ("district_leader", "analyst", "admin"):
        return data.REGION
    if user.role in ("screen", "system"):  # a wall display or a system: its streets, or the district
        return data.Scope(frozenset(user.street_codes)) if user.street_codes else data.REGION
    if user.role == "street_leader":
        return data.Scope(frozenset(user.street_codes))
    streets = frozenset(s for s in (data.grid_street(wh, g) for g in user.grid_codes) if s)
    return data.Scope(streets, frozenset(user.grid_codes))


ROW_ROLES = ("district_leader", "street_leader", "officer")  # single taxpayers' rows
QUALITY_ROLES = ("district_leader", "admin")  # rejected rows as written (names, ids)


def _may(roles: tuple[str, ...]) -> bool:
    """Whether the current user has one of ``roles``. Outside a web request (CLI, tests calling page
    functions) yes; in a request without a login, no."""
    if not flask.has_request_context():
        return True
    return current_user.is_authenticated and current_user.user.role in roles


def has_role(*roles: str) -> bool:
    """Whether a user is logged in with one of ``roles`` (False outside a request: pages that act
    for someone need someone)."""
    return flask.has_request_context() and current_user.is_authenticated and current_user.user.role in roles


def store():
    return flask.current_app.extensions["taxmap_store"]


def actor():
    """The logged-in user as a task actor, or None."""
    from dispatch.tasks import Actor

    user = _logged_in()
    return Actor.of(user) if user else None


def may_see_rows() -> bool:
    """Single taxpayers' rows: not for analysts (aggregates only) nor admins."""
    return _may(ROW_ROLES)


def may_see_quality() -> bool:
    """The data-quality page shows rejected rows as written: district leaders and admins only."""
    return _may(QUALITY_ROLES)


def is_admin() -> bool:
    return _may(("admin",))


def audit_rows(actor: str | None = None, action: str | None = None, limit: int = 200) -> list[dict]:
    """The newest audit rows matching the filters (the admin page)."""
    from dispatch import audit as audit_log

    return audit_log.search(flask.current_app.extensions["taxmap_store"], actor=actor or None,
                            action=action or None, limit=limit)


def _logged_in() -> user_store.User | None:
    if flask.has_request_context() and current_user.is_authenticated:
        return current_user.user
    return None


def user_label() -> str | None:
    user = _logged_in()
    return f"{user.display_name} · {user.role}" if user else None


def current_username() -> str | None:
    user = _logged_in()
    return user.username if user else None


LOGIN_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="tm-login-body"><form method="post" action="/login" class="tm-login" autocomplete="off">
<h1>{title}</h1>
<input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="username">{user_label}</label><input id="username" name="username" required autofocus>
<label for="password">{password_label}</label><input id="password" name="password" type="password" required>
<p class="tm-login-error" id="login-error">{error}</p>
<button type="submit" id="login-submit">{submit}</button>
</form></body></html>"""

PASSWORD_FORM = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="tm-login-body"><form method="post" action="/account/password" class="tm-login" autocomplete="off">
<h1>{title}</h1><p class="tm-muted">{hint}</p>
<input type="hidden" name="csrf_token" value="{csrf}">
<label for="current">{current_label}</label><input id="current" name="current" type="password" required autofocus>
<label for="new">{new_label}</label><input id="new" name="new" type="password" required>
<label for="again">{again_label}</label><input id="again" name="again" type="password" required>
<p class="tm-login-error" id="password-error">{error}</p>
<button type="submit" id="password-submit">{submit}</button>
</form></body></html>"""

TEXT = {
    "zh": {"title": "实景税源智慧地图 · 登录", "user": "用户名", "password": "密码", "submit": "登录",
           "failed": "用户名或密码错误，或账户已被锁定。", "csrf": "页面已过期，请重试。",
           "change": "修改密码", "change_hint": "密码已被重置，请先设置新密码（至少 10 位，含字母与数字或符号）。",
           "current": "当前密码", "new": "新密码", "again": "再次输入新密码", "save": "保存",
           "differ": "两次输入的新密码不一致。"},
    "en": {"title": "Tax-Source Smart Map · Sign in", "user": "Username", "password": "Password",
           "submit": "Sign in", "failed": "Wrong username or password, or the account is locked.",
           "csrf": "The page expired; try again.", "change": "Change your password",
           "change_hint": "Your password was reset: set a new one (10 characters or more, letters with digits "
                          "or symbols).", "current": "Current password", "new": "New password",
           "again": "New password again", "save": "Save", "differ": "The two new passwords differ."},
}


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect to another site after login."""
    if not target:
        return "/"
    parsed = urlparse(target)
    # browsers read "/\\host" as "//host": a backslash anywhere is refused too
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def install(app, settings: Settings) -> None:
    """Login, sessions and headers on the Dash app's Flask server."""
    server = app.server
    server.secret_key = secret_key(settings)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.env == "production",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.session_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        REMEMBER_COOKIE_DURATION=dt.timedelta(seconds=0),
    )
    store = open_store(settings.resolved_database_url)
    server.extensions["taxmap_store"] = store
    server.extensions["taxmap_settings"] = settings
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def _load(username: str):
        user = user_store.get_user(store, username)
        return LoginUser(user) if user and user.active else None

    def _csrf_token() -> str:
        # one token per session, not per page view: a second tab or the browser's own requests
        # (favicon) must not invalidate the form already shown
        return flask.session.setdefault("csrf_token", secrets.token_urlsafe(24))

    def _csrf_ok(form) -> bool:
        expected = flask.session.get("csrf_token")
        return bool(expected) and secrets.compare_digest(expected, form.get("csrf_token", ""))

    def _page(lang: str, error: str = "", next_url: str = "/") -> str:
        token = _csrf_token()
        t = TEXT[lang]
        return LOGIN_PAGE.format(lang="zh-CN" if lang == "zh" else "en", title=t["title"], csrf=token,
                                 next=html.escape(next_url), user_label=t["user"], password_label=t["password"],
                                 error=html.escape(error), submit=t["submit"])

    @server.route("/login", methods=["GET", "POST"])
    def login():
        lang = "en" if flask.request.args.get("lang") == "en" else "zh"
        if flask.request.method == "GET":
            return _page(lang, next_url=_safe_next(flask.request.args.get("next")))
        form = flask.request.form
        if not _csrf_ok(form):
            return _page(lang, TEXT[lang]["csrf"], _safe_next(form.get("next"))), 400
        result = user_store.authenticate(
            store, form.get("username", "").strip(), form.get("password", ""),
            max_failures=settings.login_max_failures, lockout=dt.timedelta(minutes=settings.login_lockout_minutes),
            remote_addr=flask.request.remote_addr)
        if result.user is None:
            return _page(lang, TEXT[lang]["failed"], _safe_next(form.get("next"))), 401
        flask.session.clear()  # a fresh session at login: no fixation
        flask.session.permanent = True
        flask_login.login_user(LoginUser(result.user))
        return flask.redirect(_safe_next(form.get("next")))

    def _password_page(lang: str, error: str = "") -> str:
        token = _csrf_token()
        t = TEXT[lang]
        return PASSWORD_FORM.format(lang="zh-CN" if lang == "zh" else "en", title=t["change"], hint=t["change_hint"],
                                    csrf=token, current_label=t["current"], new_label=t["new"],
                                    again_label=t["again"], error=html.escape(error), submit=t["save"])

    @server.route(PASSWORD_PAGE, methods=["GET", "POST"])
    def change_password():
        lang = "en" if flask.request.args.get("lang") == "en" else "zh"
        if flask.request.method == "GET":
            return _password_page(lang)
        form = flask.request.form
        if not _csrf_ok(form):
            return _password_page(lang, TEXT[lang]["csrf"]), 400
        if form.get("new", "") != form.get("again", ""):
            return _password_page(lang, TEXT[lang]["differ"]), 400
        try:
            user = user_store.change_password(store, current_user.user.username, form.get("current", ""),
                                              form.get("new", ""))
        except user_store.UserError as exc:
            return _password_page(lang, str(exc)), 400
        flask_login.login_user(LoginUser(user))
        return flask.redirect("/")

    @server.route("/logout", methods=["POST", "GET"])
    def logout():
        if current_user.is_authenticated:
            audit("logout", current_user.user.username)
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect("/login")

    @server.route("/health")
    def health():
        return {"status": "ok"}

    @server.before_request
    def _require_login():
        path = flask.request.path
        if flask.request.method == "POST" and path.startswith("/_dash-update-component"):
            # state-changing callbacks: JSON only (a cross-site form cannot send it) and, when the
            # browser says where the request comes from, from this site (with SameSite=Strict cookies)
            origin = flask.request.headers.get("Origin")
            if not flask.request.is_json or (origin and urlparse(origin).netloc != flask.request.host):
                return flask.jsonify({"error": "cross-site or non-JSON callback refused"}), 403
        if path.startswith(PUBLIC_PREFIXES + (API_PREFIX,)):
            return None
        if path == SCREEN_PAGE and flask.request.args.get("token"):
            # a wall display: the token signs it in as its screen user (audited, revocable)
            from dispatch import screens

            screen_user = screens.user_for_token(store, flask.request.args["token"], flask.request.remote_addr)
            if screen_user is None:
                return flask.Response("screen token not valid (revoked or unknown)", 403, mimetype="text/plain")
            if not (current_user.is_authenticated and current_user.user.username == screen_user.username):
                flask.session.clear()
                flask.session.permanent = True
                flask_login.login_user(LoginUser(screen_user))
            return None
        if current_user.is_authenticated and current_user.user.role == "screen":
            if path.startswith(SCREEN_PREFIXES):
                return None
            return flask.jsonify({"error": "a screen token opens /screen only"}), 403
        if current_user.is_authenticated:
            # a reset password must be changed before anything else
            if current_user.user.must_change_password and path not in (PASSWORD_PAGE, "/logout"):
                if path.startswith("/_dash-") or flask.request.method != "GET":
                    return flask.jsonify({"error": "change your password first"}), 403
                return flask.redirect(PASSWORD_PAGE)
            return None
        if path.startswith("/_dash-") or flask.request.method != "GET":
            return flask.jsonify({"error": "login required"}), 401
        return flask.redirect(f"/login?next={flask.request.full_path.rstrip('?')}")

    @server.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # the big screen may be framed by the origins configured (a portal on the wall); nothing else
        allowed = flask.current_app.extensions["taxmap_settings"].screen_frame_ancestors
        framed = flask.request.path == SCREEN_PAGE and allowed
        ancestors = allowed if framed else "'none'"
        if not framed:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: " + (_tile_origin(settings.tile_url) or "") + "; connect-src 'self'; "
            f"frame-ancestors {ancestors}; "
            "form-action 'self'; base-uri 'self'")
        if flask.request.path.startswith("/_dash-update-component"):
            response.headers["Cache-Control"] = "no-store"  # detail responses are never cached
        return response


def _tile_origin(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url.replace("{s}", "*"))  # tile subdomains a/b/c
    return f"{parsed.scheme}://{parsed.netloc}" if parsed.scheme and parsed.netloc else None


def audit(action: str, target: str, detail: str | None = None) -> None:
    """Record what the current user looked at or took (detail views, exports) in the audit log."""
    if not flask.has_request_context():
        return
    from dispatch import audit as audit_log

    store = flask.current_app.extensions["taxmap_store"]
    with store.begin() as conn:
        audit_log.record(conn, current_username(), action, target[:256], "ok", detail, flask.request.remote_addr)
