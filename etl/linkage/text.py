"""Chinese text folding for record linkage.

Names on shop signs differ from registered names by traditional characters
(電子 for 电子), look-alike and homophone characters (锋 for 峰, 新 for 鑫) and
abbreviations. Two character maps, built from maintained libraries rather
than hand-written tables:

- ``t2s``: traditional → simplified, one character to one (OpenCC ``t2s``);
- ``fold``: every simplified character → one representative character of
  its toneless pinyin syllable (pypinyin), so homophones and most look-alikes
  compare equal while the string keeps one character per character.

Both are ``str.translate`` tables applied to whole Arrow columns.
"""

from __future__ import annotations

import functools
import re

import pyarrow as pa
import pyarrow.compute as pc

CJK_FIRST, CJK_LAST = 0x4E00, 0x9FA5


@functools.lru_cache(maxsize=1)
def t2s_table() -> dict[int, int]:
    import opencc

    chars = "".join(chr(c) for c in range(CJK_FIRST, CJK_LAST + 1))
    simplified = opencc.OpenCC("t2s").convert(chars)
    if len(simplified) != len(chars):  # one-to-one for single characters; refuse silently wrong maps
        raise RuntimeError("OpenCC t2s did not map characters one to one")
    return {ord(a): ord(b) for a, b in zip(chars, simplified, strict=True) if a != b}


@functools.lru_cache(maxsize=1)
def fold_table() -> dict[int, int]:
    from pypinyin import Style, lazy_pinyin

    chars = [chr(c) for c in range(CJK_FIRST, CJK_LAST + 1)]
    simplified = [c.translate(t2s_table()) for c in chars]
    syllables = lazy_pinyin(simplified, style=Style.NORMAL, errors=lambda x: [x])
    representative: dict[str, str] = {}
    for char, syllable in zip(simplified, syllables, strict=True):
        # the lowest code point of a syllable represents it: deterministic across runs
        if syllable not in representative or char < representative[syllable]:
            representative[syllable] = char
    table = {}
    for original, char, syllable in zip(chars, simplified, syllables, strict=True):
        target = representative.get(syllable, char)
        if target != original:
            table[ord(original)] = ord(target)
    return table


def translate(values: pa.Array | pa.ChunkedArray, table: dict[int, int]) -> pa.Array:
    """``str.translate`` over a string column (NULLs stay NULL)."""
    return pa.array([None if v is None else v.translate(table) for v in values.to_pylist()], pa.string())


@functools.lru_cache(maxsize=4)
def _character_class(keys: frozenset[int]) -> str:
    return "[" + "".join(re.escape(chr(k)) for k in sorted(keys)) + "]"


def translate_sparse(values: pa.Array | pa.ChunkedArray, table: dict[int, int]) -> pa.Array:
    """``translate`` for a table that touches few strings (t2s on mostly simplified text): a regular
    expression finds the strings holding a mapped character, and only those go through Python."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    hit = pc.fill_null(pc.match_substring_regex(values, _character_class(frozenset(table))), False)
    changed = translate(values.filter(hit), table)
    if len(changed) == 0:
        return values.cast(pa.string())
    return pc.replace_with_mask(values.cast(pa.string()), hit, changed)


def simplified(text: str) -> str:
    return text.translate(t2s_table())


def folded(text: str) -> str:
    return text.translate(t2s_table()).translate(fold_table())
