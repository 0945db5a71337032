"""Text forms of numbers and timestamps, vectorised (Arrow casts and NumPy
string operations)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STR = np.dtypes.StringDType()


def arrow_to_str(values: pa.Array) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=STR)


def decimal(values: np.ndarray, decimals: int) -> np.ndarray:
    """Shortest decimal text of the rounded values (never exponent notation
    for the magnitudes used here: |x| < 1e9)."""
    rounded = np.round(np.asarray(values, dtype=np.float64), decimals)
    if np.nanmax(np.abs(rounded), initial=0.0) >= 1e9:
        raise ValueError("decimal() is for |x| < 1e9")
    return arrow_to_str(pc.cast(pa.array(rounded), pa.string()))


def datetime_parts(ts: np.ndarray):
    ts = ts.astype("datetime64[s]")
    year = ts.astype("datetime64[Y]").astype(np.int64) + 1970
    month = ts.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (ts.astype("datetime64[D]") - ts.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day


def timestamps(ts: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Write timestamps in one of four accepted styles per row:
    0 ``2026-03-05 14:23:11``, 1 ``2026/03/05 14:23``, 2 ``2026年3月5日 14:23``, 3 ``20260305``."""
    iso = np.asarray(np.datetime_as_string(ts.astype("datetime64[s]"), unit="s"), dtype=STR)
    iso = np.strings.replace(iso, "T", " ")
    date = np.strings.slice(iso, 0, 10)
    hhmm = np.strings.slice(iso, 11, 16)
    year, month, day = datetime_parts(ts)
    chinese = np.strings.add(
        np.strings.add(np.strings.add(year.astype(STR), "年"), np.strings.add(month.astype(STR), "月")),
        np.strings.add(np.strings.add(day.astype(STR), "日 "), hhmm),
    )
    slashed = np.strings.add(np.strings.add(np.strings.replace(date, "-", "/"), " "), hhmm)
    compact = np.strings.replace(date, "-", "")
    return np.select([style == 0, style == 1, style == 2], [iso, slashed, chinese], compact).astype(STR)


def dates(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` for datetime64[D] values."""
    return np.asarray(np.datetime_as_string(days.astype("datetime64[D]"), unit="D"), dtype=STR)


def as_arrow(values) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def factorize(values) -> tuple[np.ndarray, list]:
    """(codes, distinct values in order of first appearance) — hashing in
    Arrow, much faster than sorting NumPy strings."""
    encoded = pc.dictionary_encode(as_arrow(values))
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


def duplicated(values) -> np.ndarray:
    """True for every occurrence of a value after its first."""
    codes, _ = factorize(values)
    dup = np.ones(len(codes), dtype=bool)
    dup[np.unique(codes, return_index=True)[1]] = False
    return dup


def isin(values, allowed) -> np.ndarray:
    value_set = allowed if isinstance(allowed, pa.Array) else pa.array(list(allowed), type=pa.string())
    return np.asarray(pc.fill_null(pc.is_in(as_arrow(values), value_set=value_set), False).to_numpy(zero_copy_only=False), dtype=bool)


def to_str(values) -> np.ndarray:
    """Arrow (or any) strings → NumPy StringDType."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        values = as_arrow(values).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=STR)
