"""Hexagon statistics as files a bureau opens with its own tools: CSV (UTF-8 with BOM, so Excel reads
the Chinese), XLSX (the data and a sheet describing each column, the data time and the disclosure
rule), GeoJSON, GeoParquet and a zipped Shapefile (with its .cpg naming the encoding)."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook
from openpyxl.styles import Font
from shapely.geometry import Polygon

from taxmap.data.analysis import COLUMNS, HexTable
from taxmap.data.hexes import cell_polygon

FORMATS = {  # format: (file suffix, media type)
    "csv": (".csv", "text/csv; charset=utf-8"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "geojson": (".geojson", "application/geo+json"),
    "geoparquet": (".parquet", "application/vnd.apache.parquet"),
    "shp": (".zip", "application/zip"),
}
# Shapefile (dBASE) field names have at most 10 characters
SHP_NAMES = {"n_taxpayers": "n_taxpayer", "linked_share": "link_share", "tax_paid_12m": "tax_12m",
             "tax_paid_period": "tax_period",
             "n_high_risk": "n_highrisk", "n_unregistered": "n_unreg", "n_not_found": "n_notfound",
             "n_address_mismatch": "n_addr_mis", "n_status_conflict": "n_status", "suppressed": "suppressed",
             "n_taxpayers_from": "n_tp_from", "n_taxpayers_to": "n_tp_to", "n_moved_in": "n_move_in",
             "n_moved_out": "n_move_out", "tax_paid_from": "tax_from", "tax_paid_to": "tax_to",
             "risk_mean_from": "risk_from", "risk_mean_to": "risk_to", "risk_change": "risk_chg",
             "n_high_risk_from": "n_hr_from", "n_high_risk_to": "n_hr_to"}


def filename(table: HexTable, fmt: str) -> str:
    period = f"_{table.period[0]}_{table.period[1]}" if table.period else ""
    if table.is_change:
        return f"taxmap_hex_change_r{table.res}_{table.base_run}_to_{table.run_id}{FORMATS[fmt][0]}"
    return f"taxmap_hex_r{table.res}_{table.run_id or 'run'}{period}{FORMATS[fmt][0]}"


def to_bytes(table: HexTable, fmt: str, lang: str = "zh") -> bytes:
    """The export in ``fmt`` (one of FORMATS)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return {"csv": _csv, "xlsx": _xlsx, "geojson": _geojson, "geoparquet": _geoparquet, "shp": _shapefile}[fmt](
        table, lang)


def _header(column: str, lang: str) -> str:
    return column if lang == "en" else f"{COLUMNS[column][0]}({column})"


def _csv(table: HexTable, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_header(c, lang) for c in table.columns])
    for r in table.rows:
        writer.writerow(["" if r[c] is None else r[c] for c in table.columns])
    return out.getvalue().encode("utf-8-sig")


def _xlsx(table: HexTable, lang: str) -> bytes:
    book = Workbook()
    data = book.active
    data.title = "数据" if lang == "zh" else "data"
    data.append([_header(c, lang) for c in table.columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for r in table.rows:
        data.append([r[c] for c in table.columns])
    data.freeze_panes = "A2"
    about = book.create_sheet("说明" if lang == "zh" else "about")
    about.append(["字段" if lang == "zh" else "column", "中文名", "English", "说明"])
    for cell in about[1]:
        cell.font = Font(bold=True)
    for c in table.columns:
        about.append([c, *COLUMNS[c]])
    about.append([])
    about.append(["数据时间" if lang == "zh" else "data time", f"{table.data_time:%Y-%m-%d %H:%M:%S} UTC"
                  if table.data_time else ""])
    about.append(["ETL 批次" if lang == "zh" else "ETL run", table.run_id or ""])
    if table.is_change:
        about.append(["基准批次" if lang == "zh" else "base run", table.base_run])
    about.append(["分辨率" if lang == "zh" else "resolution", table.res])
    about.append(["对比" if table.is_change and lang == "zh" else "comparison" if table.is_change
                  else "税款期间" if lang == "zh" else "tax period", table.period_text(lang)])
    about.append(["筛选" if lang == "zh" else "filters", table.filters_text(lang)])
    about.append(["披露控制" if lang == "zh" else "disclosure control", table.rule(lang)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _frame(table: HexTable) -> gpd.GeoDataFrame:
    geometry = [Polygon(cell_polygon(r["h3"])) for r in table.rows]
    return gpd.GeoDataFrame([{c: r[c] for c in table.columns} for r in table.rows], geometry=geometry,
                            crs="EPSG:4326", columns=table.columns)


def _geojson(table: HexTable, lang: str) -> bytes:
    return _frame(table).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def _geoparquet(table: HexTable, lang: str) -> bytes:
    out = io.BytesIO()
    _frame(table).to_parquet(out, index=False)
    return out.getvalue()


def _shapefile(table: HexTable, lang: str) -> bytes:
    frame = _frame(table).rename(columns=SHP_NAMES)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "taxmap_hex.shp"
        frame.to_file(path, driver="ESRI Shapefile", encoding="UTF-8")
        cpg = path.with_suffix(".cpg")
        if not cpg.is_file():
            cpg.write_text("UTF-8", encoding="ascii")
        (Path(folder) / "README.txt").write_text(
            "\n".join([table.period_text("zh"), "筛选：" + table.filters_text("zh"), table.rule("zh"),
                       table.period_text("en"), "Filters: " + table.filters_text("en"), table.rule("en")]) + "\n",
            encoding="utf-8")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)
    return out.getvalue()
