"""Discrepancies (比对差异): the four kinds of disagreement between the grid survey and the
registrations, per cell, and as points when zoomed in (zoom ≥ 16). Violet ramp; each kind its own
point colour."""

METRICS = ("n_unregistered", "n_not_found", "n_address_mismatch", "n_status_conflict")
COLORS = ["#2e1a47", "#5b2a86", "#8e44ad", "#c86dd7", "#ffa8f3"]
KIND_COLORS = {"unregistered": "#ff6b6b", "not_found": "#ffb454", "address_mismatch": "#c86dd7",
               "status_conflict": "#5ec8ff"}
POINTS_FROM_ZOOM = 16
