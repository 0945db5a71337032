"""Changes since the previous run (批次变化): tax sources that came, went or moved per cell, and the
change in tax paid and in mean risk between the two newest ETL runs (taxmap/data/changes.py). Counts
on the amber-to-red ramp; a signed change on two ramps: increases amber to red, decreases in blues."""

from taxmap.data.changes import DIVERGING

METRICS = ("n_new", "n_gone", "tax_change", "risk_change", "n_moved_in", "n_moved_out")
COLORS = ["#4a3b12", "#8a5a12", "#d0741c", "#ff6a2b", "#ff2e4d"]
DECREASE_COLORS = ["#1d3b5c", "#1f5f8b", "#2f8fcf", "#6cc4f5", "#c4ecff"]
SIGNED = DIVERGING  # the metrics with a sign: classed by size, coloured by sign
