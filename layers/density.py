"""Tax-source density (税源密度): where registrations and businesses on the ground are, how many are
linked, and the tax they paid. Blue ramp, dim to bright."""

METRICS = ("n_taxpayers", "n_units", "linked_share", "tax_paid_12m")
COLORS = ["#123a5e", "#1769aa", "#2196f3", "#4fc3f7", "#b3ecff"]
