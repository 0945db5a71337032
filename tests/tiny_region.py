"""A tiny, hand-checkable input folder in the data contract's format.

Two square streets side by side, two grids each, a handful of taxpayers,
units, declarations and officers. Tests copy it and break one thing at a
time (tests/test_bad_inputs.py) or assert exact results on it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from etl.coords import wgs84_to_gcj02
from etl.uscc import check_char

STREETS = [
    ("440306001", "新安街道", (113.85, 22.55, 113.87, 22.57)),
    ("440306002", "西乡街道", (113.87, 22.55, 113.89, 22.57)),
]


def uscc(serial: int) -> str:
    body = f"91440306MA5{serial:06d}"
    return body + check_char(body)


def _square(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def streets_geojson() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"street_code": code, "street_name": name, "district_code": "440306",
                               "district_name": "宝安区"},
                "geometry": _square(*box),
            }
            for code, name, box in STREETS
        ],
    }


def grids_geojson() -> dict:
    features = []
    for code, name, (x0, y0, x1, y1) in STREETS:
        ym = (y0 + y1) / 2
        for i, (a, b) in enumerate(((y0, ym), (ym, y1)), start=1):
            features.append({
                "type": "Feature",
                "properties": {"grid_code": f"{code}{i:04d}", "grid_name": f"{name}第{i:04d}网格",
                               "street_code": code},
                "geometry": _square(x0, a, x1, b),
            })
    return {"type": "FeatureCollection", "features": features}


TAXPAYER_HEADER = ["taxpayer_id", "name", "legal_rep", "legal_rep_id", "phone", "reg_address", "industry_code",
                   "industry_name", "taxpayer_type", "entity_type", "reg_date", "status", "credit_rating",
                   "street_code", "lng", "lat", "coord_sys"]
# (serial, name, status, lng, lat) — all WGS84
TAXPAYERS = [
    (1, "深圳市鑫华达电子科技有限公司", "正常", 113.855, 22.555),
    (2, "深圳市宝源贸易有限公司", "正常", 113.865, 22.565),
    (3, "深圳市海航物流有限公司", "注销", 113.875, 22.555),
    (4, "宝安区西乡好味道餐饮店", "正常", 113.885, 22.565),
    (5, "深圳市空壳商贸有限公司", "正常", 113.882, 22.552),
]
UNIT_HEADER = ["record_id", "grid_code", "unit_name", "uscc", "address", "building_id", "lng", "lat", "coord_sys",
               "operating_status", "business_category", "collected_at", "collector_id"]
# (record_id, grid_code, unit_name, uscc serial or None, lng, lat WGS84, status)
UNITS = [
    ("R001", "4403060010001", "鑫华达电子", 1, 113.8551, 22.5551, "在营"),
    ("R002", "4403060010002", "宝源贸易", None, 113.8649, 22.5649, "在营"),
    ("R003", "4403060020001", "海航物流", 3, 113.8751, 22.5551, "在营"),
    ("R004", "4403060020002", "好味道餐饮", 4, 113.8849, 22.5651, "停业"),
    ("R005", "4403060020002", "无照小卖部", None, 113.8860, 22.5660, "在营"),
]


def write_tiny_region(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "streets.geojson").write_text(json.dumps(streets_geojson(), ensure_ascii=False), encoding="utf-8")
    (folder / "grids.geojson").write_text(json.dumps(grids_geojson(), ensure_ascii=False), encoding="utf-8")
    with (folder / "taxpayers.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TAXPAYER_HEADER)
        for serial, name, status, lng, lat in TAXPAYERS:
            w.writerow([uscc(serial), name, "张三", "440306199001011234", "13800138000", f"宝安区测试路{serial}号",
                        "5211", "百货零售", "小规模纳税人", "企业", "2020-01-01", status, "B", "", lng, lat, "WGS84"])
    with (folder / "grid_units.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(UNIT_HEADER)
        for rid, grid, name, serial, lng, lat, status in UNITS:
            glng, glat = wgs84_to_gcj02(lng, lat)
            w.writerow([rid, grid, name, uscc(serial) if serial else "", f"测试路{rid}号", "", f"{float(glng):.7f}",
                        f"{float(glat):.7f}", "GCJ02", status, "零售", "2026-03-01 10:00:00", "W001"])
    with (folder / "declarations.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["taxpayer_id", "period", "tax_type", "sales_amount", "tax_payable", "tax_paid",
                    "invoice_out_amount", "invoice_in_amount"])
        for serial in (1, 2, 4):
            for month in range(1, 13):
                w.writerow([uscc(serial), f"2025-{month:02d}", "增值税", 10000, 300, 100 * serial, 10000, 8000])
    with (folder / "officers.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["officer_id", "name", "role", "street_code", "grid_codes", "phone"])
        w.writerow(["W001", "李四", "网格员", "440306001", "4403060010001;4403060010002", "13900139000"])
        w.writerow(["T001", "王五", "税收管理员", "440306002", "4403060020001;4403060020002", "13700137000"])
    (folder / "manifest.toml").write_text(
        'region_name = "测试区"\nsurvey_start = 2026-01-01\nsurvey_end = 2026-10-31\ndefault_coord_sys = "GCJ02"\n',
        encoding="utf-8",
    )
    return folder
