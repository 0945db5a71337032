"""Chinese coordinate systems, vectorised with NumPy.

GCJ-02 (Amap, Tencent) is WGS84 shifted by a published obfuscation function;
BD09 (Baidu) is GCJ-02 shifted once more. The forward functions are the
widely published formulas; the inverses solve ``forward(x) = y`` by fixed-point
iteration until the residual is below ~1 mm, which the closed-form
"approximate inverse" formulas (errors of 1–2 m) do not reach.

Every function takes and returns NumPy arrays (scalars broadcast), never a
Python loop per point. Points outside mainland China are not shifted, as the
forward functions leave them unchanged.
"""

from __future__ import annotations

import numpy as np

COORD_SYSTEMS = ("WGS84", "CGCS2000", "GCJ02", "BD09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as in the GCJ-02 formula
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-8  # about 1 mm
_MAX_ITER = 30


def _as_arrays(lng, lat):
    return np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def in_china(lng, lat) -> np.ndarray:
    """The rectangle inside which the GCJ-02 shift applies."""
    lng, lat = _as_arrays(lng, lat)
    return (lng >= 72.004) & (lng <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_delta(lng, lat):
    x = lng - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlng += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlng, dlat


def wgs84_to_gcj02(lng, lat):
    lng, lat = _as_arrays(lng, lat)
    dlng, dlat = _gcj_delta(lng, lat)
    inside = in_china(lng, lat)
    return np.where(inside, lng + dlng, lng), np.where(inside, lat + dlat, lat)


def gcj02_to_bd09(lng, lat):
    lng, lat = _as_arrays(lng, lat)
    z = np.sqrt(lng * lng + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lng) + 0.000003 * np.cos(lng * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lng, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def _invert(forward, lng, lat):
    """Solve forward(x) == (lng, lat) by fixed-point iteration, all points at once."""
    target_lng, target_lat = _as_arrays(lng, lat)
    x_lng, x_lat = target_lng.copy(), target_lat.copy()
    for _ in range(_MAX_ITER):
        f_lng, f_lat = forward(x_lng, x_lat)
        err_lng, err_lat = f_lng - target_lng, f_lat - target_lat
        x_lng = x_lng - err_lng
        x_lat = x_lat - err_lat
        worst = np.nanmax(np.abs(np.concatenate([np.ravel(err_lng), np.ravel(err_lat)])), initial=0.0)
        if worst < _TOLERANCE_DEG:
            break
    return x_lng, x_lat


def gcj02_to_wgs84(lng, lat):
    return _invert(wgs84_to_gcj02, lng, lat)


def bd09_to_gcj02(lng, lat):
    return _invert(gcj02_to_bd09, lng, lat)


def bd09_to_wgs84(lng, lat):
    return _invert(wgs84_to_bd09, lng, lat)


def to_wgs84(lng, lat, coord_sys) -> tuple[np.ndarray, np.ndarray]:
    """Convert mixed-system points to WGS84.

    ``coord_sys`` is an array of normalised names (see :data:`COORD_SYSTEMS`);
    other values give NaN so the caller can reject them.
    """
    lng, lat = _as_arrays(lng, lat)
    coord_sys = np.asarray(coord_sys, dtype=object)
    out_lng = np.full(lng.shape, np.nan)
    out_lat = np.full(lat.shape, np.nan)
    plain = (coord_sys == "WGS84") | (coord_sys == "CGCS2000")
    out_lng[plain], out_lat[plain] = lng[plain], lat[plain]
    for name, inverse in (("GCJ02", gcj02_to_wgs84), ("BD09", bd09_to_wgs84)):
        mask = coord_sys == name
        if mask.any():
            out_lng[mask], out_lat[mask] = inverse(lng[mask], lat[mask])
    return out_lng, out_lat


def haversine_m(lng1, lat1, lng2, lat2) -> np.ndarray:
    """Great-circle distance in metres (mean Earth radius)."""
    lng1, lat1 = np.radians(lng1), np.radians(lat1)
    lng2, lat2 = np.radians(lng2), np.radians(lat2)
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))
