"""Risk indicators and portraits (docs/risk.md)."""
