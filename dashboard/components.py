"""Pieces more than one page uses."""

from __future__ import annotations

from dash import html


def no_warehouse_page(header: html.Header, message: str) -> html.Div:
    """What a page shows before any ETL run has published a warehouse."""
    return html.Div(className="tm-page", children=[
        header,
        html.Main(className="tm-empty", children=html.P(message, id="no-warehouse")),
    ])
