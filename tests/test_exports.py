"""Hexagon statistics exports, opened with the tools a user would use (pandas, openpyxl, geopandas):
content, encoding, the column sheet, and the disclosure control carried into every format; the
`taxmap export` command and its audit row."""

from __future__ import annotations

import io
import os
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from dispatch import audit
from dispatch.store import open_store
from taxmap import exports
from taxmap.data import REGION, analysis
from taxmap.warehouse import Warehouse

K = 3


@pytest.fixture(scope="module")
def table(small_region):
    wh = Warehouse(small_region[1])
    yield analysis.hex_table(wh, REGION, 8, k=K)
    wh.close()


def test_the_table_withholds_small_cells(table):
    assert table.rows and any(r["suppressed"] == "primary" for r in table.rows)
    for r in table.rows:
        if r["suppressed"]:
            assert r["tax_paid_12m"] is None and r["risk_mean"] is None and r["n_high_risk"] is None
        if 0 < r["n_taxpayers"] < K:
            assert r["suppressed"] == "primary"


def test_csv_opens_in_excel_encoding(table):
    raw = exports.to_bytes(table, "csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8 Chinese
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype={"六边形编号(h3)": str})
    assert list(frame.columns)[:2] == ["六边形编号(h3)", "分辨率(res)"]
    assert len(frame) == len(table.rows)
    assert frame["登记纳税人数(n_taxpayers)"].sum() == sum(r["n_taxpayers"] for r in table.rows)
    withheld = frame[frame["抑制(suppressed)"].notna()]
    assert len(withheld) and withheld["近12个月实缴税款(tax_paid_12m)"].isna().all()


def test_xlsx_has_the_data_and_a_sheet_describing_it(table):
    book = load_workbook(io.BytesIO(exports.to_bytes(table, "xlsx")))
    assert book.sheetnames == ["数据", "说明"]
    data = book["数据"]
    assert data.max_row == len(table.rows) + 1 and data["A1"].value == "六边形编号(h3)"
    about = {row[0]: row[1:] for row in book["说明"].iter_rows(values_only=True) if row and row[0]}
    assert about["tax_paid_12m"][0] == "近12个月实缴税款"
    assert "小区域抑制" in about["披露控制"][0] and str(K) in about["披露控制"][0]
    assert about["数据时间"][0].startswith(f"{table.data_time:%Y-%m-%d}")


@pytest.mark.parametrize("fmt", ["geojson", "geoparquet", "shp"])
def test_geographic_formats_open_in_geopandas(table, fmt, tmp_path):
    path = tmp_path / f"x{exports.FORMATS[fmt][0]}"
    path.write_bytes(exports.to_bytes(table, fmt))
    frame = gpd.read_parquet(path) if fmt == "geoparquet" else gpd.read_file(path)
    assert len(frame) == len(table.rows) and frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) == {"Polygon"}
    counts = "n_taxpayer" if fmt == "shp" else "n_taxpayers"
    assert frame[counts].sum() == sum(r["n_taxpayers"] for r in table.rows)
    tax = "tax_12m" if fmt == "shp" else "tax_paid_12m"
    assert frame.loc[frame["suppressed"].notna() & (frame["suppressed"] != ""), tax].isna().all()
    if fmt == "shp":
        names = zipfile.ZipFile(path).namelist()
        assert {"taxmap_hex.shp", "taxmap_hex.dbf", "taxmap_hex.shx", "taxmap_hex.prj", "taxmap_hex.cpg"} <= set(names)
        assert zipfile.ZipFile(path).read("taxmap_hex.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        assert "小区域抑制" in zipfile.ZipFile(path).read("README.txt").decode("utf-8")


def test_the_export_command_writes_and_audits(small_region, tmp_path, monkeypatch):
    from auth_helpers import ensure_user
    from taxmap.cli import main
    from taxmap.settings import get_settings

    monkeypatch.setenv("TAXMAP_WAREHOUSE_DIR", str(small_region[1].parent))
    get_settings.cache_clear()
    try:
        user = ensure_user("export.analyst", "analyst")
        assert main(["export", "--as", user, "--res", "9", "--format", "xlsx", "--out", str(tmp_path)]) == 0
        written = list(tmp_path.glob("taxmap_hex_r9_*.xlsx"))
        assert len(written) == 1 and load_workbook(written[0]).sheetnames == ["数据", "说明"]
        assert main(["export", "--as", ensure_user("export.officer", "officer", grids=["x"]), "--out",
                     str(tmp_path)]) == 2
        store = open_store(os.environ["TAXMAP_DATABASE_URL"])
        row = audit.search(store, actor=user, action="export.hex")[0]
        store.dispose()
        assert "res=9" in row["detail"] and "format=xlsx" in row["detail"] and row["target"].endswith(".xlsx")
    finally:
        get_settings.cache_clear()
