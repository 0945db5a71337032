"""Files in the bureau's formats, byte-for-byte reproducible: CSV (GB18030
with CRLF, or UTF-8 with BOM), GeoJSON, Parquet, an XLSX export with a
merged title row, and the manifest."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely
from openpyxl.styles import Alignment, Font

from taxmap.demo import config

BOM = b"\xef\xbb\xbf"
NEEDS_QUOTES = '[,"\r\n]'
XLSX_TIME = (2026, 11, 2, 9, 30, 0)


def _quoted(col: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(col, NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return col
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, col)


def _array(values) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def csv_lines(columns: list, newline: str, blank_before: dict[int, str]) -> memoryview:
    """The CSV data lines as one UTF-8 buffer. ``blank_before`` maps a 0-based
    data row to a line to put before it ("" for an empty line, ",,," for
    bare separators)."""
    cols = [_quoted(_array(c)) for c in columns]
    lines = pc.binary_join_element_wise(*cols, ",")
    if blank_before:
        mask = np.zeros(len(lines), dtype=bool)
        extra = np.full(len(lines), "", dtype=object)
        for row, line in blank_before.items():
            mask[row] = True
            extra[row] = line + newline
        lines = pc.if_else(pa.array(mask), pc.binary_join_element_wise(pa.array(extra, type=pa.string()), lines, ""), lines)
    lines = _array(pc.binary_join_element_wise(lines, pa.scalar(newline), "")).cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[start:end]


def blank_lines(n_rows: int, rng: np.random.Generator) -> dict[int, str | None]:
    """A handful of lines that are not data rows: empty, and one of bare separators (None)."""
    rows = np.sort(rng.choice(np.arange(1, max(n_rows, 2)), size=min(config.BLANK_LINES, max(n_rows - 1, 1)), replace=False))
    return {int(r): ("" if i < len(rows) - 1 else None) for i, r in enumerate(rows)}


def write_csv(path: Path, headers: list[str], columns: list, *, encoding: str, bom: bool, newline: str, blanks: dict[int, str | None]) -> None:
    """Write in slices of whole lines, so a city-sized file is never
    re-encoded in one piece."""
    separators = "," * (len(headers) - 1)
    body = csv_lines(columns, newline, {row: (separators if line is None else line) for row, line in blanks.items()})
    with path.open("wb") as out:
        if bom:
            out.write(BOM)
        out.write((",".join(headers) + newline).encode(encoding))
        if encoding == "utf-8":
            out.write(body)
            return
        start, step, size = 0, 1 << 25, len(body)
        while start < size:
            stop = min(start + step, size)
            if stop < size:
                stop = bytes(body[stop : min(stop + 4096, size)]).index(b"\n") + stop + 1
            out.write(str(body[start:stop], "utf-8").encode(encoding))
            start = stop


def write_geojson(path: Path, properties: list[dict], geometries) -> None:
    shapes = shapely.to_geojson(np.asarray(geometries, dtype=object))
    features = [
        '{"type":"Feature","properties":' + json.dumps(p, ensure_ascii=False) + ',"geometry":' + g + "}"
        for p, g in zip(properties, shapes.tolist(), strict=True)
    ]
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n", encoding="utf-8")


def write_parquet(path: Path, table: pa.Table) -> None:
    pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)


def write_officers_xlsx(path: Path, title: str, headers: list[str], rows: list[list[str]]) -> None:
    """A bureau-style export: a merged title row, then the header, then data.
    Document properties and zip entry times are fixed, so the bytes depend
    only on the content."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人员名册"
    ws.append([title] + [None] * (len(headers) - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for letter, width in zip("ABCDEF", (16, 10, 12, 12, 60, 14), strict=False):
        ws.column_dimensions[letter].width = width
    stamp = dt.datetime(*XLSX_TIME)
    wb.properties.creator = config.GENERATED_BY
    wb.properties.lastModifiedBy = config.GENERATED_BY
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, _fixed_core(info.filename, src.read(info.filename)))
    return out.getvalue()


def _fixed_core(name: str, content: bytes) -> bytes:
    if name != "docProps/core.xml":
        return content
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*XLSX_TIME)
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", lambda m: m.group(1) + stamp.encode() + m.group(2), content)


def write_manifest(path: Path, scale: config.Scale, seed: int) -> None:
    path.write_text(
        "\n".join(
            [
                f"# Demo region generated by {config.GENERATED_BY}: synthetic data, not a real bureau's.",
                f'region_name = "{scale.region_name}"',
                f"survey_start = {config.SURVEY_START.isoformat()}",
                f"survey_end = {config.SURVEY_END.isoformat()}",
                f'default_coord_sys = "{config.DEFAULT_COORD_SYS}"',
                f"address_mismatch_m = {config.ADDRESS_MISMATCH_M}",
                f'scale = "{scale.name}"',
                f"seed = {seed}",
                f'generated_by = "{config.GENERATED_BY}"',
                "",
            ]
        ),
        encoding="utf-8",
    )
