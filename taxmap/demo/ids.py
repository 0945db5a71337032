"""Identifiers, vectorised: credit codes (GB 32100 with GB 11714 organisation
codes), resident identity numbers (GB 11643) and mobile phone numbers."""

from __future__ import annotations

import numpy as np

from etl import uscc
from taxmap.demo.formats import duplicated

STR = np.dtypes.StringDType()
_ALPHABET_CP = np.array([ord(c) for c in uscc.ALPHABET], dtype=np.uint32)
_VALUE_OF_CP = np.full(128, -1, dtype=np.int64)
_VALUE_OF_CP[_ALPHABET_CP] = np.arange(len(_ALPHABET_CP))
_USCC_WEIGHTS = np.array(uscc.WEIGHTS, dtype=np.int64)
_ORG_WEIGHTS = np.array((3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_X = uscc.ALPHABET.index("X")

# Mis-readings of a licence code by a grid worker: within the USCC alphabet,
# and into letters it excludes (O, I, S, Z, V), which no valid code contains.
MISREAD_VALID = {"8": "B", "B": "8", "0": "D", "D": "0", "1": "7", "7": "1", "6": "G", "G": "6", "U": "W", "W": "U", "M": "N", "N": "M", "5": "6", "3": "8"}
MISREAD_INVALID = {"0": "O", "1": "I", "5": "S", "2": "Z", "U": "V"}

DIVISIONS_OF_BIRTH = np.array(
    ["440306", "440307", "440304", "445281", "445222", "441481", "441423", "440582", "430524", "431021", "421127", "360731", "511321", "452122", "410526", "350583"],
    dtype=STR,
)
PHONE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 198, 199]
)


def codepoints_to_str(cp: np.ndarray) -> np.ndarray:
    """(n, L) array of code points → n strings."""
    cp = np.ascontiguousarray(cp, dtype=np.uint32)
    return cp.view(f"<U{cp.shape[1]}").ravel().astype(STR)


def str_to_codepoints(values: np.ndarray, length: int) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values).astype(f"<U{length}")).view(np.uint32).reshape(-1, length)


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings."""
    return np.strings.zfill(np.asarray(values).astype(STR), width)


def uscc_values(authority: np.ndarray, entity_type: np.ndarray, division: np.ndarray, modern: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 18) alphabet values of valid credit codes.

    ``modern`` codes (issued since 2015) carry an organisation code "MA5" +
    5 characters; older ones an 8-digit organisation number.
    """
    n = len(authority)
    v = np.zeros((n, 18), dtype=np.int64)
    v[:, 0] = authority
    v[:, 1] = entity_type
    v[:, 2:8] = str_to_codepoints(division, 6).astype(np.int64) - ord("0")
    body = rng.integers(0, 10, size=(n, 8))
    modern_body = np.column_stack(
        [
            np.full(n, _VALUE_OF_CP[ord("M")]),
            np.full(n, _VALUE_OF_CP[ord("A")]),
            np.full(n, 5),
            rng.integers(0, len(_ALPHABET_CP), size=(n, 5)),
        ]
    )
    body = np.where(modern[:, None], modern_body, body)
    v[:, 8:16] = body
    org = 11 - (body * _ORG_WEIGHTS).sum(axis=1) % 11
    v[:, 16] = np.where(org == 10, _X, np.where(org == 11, 0, org))
    v[:, 17] = (31 - (v[:, :17] * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    return v


def values_to_str(v: np.ndarray) -> np.ndarray:
    return codepoints_to_str(_ALPHABET_CP[v])


def unique_usccs(authority, entity_type, division, modern, rng: np.random.Generator) -> np.ndarray:
    """Valid, pairwise distinct credit codes (redraws the rare collisions)."""
    codes = values_to_str(uscc_values(authority, entity_type, division, modern, rng))
    while True:
        dup = duplicated(codes)
        if not dup.any():
            return codes
        idx = np.flatnonzero(dup)
        codes[idx] = values_to_str(uscc_values(authority[idx], entity_type[idx], division[idx], modern[idx], rng))


def old_tax_numbers(division: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """15-character tax registration numbers of the pre-2015 kind:
    division (6) + organisation code (8 digits + its check character)."""
    n = len(division)
    body = rng.integers(0, 10, size=(n, 8))
    org = 11 - (body * _ORG_WEIGHTS).sum(axis=1) % 11
    check = np.where(org == 10, ord("X"), np.where(org == 11, ord("0"), org + ord("0")))
    cp = np.column_stack([str_to_codepoints(division, 6), body + ord("0"), check])
    return codepoints_to_str(cp)


def wrong_check_digit(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same codes with a different (wrong) 18th character."""
    cp = str_to_codepoints(codes, 18).copy()
    right = _VALUE_OF_CP[cp[:, 17]]
    cp[:, 17] = _ALPHABET_CP[(right + rng.integers(1, len(_ALPHABET_CP), len(codes))) % len(_ALPHABET_CP)]
    return codepoints_to_str(cp)


def misread(codes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One transcription error per code: a mis-read character (half of them
    into a letter outside the USCC alphabet) or two neighbours swapped.
    Returns the codes and the kind of error ("valid_char", "invalid_char", "swap")."""
    n = len(codes)
    cp = str_to_codepoints(codes, 18).copy()
    kind = rng.choice(np.array(["valid_char", "invalid_char", "swap"], dtype=STR), size=n, p=[0.4, 0.35, 0.25])
    rows = np.arange(n)
    for name, table in (("valid_char", MISREAD_VALID), ("invalid_char", MISREAD_INVALID)):
        src = np.array([ord(c) for c in table], dtype=np.uint32)
        dst = np.array([ord(c) for c in table.values()], dtype=np.uint32)
        candidates = np.isin(cp[:, 2:], src)  # keep "91"/"92" intact
        score = np.where(candidates, rng.random(candidates.shape), -1.0)
        pos = score.argmax(axis=1) + 2
        has = candidates.any(axis=1) & (kind == name)
        lookup = np.zeros(128, dtype=np.uint32)
        lookup[src] = dst
        cp[rows[has], pos[has]] = lookup[cp[rows[has], pos[has]]]
        kind[(kind == name) & ~has] = "swap"
    swap = kind == "swap"
    differs = cp[:, 2:17] != cp[:, 3:18]
    score = np.where(differs, rng.random(differs.shape), -1.0)
    pos = score.argmax(axis=1) + 2
    r = rows[swap]
    a, b = cp[r, pos[swap]].copy(), cp[r, pos[swap] + 1].copy()
    cp[r, pos[swap]], cp[r, pos[swap] + 1] = b, a
    return codepoints_to_str(cp), kind


def resident_ids(rng: np.random.Generator, n: int, reg_day: np.ndarray | None = None) -> np.ndarray:
    """18-character resident identity numbers with a correct GB 11643 check
    character; holders are 20–55 years old on ``reg_day`` (default: today's
    adults, born 1961–2004)."""
    division = DIVISIONS_OF_BIRTH[rng.integers(0, len(DIVISIONS_OF_BIRTH), n)]
    if reg_day is None:
        start = np.datetime64("1961-01-01")
        birth_day = start + rng.integers(0, (np.datetime64("2004-12-31") - start).astype(np.int64), n).astype("timedelta64[D]")
    else:
        age_days = rng.integers(20 * 365, 55 * 365, n).astype("timedelta64[D]")
        birth_day = np.clip(reg_day.astype("datetime64[D]") - age_days, np.datetime64("1941-01-01"), np.datetime64("2005-12-31"))
    birth = np.strings.replace(np.datetime_as_string(birth_day, unit="D").astype(STR), "-", "")
    seq = digits(rng.integers(0, 1000, n), 3)
    first17 = np.strings.add(np.strings.add(division, birth), seq)
    d = str_to_codepoints(first17, 17).astype(np.int64) - ord("0")
    check = (12 - (d * _ID_WEIGHTS).sum(axis=1) % 11) % 11
    check_char = np.where(check == 10, "X", check.astype(str)).astype(STR)
    return np.strings.add(first17, check_char)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), n)].astype(STR)
    return np.strings.add(prefix, digits(rng.integers(0, 100_000_000, n), 8))
