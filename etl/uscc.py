"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

18 characters from a 31-symbol alphabet (digits and upper-case letters
without I, O, Z, S, V): registration authority (1), entity type (1),
administrative division (6), organisation code (9, GB 11714 with its own
check character), check character (1). The check character makes
``sum(value(c_i) * 3**i mod 31) + value(check) ≡ 0 (mod 31)``.
"""

from __future__ import annotations

import numpy as np

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    """The 18th character for a 17-character prefix."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """The 9th character of a GB 11714 organisation code."""
    total = sum(_VALUE[c] * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def is_valid(code: str | None) -> bool:
    """True when ``code`` is 18 characters of the alphabet with a correct check character."""
    if code is None or len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    return check_char(code[:17]) == code[17]


def _lookup_table() -> np.ndarray:
    table = np.full(256, -1, dtype=np.int64)
    for c, v in _VALUE.items():
        table[ord(c)] = v
    return table


_LOOKUP = _lookup_table()


def validate_array(codes) -> np.ndarray:
    """Vectorised :func:`is_valid` over an array-like of strings (None allowed)."""
    codes = np.asarray(codes, dtype=object)
    out = np.zeros(codes.shape, dtype=bool)
    lengths = np.fromiter((len(c) if isinstance(c, str) else -1 for c in codes), dtype=np.int64, count=len(codes))
    candidates = np.flatnonzero(lengths == 18)
    if candidates.size == 0:
        return out
    raw = np.array([codes[i] for i in candidates], dtype="U18")
    as_bytes = np.char.encode(raw, "utf-8", "replace")
    ascii_ok = np.char.str_len(as_bytes) == 18
    buf = np.frombuffer(np.where(ascii_ok, as_bytes, b"?" * 18).astype("S18").tobytes(), dtype=np.uint8)
    values = _LOOKUP[buf.reshape(-1, 18)]
    chars_ok = (values >= 0).all(axis=1) & ascii_ok
    total = (values[:, :17] * np.array(WEIGHTS)).sum(axis=1)
    out[candidates] = chars_ok & ((31 - total % 31) % 31 == values[:, 17])
    return out
