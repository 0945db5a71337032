"""Where the map draws: the warehouse is WGS84; Chinese tile services (Amap, Tencent) are GCJ-02.

With ``TAXMAP_TILE_CRS=GCJ02`` every overlay is shifted into GCJ-02 before it is sent, so it lands
on the tiles' streets (the offset is 300–600 m in Shenzhen), and the viewport the browser reports
(in the tiles' system) is shifted back before the warehouse is queried.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl import coords


@dataclass(frozen=True)
class Display:
    crs: str = "WGS84"  # the base map's system: WGS84 or GCJ02

    @property
    def shifted(self) -> bool:
        return self.crs == "GCJ02"

    def points(self, lng, lat) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 → the map's system."""
        lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
        return coords.wgs84_to_gcj02(lng, lat) if self.shifted else (lng, lat)

    def point(self, lng: float, lat: float) -> tuple[float, float]:
        x, y = self.points([lng], [lat])
        return float(x[0]), float(y[0])

    def ring(self, ring: list[list[float]]) -> list[list[float]]:
        if not self.shifted:
            return ring
        x, y = self.points([p[0] for p in ring], [p[1] for p in ring])
        return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(x, y, strict=True)]

    def geometry(self, geometry: dict) -> dict:
        """A GeoJSON Point, Polygon or MultiPolygon in the map's system."""
        if not self.shifted:
            return geometry
        kind, c = geometry["type"], geometry["coordinates"]
        if kind == "Point":
            return {"type": kind, "coordinates": list(self.point(c[0], c[1]))}
        if kind == "Polygon":
            return {"type": kind, "coordinates": [self.ring(r) for r in c]}
        if kind == "MultiPolygon":
            return {"type": kind, "coordinates": [[self.ring(r) for r in poly] for poly in c]}
        raise ValueError(f"cannot shift a {kind}")

    def collection(self, collection: dict) -> dict:
        if not self.shifted:
            return collection
        return {**collection, "features": [{**f, "geometry": self.geometry(f["geometry"])}
                                           for f in collection["features"]]}

    def bounds_out(self, bounds: list[list[float]]) -> list[list[float]]:
        """[[south, west], [north, east]] in WGS84 → in the map's system."""
        (s, w), (n, e) = bounds
        x, y = self.points([w, e], [s, n])
        return [[float(y[0]), float(x[0])], [float(y[1]), float(x[1])]]

    def bounds_in(self, bounds: list[list[float]] | None) -> list[list[float]] | None:
        """The viewport the browser reports → WGS84 for the warehouse."""
        if bounds is None or not self.shifted:
            return bounds
        (s, w), (n, e) = bounds
        x, y = coords.gcj02_to_wgs84(np.array([w, e], dtype=float), np.array([s, n], dtype=float))
        return [[float(y[0]), float(x[0])], [float(y[1]), float(x[1])]]
