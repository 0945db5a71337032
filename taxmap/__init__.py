"""taxmap: geospatial tax-source smart map (实景税源智慧地图)."""

__version__ = "0.1.0"
