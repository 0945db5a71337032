"""Pieces more than one page uses: the header with the navigation a role may use, the empty page."""

from __future__ import annotations

from dash import html

from dashboard import context
from dashboard.i18n import t

# (page key, path, who sees the link: a role check in dashboard.context)
NAV = (
    ("map", "/", None),
    ("dispatch", "/dispatch", "may_dispatch"),
    ("tasks", "/tasks", "is_officer"),
    ("quality", "/quality", "may_see_quality"),
    ("audit", "/admin/audit", "is_admin"),
)


def header(lang: str, current: str, middle: list | None = None, *, compact: bool = False) -> html.Header:
    """The title, what the page puts beside it (breadcrumbs, a subtitle), the links the user's role
    may follow, the language switch and the user. ``compact``: the phone layout (title and user)."""
    other = "en" if lang == "zh" else "zh"
    query = "" if lang == "zh" else "?lang=en"
    links = []
    for key, path, check in NAV:
        if check is not None and not getattr(context, check)():
            continue
        links.append(html.A(t(f"nav.{key}", lang), href=f"{path}{query}", id=f"nav-{key}",
                            className="tm-nav-link tm-active" if key == current else "tm-nav-link"))
    user = context.user_label()
    return html.Header(className="tm-header tm-header-compact" if compact else "tm-header", children=[
        html.Div(className="tm-header-left", children=[html.Span(t("app.title", lang), className="tm-title"),
                                                        *(middle or [])]),
        html.Nav(className="tm-nav", children=[
            *links,
            html.A(t("app.switch_lang", lang), href=f"?lang={other}", className="tm-lang", id="lang-switch"),
            *([html.Span(user, className="tm-user", id="user-label"),
               html.A(t("nav.logout", lang), href="/logout", className="tm-nav-link", id="logout")] if user else []),
        ]),
    ])


def no_warehouse_page(header: html.Header, message: str) -> html.Div:
    """What a page shows before any ETL run has published a warehouse (or to a role it is not for)."""
    return html.Div(className="tm-page", children=[
        header,
        html.Main(className="tm-empty", children=html.P(message, id="no-warehouse")),
    ])
