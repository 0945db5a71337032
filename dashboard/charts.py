"""Charts and numbers the command-room way: one plotly template (dark, large CJK type, the map's
accent colours) and Chinese magnitudes (万, 亿)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

ACCENT, WARN, BAD, MUTED, TEXT = "#5ec8ff", "#ffb454", "#ff6b6b", "#8fa8c8", "#e6f0ff"
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

pio.templates["taxmap_dark"] = go.layout.Template(layout=go.Layout(
    paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
    font={"family": FONT, "color": TEXT, "size": 16},
    colorway=[ACCENT, WARN, "#7bed9f", "#c86dd7", BAD],
    xaxis={"gridcolor": "#1f3a5a", "zerolinecolor": "#1f3a5a", "tickfont": {"color": MUTED}, "automargin": True},
    yaxis={"gridcolor": "#1f3a5a", "zerolinecolor": "#1f3a5a", "tickfont": {"color": MUTED}, "automargin": True,
           "tickformat": "~s"},
    margin={"l": 64, "r": 16, "t": 8, "b": 36}, showlegend=False,
))
TEMPLATE = "taxmap_dark"


def fmt_cn(value, lang: str = "zh", digits: int = 2) -> str:
    """12,345 → 1.23万, 345,600,000 → 3.46亿 (zh); 12.3k / 345.6M (en); small numbers as they are."""
    if value is None:
        return "—"
    value = float(value)
    if lang == "zh":
        for size, unit in ((1e8, "亿"), (1e4, "万")):
            if abs(value) >= size:
                return f"{value / size:.{digits}f}{unit}"
    else:
        for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:.{digits}f}{unit}"
    return f"{value:,.0f}"


def pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def bar(labels: list[str], values: list[float], *, horizontal: bool = True, color: str = ACCENT) -> go.Figure:
    trace = go.Bar(y=labels, x=values, orientation="h") if horizontal else go.Bar(x=labels, y=values)
    fig = go.Figure(trace)
    fig.update_traces(marker_color=color, text=values, textposition="outside", cliponaxis=False,
                      textfont={"color": TEXT})
    fig.update_layout(template=TEMPLATE, bargap=0.25, margin={"l": 110, "r": 40},
                      yaxis={"autorange": "reversed", "tickformat": None, "tickfont": {"color": TEXT}}
                      if horizontal else {})
    return fig


def line(labels: list[str], values: list[float], color: str = ACCENT, tickformat: str = "~s") -> go.Figure:
    fig = go.Figure(go.Scatter(x=labels, y=values, mode="lines+markers", line={"color": color, "width": 3},
                               marker={"size": 7}, fill="tozeroy", fillcolor="rgba(94,200,255,0.12)"))
    fig.update_layout(template=TEMPLATE, yaxis={"tickformat": tickformat, "rangemode": "tozero"})
    return fig
