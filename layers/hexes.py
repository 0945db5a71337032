"""What the hexagon layers share: the GeoJSON of the cells in view, class breaks, legend, hideout.

Each layer is a module of its own (``layers/density.py``, ``risk.py``, ``discrepancies.py``,
``changes.py``: its metrics and colour ramp). They share one GeoJSON of the cells in view; every
metric is a property of each feature, so switching layer or metric only changes the ``hideout``
(metric, class breaks, colours, selection) and ``assets/taxmap_map.js`` restyles in the browser.
The changes layer's figures join the cells only while it is shown (they compare two runs).
"""

from __future__ import annotations

import math

from dash import html

from dashboard.i18n import t
from layers import changes, density, discrepancies, risk
from taxmap.data import hexes
from taxmap.data.display import Display

# layer → its metrics (the first is the default) and its colour ramp, dim to bright on the dark map
LAYERS: dict[str, dict] = {
    name: {"metrics": module.METRICS, "colors": module.COLORS}
    for name, module in (("density", density), ("risk", risk), ("discrepancies", discrepancies),
                         ("changes", changes))
}
SIGNED = changes.SIGNED
KIND_COLORS = discrepancies.KIND_COLORS
HEX_STYLE = {"variable": "taxmap.map.hexStyle"}
POINT_TO_LAYER = {"variable": "taxmap.map.pointToLayer"}
CLASSES = 5


def breaks(values: list[float | None], classes: int = CLASSES) -> list[float] | None:
    """Upper bounds of the classes below the top one: quantiles of the positive values in view,
    increasing and below the maximum (few distinct counts give fewer classes). None: nothing to show."""
    positive = sorted(v for v in values if v is not None and v > 0)
    if not positive:
        return None
    out: list[float] = []
    for k in range(1, classes):
        q = positive[math.ceil(k * len(positive) / classes) - 1]
        if q < positive[-1] and (not out or q > out[-1]):
            out.append(q)
    return out


def color_index(k: int, classes: int, colors: int) -> int:
    """Class k of ``classes`` spread over the ramp (the brightest colour is always the top class);
    assets/taxmap_map.js computes the same."""
    return colors - 1 if classes <= 1 else round(k * (colors - 1) / (classes - 1))


def metric_breaks(rows: list[dict], metric: str) -> list[float] | None:
    """Classes of the published values of ``metric`` (withheld ones are None); a signed change is
    classed by its size."""
    return breaks([abs(v) if metric in SIGNED and v is not None else v for v in (r.get(metric) for r in rows)])


def all_breaks(rows: list[dict]) -> dict[str, list[float]]:
    return {m: metric_breaks(rows, m) for m in (*hexes.METRICS, *changes.METRICS)}


def format_value(metric: str, value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    if metric in SIGNED:  # a change: its sign, then its size as the figure it changes
        sign = "+" if value > 0 else "−" if value < 0 else ""
        return sign + format_value("tax_paid_12m" if metric.startswith("tax") else "risk_mean", abs(value), lang)
    if metric.startswith("tax_paid"):  # 12 months, a period, or one run's
        metric = "tax_paid_12m"
    elif metric.startswith("risk_mean"):
        metric = "risk_mean"
    if metric == "linked_share":
        return f"{value * 100:.0f}%"
    if metric == "risk_mean":
        return f"{value:.1f}"
    if metric == "tax_paid_12m":
        return f"{value / 1e4:,.1f} 万元" if lang == "zh" else f"CNY {value / 1e6:,.2f} m"
    return f"{int(value):,}"


def tooltip(row: dict, lang: str) -> str:
    shown = ("n_taxpayers", "n_units", "linked_share", "risk_mean", "n_high_risk", "n_unregistered",
             "n_not_found", "n_address_mismatch", "n_status_conflict", "tax_paid_12m")
    if "n_new" in row:  # the changes layer: what changed first
        shown = (*changes.METRICS, "n_taxpayers", "n_units")
    lines = [f"<b>{t('map.cell', lang)} {row['h3']}</b>"]
    lines += [f"{t('metric.' + m, lang)}：{format_value(m, row.get(m), lang)}" for m in shown]
    return "<br>".join(lines)


def feature_collection(rows: list[dict], lang: str, display: Display = Display()) -> dict:
    """The cells as GeoJSON polygons with every metric and a tooltip in their properties."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["h3"],
                "geometry": {"type": "Polygon", "coordinates": [display.ring(hexes.cell_polygon(r["h3"]))]},
                "properties": {"h3": r["h3"], **{m: r.get(m) for m in hexes.METRICS},
                               **{m: r[m] for m in changes.METRICS if m in r}, "tooltip": tooltip(r, lang)},
            }
            for r in rows
        ],
    }


def points_collection(rows: list[dict], lang: str, display: Display = Display()) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(display.point(r["lng"], r["lat"]))},
                "properties": {"kind": r["kind"], "taxpayer_id": r["taxpayer_id"], "record_id": r["record_id"],
                               "tooltip": f"<b>{t('kind.' + r['kind'], lang)}</b><br>{r['detail']}"},
            }
            for r in rows
        ],
    }


def hideout(layer: str, metric: str, cell_breaks: dict, selected: list[str]) -> dict:
    return {"metric": metric, "breaks": cell_breaks, "colors": LAYERS[layer]["colors"], "selected": selected,
            "opacity": 0.75, "kindColors": KIND_COLORS, "signed": list(SIGNED), "negative": changes.DECREASE_COLORS}


def legend_rows(metric: str, bounds: list[float] | None, colors: list[str], lang: str) -> list[html.Div]:
    """Colour swatches with their value ranges; a signed change gets its decreases (blue, largest
    first) above its increases."""
    if bounds is None:
        return [html.Div(t("map.no_data", lang), className="tm-legend-text")]
    if metric in SIGNED:
        return [*_class_rows(metric, bounds, changes.DECREASE_COLORS, t("legend.down", lang) + " ", lang)[::-1],
                *_class_rows(metric, bounds, colors, t("legend.up", lang) + " ", lang)]
    return _class_rows(metric, bounds, colors, "", lang)


def _class_rows(metric: str, bounds: list[float], colors: list[str], prefix: str, lang: str) -> list[html.Div]:
    size = ("tax_paid_12m" if metric.startswith("tax") else "risk_mean") if metric in SIGNED else metric
    edges = [None, *bounds, None]
    rows = []
    for k in range(len(bounds) + 1):
        lower, upper = edges[k], edges[k + 1]
        if lower is None and upper is None:
            text = "> 0"
        elif lower is None:
            text = f"≤ {format_value(size, upper, lang)}"
        elif upper is None:
            text = f"> {format_value(size, lower, lang)}"
        else:
            text = f"{format_value(size, lower, lang)} – {format_value(size, upper, lang)}"
        rows.append(html.Div(className="tm-legend-row", children=[
            html.Span(className="tm-swatch", style={"background": colors[color_index(k, len(bounds) + 1, len(colors))]}),
            html.Span(prefix + text, className="tm-legend-text")]))
    return rows


def legend(layer: str, metric: str, cell_breaks: dict, res: int, n_cells: int, lang: str,
           note: str | None = None) -> html.Div:
    """Colour swatches with their value ranges for the metric shown, and what the cells are (``note``:
    what else to say, e.g. which runs the changes compare)."""
    items = legend_rows(metric, cell_breaks.get(metric), LAYERS[layer]["colors"], lang)
    return html.Div(id="map-legend-body", children=[
        html.Div(t("metric." + metric, lang), className="tm-legend-title", id="legend-title"),
        *items,
        html.Div(t("map.legend_cells", lang).format(res=res, n=n_cells), className="tm-legend-note",
                 id="legend-note"),
        *([html.Div(note, className="tm-legend-note", id="legend-changes")] if note else []),
    ])
