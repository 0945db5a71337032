"""Risk heat (风险热力): the mean risk score of a cell's taxpayers and how many are high risk
(docs/risk.md). Amber to red."""

METRICS = ("risk_mean", "n_high_risk")
COLORS = ["#4a3b12", "#8a5a12", "#d0741c", "#ff6a2b", "#ff2e4d"]
