"""The bad-input corpus: the tiny region (tests/tiny_region.py) with ONE thing broken per case.

Every case says exactly what the ETL must do with it (docs/etl-rules.md):

* ``Fails``: the input cannot be used at all. ``taxmap etl`` exits 2 with one line
  on stderr, ``taxmap etl: <message>``; the message names the file (and the
  column or property at fault) and is matched in full (``…`` stands for any
  text, ``{input}`` for the input folder).
* ``Works``: the run succeeds and accounts for every row. ``rejects`` and
  ``quality_issues`` hold exactly the listed rows (the tiny region itself has
  none), ``read`` overrides the tiny region's row counts per source, and the
  staged tables hold the listed values (``Staged``: a query and its exact rows;
  ``Near``: a WGS84 position within some metres).

tests/test_bad_inputs.py runs them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

import tiny_region as tiny
from etl.coords import wgs84_to_bd09, wgs84_to_gcj02
from etl.schema import SOURCES
from tiny_region import uscc

# Data rows per source in the unbroken tiny region.
TINY_ROWS = {"streets": 2, "grids": 4, "taxpayers": 5, "grid_units": 5, "declarations": 36, "officers": 2,
             "task_results": 0}  # the tiny region has no task_results file
CHINESE = {name: {c.name: c.alias for c in source.columns} for name, source in SOURCES.items()}

Breaker = Callable[[Path], None]


# --- expected outcomes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fails:
    """Exit 2, one stderr line ``taxmap etl: <message>`` naming ``file`` (and ``column``)."""

    file: str
    message: str
    column: str | None = None


@dataclass(frozen=True)
class Staged:
    """``sql`` run on the new warehouse returns exactly ``rows`` (in order)."""

    sql: str
    rows: list[tuple]
    spatial: bool = False  # the query needs DuckDB's spatial extension (st_isvalid, st_area, ...)


@dataclass(frozen=True)
class Near:
    """``sql`` returns one row (lng, lat): within ``metres`` of the WGS84 point (lng, lat)."""

    sql: str
    lng: float
    lat: float
    metres: float = 1.0


@dataclass(frozen=True)
class Works:
    rejects: frozenset = frozenset()  # (source, row_number, record_key, reason)
    issues: frozenset = frozenset()  # (source, row_number, record_key, issue)
    read: dict = field(default_factory=dict)  # rows read per source, where not TINY_ROWS
    encodings: dict = field(default_factory=dict)  # etl_run_sources.encoding per source
    files: dict = field(default_factory=dict)  # etl_run_sources.file per source (None: absent)
    staged: tuple = ()  # Staged / Near checks
    # the run summary's "WARNING: …" and "note: …" lines, exactly (… stands for any text): none by default
    summary: tuple = ()

    def rows_read(self) -> dict[str, int]:
        return {**TINY_ROWS, **self.read}


@dataclass(frozen=True)
class Case:
    id: str
    breaks: Breaker
    expect: Fails | Works
    subprocess: bool = False  # run through the CLI in a child process rather than in-process

    def __repr__(self) -> str:  # pytest ids
        return self.id


def rejects(*rows: tuple) -> frozenset:
    return frozenset(rows)


issues = rejects


# --- building blocks -----------------------------------------------------------------------------------------


def read_csv(folder: Path, name: str) -> tuple[list[str], list[list[str]]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def csv_text(header: list[str], rows: list[list], delimiter: str = ",") -> str:
    buf = _Buffer()
    w = csv.writer(buf, lineterminator="\r\n", delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    return buf.text


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s


def write_csv(folder: Path, name: str, header: list[str], rows: list[list], encoding: str = "utf-8",
              delimiter: str = ",") -> None:
    (folder / name).write_bytes(csv_text(header, rows, delimiter).encode(encoding))


def edit_csv(name: str, edit: Callable[[list[str], list[list[str]]], None]) -> Breaker:
    """Change the rows of a CSV in place (``edit(header, rows)``) and write it back as UTF-8."""

    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, name)
        edit(header, rows)
        write_csv(folder, name, header, rows)

    return breaker


def set_cells(name: str, row: int, /, **values) -> Breaker:
    """Set cells of data row ``row`` (from 1) by column name."""

    def edit(header, rows):
        for column, value in values.items():
            rows[row - 1][header.index(column)] = value

    return edit_csv(name, edit)


def append_copy(name: str, row: int, /, **values) -> Breaker:
    """Append a copy of data row ``row`` with some cells changed."""

    def edit(header, rows):
        new = list(rows[row - 1])
        for column, value in values.items():
            new[header.index(column)] = value
        rows.append(new)

    return edit_csv(name, edit)


def edit_lines(name: str, edit: Callable[[list[str]], list[str]]) -> Breaker:
    """Edit a UTF-8 CSV as text lines (header included), for what csv.writer cannot write."""

    def breaker(folder: Path) -> None:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        (folder / name).write_text("\r\n".join(edit(lines)) + "\r\n", encoding="utf-8")

    return breaker


def edit_geojson(name: str, edit: Callable[[dict], None]) -> Breaker:
    def breaker(folder: Path) -> None:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        edit(data)
        (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return breaker


def add_street(geometry: dict | None) -> Breaker:
    """A third street, 440306003, with the given geometry (away from the other two)."""

    def edit(data):
        data["features"].append({
            "type": "Feature",
            "properties": {"street_code": "440306003", "street_name": "航城街道", "district_code": "440306",
                           "district_name": "宝安区"},
            "geometry": geometry,
        })

    return edit_geojson("streets.geojson", edit)


def remove(name: str) -> Breaker:
    def breaker(folder: Path) -> None:
        (folder / name).unlink()

    return breaker


def write_bytes(name: str, data: bytes, replaces: str | None = None) -> Breaker:
    def breaker(folder: Path) -> None:
        if replaces:
            (folder / replaces).unlink()
        (folder / name).write_bytes(data)

    return breaker


def write_manifest(text: str) -> Breaker:
    return write_bytes("manifest.toml", text.encode("utf-8"))


def chain(*breakers: Breaker) -> Breaker:
    def breaker(folder: Path) -> None:
        for b in breakers:
            b(folder)

    return breaker


def gcj(lng: float, lat: float) -> list[str]:
    glng, glat = wgs84_to_gcj02(lng, lat)
    return [f"{float(glng):.7f}", f"{float(glat):.7f}"]


def unit_at(row: int, lng: float, lat: float, /, **values) -> Breaker:
    """Move grid unit ``row`` to a WGS84 position, written in GCJ-02 as the field app does."""
    glng, glat = gcj(lng, lat)
    return set_cells("grid_units.csv", row, lng=glng, lat=glat, **values)


def recode(name: str, encoding: str, *, chinese_headers: bool = False, delimiter: str = ",",
           bom: bytes = b"") -> Breaker:
    """Rewrite a CSV in another encoding (and with the Chinese alias headers, another separator, a BOM)."""

    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, name)
        if chinese_headers:
            header = [CHINESE[Path(name).stem][h] for h in header]
        write_csv(folder, name, header, rows, encoding=encoding, delimiter=delimiter)
        if bom:
            (folder / name).write_bytes(bom + (folder / name).read_bytes())

    return breaker


def shift_jis_taxpayers(folder: Path) -> None:
    """taxpayers.csv in Shift-JIS, Japanese names: neither valid UTF-8 nor valid GB18030."""
    header, rows = read_csv(folder, "taxpayers.csv")
    for i, row in enumerate(rows, start=1):
        row[1] = f"株式会社ﾃｽﾄ{i}"  # half-width katakana: single bytes GB18030 cannot pair
        row[2] = "山田太郎"
    data = csv_text(header, rows).encode("shift_jis", errors="replace")  # Chinese-only characters become "?"
    _assert_undecodable(data)
    (folder / "taxpayers.csv").write_bytes(data)


RANDOM_BYTES = bytes((i * 37 + 11) % 256 for i in range(4096))


def _assert_undecodable(data: bytes) -> None:
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        raise AssertionError(f"the corpus file decodes as {encoding}: the case tests nothing")


_assert_undecodable(RANDOM_BYTES)


def chinese_headers_without(name: str, dropped: str) -> Breaker:
    """A CSV with the Chinese alias headers, one column (English name ``dropped``) removed."""

    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, name)
        i = header.index(dropped)
        aliases = CHINESE[Path(name).stem]
        write_csv(folder, name, [aliases[h] for h in header[:i] + header[i + 1:]],
                  [r[:i] + r[i + 1:] for r in rows])

    return breaker


def mixed_headers(name: str) -> Breaker:
    """Every other header in Chinese, the rest in English with stray spaces around them."""

    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, name)
        aliases = CHINESE[Path(name).stem]
        header = [aliases[h] if i % 2 else f"  {h} " for i, h in enumerate(header)]
        write_csv(folder, name, header, rows)

    return breaker


def drop_column(name: str, column: str) -> Breaker:
    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, name)
        i = header.index(column)
        write_csv(folder, name, header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])

    return breaker


def header_only(name: str) -> Breaker:
    def breaker(folder: Path) -> None:
        header, _ = read_csv(folder, name)
        write_csv(folder, name, header, [])

    return breaker


# --- xlsx and parquet ---------------------------------------------------------------------------------------


def _workbook(path: Path, title: str, header: list[str], rows: list[list], *, date_format: str = "yyyy-mm-dd",
              subtitle: str | None = "导出时间：2026年3月1日") -> None:
    """A bureau-style sheet: a merged title row (and a merged subtitle) above the Chinese header."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([title] + [None] * (len(header) - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    if subtitle:
        ws.append([subtitle] + [None] * (len(header) - 1))
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    for column in ws.iter_cols(min_row=ws.max_row - len(rows) + 1):
        for cell in column:
            if isinstance(cell.value, dt.date | dt.datetime):
                cell.number_format = date_format
    wb.save(path)


def taxpayers_xlsx(folder: Path) -> None:
    """taxpayers.xlsx: merged title rows, Chinese headers, Excel dates, phones and codes as numbers."""
    (folder / "taxpayers.csv").unlink()
    header = [CHINESE["taxpayers"][h] for h in tiny.TAXPAYER_HEADER]
    rows = []
    for serial, name, status, lng, lat in tiny.TAXPAYERS:
        rows.append([uscc(serial), name, "张三", "440306199001011234", 13800138000 + serial, f"宝安区测试路{serial}号",
                     5211, "百货零售", "小规模纳税人", "企业", dt.date(2020, 1, serial), status, "B", None, lng, lat,
                     "WGS84"])
    _workbook(folder / "taxpayers.xlsx", "深圳市宝安区税务登记信息表", header, rows)


def officers_xlsx(folder: Path) -> None:
    """officers.xlsx: merged title row, Chinese headers, phones and street codes as numbers."""
    (folder / "officers.csv").unlink()
    header = ["人员编号", "姓名", "角色", "街道代码", "负责网格", "联系电话"]
    rows = [
        ["W001", "李四", "网格员", 440306001, "4403060010001;4403060010002", 13900139000],
        ["T001", "王五", "税收管理员", 440306002, "4403060020001;4403060020002", 13700137000],
    ]
    _workbook(folder / "officers.xlsx", "网格员与税收管理员名册", header, rows, subtitle=None)


def grid_units_xlsx(folder: Path) -> None:
    """grid_units.xlsx: merged title rows, Chinese headers, collected_at as real Excel date-times."""
    header, rows = read_csv(folder, "grid_units.csv")
    (folder / "grid_units.csv").unlink()
    out = []
    for i, row in enumerate(rows, start=1):
        cells: list = list(row)
        cells[header.index("lng")] = float(row[header.index("lng")])
        cells[header.index("lat")] = float(row[header.index("lat")])
        cells[header.index("collected_at")] = dt.datetime(2026, 3, i, 10, 30, 15)
        cells = [None if c == "" else c for c in cells]
        out.append(cells)
    _workbook(folder / "grid_units.xlsx", "网格员采集实有单位", [CHINESE["grid_units"][h] for h in header], out,
              date_format="yyyy-mm-dd hh:mm:ss")


def officers_xlsx_without_header(folder: Path) -> None:
    (folder / "officers.csv").unlink()
    _workbook(folder / "officers.xlsx", "网格员名册", ["编号", "人名", "职务"],
              [["W001", "李四", "网格员"], ["T001", "王五", "税收管理员"]])


def taxpayers_parquet(*, keep_csv: bool = False) -> Breaker:
    """taxpayers.parquet with typed columns: lng/lat float64, reg_date date32, phone int64."""

    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, "taxpayers.csv")
        if not keep_csv:
            (folder / "taxpayers.csv").unlink()
        columns = {h: [r[i] or None for r in rows] for i, h in enumerate(header)}
        table = pa.table({
            **{h: pa.array(v, pa.string()) for h, v in columns.items()},
            "phone": pa.array([13800138000 + i for i in range(1, len(rows) + 1)], pa.int64()),
            "reg_date": pa.array([dt.date(2020, 1, i) for i in range(1, len(rows) + 1)], pa.date32()),
            "lng": pa.array([float(v) for v in columns["lng"]], pa.float64()),
            "lat": pa.array([float(v) for v in columns["lat"]], pa.float64()),
        })
        pq.write_table(table, folder / "taxpayers.parquet")

    return breaker


def declarations_parquet(folder: Path) -> None:
    """declarations.parquet with float64 amounts; one NULL and one NaN amount (both: empty, no issue)."""
    header, rows = read_csv(folder, "declarations.csv")
    (folder / "declarations.csv").unlink()
    amounts = header[3:]
    data: dict[str, pa.Array] = {h: pa.array([r[i] for r in rows], pa.string()) for i, h in enumerate(header[:3])}
    for j, h in enumerate(amounts, start=3):
        values = [float(r[j]) + 0.25 for r in rows]
        if h == "tax_paid":
            values[4] = None  # row 5
        if h == "invoice_in_amount":
            values[5] = float("nan")  # row 6
        data[h] = pa.array(values, pa.float64())
    pq.write_table(pa.table(data), folder / "declarations.parquet")


def grid_units_parquet(folder: Path) -> None:
    """grid_units.parquet: Chinese column names (two padded with spaces), lng/lat float64, collected_at timestamp."""
    header, rows = read_csv(folder, "grid_units.csv")
    (folder / "grid_units.csv").unlink()
    data = {h: pa.array([r[i] or None for r in rows], pa.string()) for i, h in enumerate(header)}
    data["lng"] = pa.array([float(r[header.index("lng")]) for r in rows], pa.float64())
    data["lat"] = pa.array([float(r[header.index("lat")]) for r in rows], pa.float64())
    data["collected_at"] = pa.array([dt.datetime(2026, 3, i, 10, 30, 15, 500000) for i in range(1, len(rows) + 1)],
                                    pa.timestamp("us"))
    names = {**CHINESE["grid_units"], "lng": " 经度 ", "record_id": "采集记录编号 "}
    pq.write_table(pa.table({names[h]: v for h, v in data.items()}), folder / "grid_units.parquet")


TASK_RESULT_HEADER = ["task_id", "record_id", "taxpayer_id", "result", "verified_at", "officer_id", "note"]


def task_results(rows: list[list], *, encoding: str = "utf-8", chinese_headers: bool = False) -> Breaker:
    """Add a task_results.csv (the optional source the task store exports) with these rows."""

    def breaker(folder: Path) -> None:
        header = [CHINESE["task_results"][h] for h in TASK_RESULT_HEADER] if chinese_headers else TASK_RESULT_HEADER
        write_csv(folder, "task_results.csv", header, rows, encoding=encoding)

    return breaker


def task_results_xlsx(folder: Path) -> None:
    """task_results.xlsx: merged title rows, Chinese headers, verified_at as a real Excel date-time."""
    header = [CHINESE["task_results"][h] for h in TASK_RESULT_HEADER]
    rows = [["RW-1", "R005", None, "新办登记", dt.datetime(2026, 3, 10, 9, 30), "T001", "已办理登记"]]
    _workbook(folder / "task_results.xlsx", "核查任务结果导出", header, rows, date_format="yyyy-mm-dd hh:mm:ss")


def remove_input_folder(folder: Path) -> None:
    shutil.rmtree(folder)


# --- geometry --------------------------------------------------------------------------------------------------

FAR_SQUARE = {"type": "Polygon", "coordinates": [[[113.90, 22.60], [113.91, 22.60], [113.91, 22.61],
                                                   [113.90, 22.61], [113.90, 22.60]]]}
# A figure-eight: the ring crosses itself at (113.905, 22.605).
BOWTIE = {"type": "Polygon", "coordinates": [[[113.90, 22.60], [113.91, 22.61], [113.91, 22.60],
                                               [113.90, 22.61], [113.90, 22.60]]]}


def _null_all_street_geometries(data: dict) -> None:
    for feature in data["features"]:
        feature["geometry"] = None


def _drop_street_name(data: dict) -> None:
    for feature in data["features"]:
        del feature["properties"]["street_name"]


def _grids_as_one_feature(folder: Path) -> None:
    data = json.loads((folder / "grids.geojson").read_text(encoding="utf-8"))
    (folder / "grids.geojson").write_text(json.dumps(data["features"][0], ensure_ascii=False), encoding="utf-8")


def _truncate(name: str) -> Breaker:
    def breaker(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: len(data) // 2])

    return breaker


def _swap(name: str, row: int) -> Breaker:
    def edit(header, rows):
        r = rows[row - 1]
        r[header.index("lng")], r[header.index("lat")] = r[header.index("lat")], r[header.index("lng")]

    return edit_csv(name, edit)


def swap_columns(name: str) -> Breaker:
    """Every row's lng and lat cells exchanged: the export wrote 纬度 under 经度 and back."""

    def edit(header, rows):
        i, j = header.index("lng"), header.index("lat")
        for r in rows:
            r[i], r[j] = r[j], r[i]

    return edit_csv(name, edit)


def swap_headers(name: str) -> Breaker:
    """The Chinese headers, with 经度 and 纬度 exchanged (each column keeps its numbers)."""

    def breaker(folder: Path) -> None:
        header, rows = read_csv(folder, name)
        aliases = {**CHINESE[Path(name).stem], "lng": "纬度", "lat": "经度"}
        write_csv(folder, name, [aliases[h] for h in header], rows)

    return breaker


def fullwidth(text: str) -> str:
    """Digits and letters as their full-width forms (what an IME in full-width mode types)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def messy_taxpayer_ids(folder: Path) -> None:
    """Taxpayer ids as other bureaus' exports write them; row 6 repeats row 4's id in lower case, padded."""

    def edit(header, rows):
        rows[0][0] = rows[0][0].lower()
        rows[1][0] = " " + rows[1][0][:6] + "\u3000" + rows[1][0][6:12] + " " + rows[1][0][12:] + "\u3000"
        rows[2][0] = fullwidth(rows[2][0])
        rows.append(list(rows[3]))
        rows[5][0] = "\u3000 " + rows[3][0].lower() + " "

    edit_csv("taxpayers.csv", edit)(folder)


# --- the cases ------------------------------------------------------------------------------------------------

U = [uscc(i) for i in range(10)]  # U[1] .. U[5]: the tiny region's taxpayers
BAD_CHECK = U[5][:17] + ("0" if U[5][17] != "0" else "1")
TP = "select taxpayer_id, name from stg_taxpayers order by taxpayer_id"
TINY_NAMES = [(uscc(s), name) for s, name, *_ in sorted(tiny.TAXPAYERS)]
R001_WGS84 = (113.8551, 22.5551)  # grid unit R001's true position
R001_BD09 = [f"{float(v):.7f}" for v in wgs84_to_bd09(*R001_WGS84)]
MANIFEST_NO_DEFAULT = 'region_name = "测试区"\nsurvey_start = 2026-01-01\nsurvey_end = 2026-10-31\n'
DEG_LNG_PER_M = 1 / (111320 * 0.92345)  # degrees of longitude per metre at 22.566 N


def _east(metres: float) -> float:
    """The longitude ``metres`` east of the region's east edge (113.89)."""
    return 113.89 + metres * DEG_LNG_PER_M


CASES: list[Case] = [
    # --- encodings ---
    Case("taxpayers_gb18030_chinese_headers", recode("taxpayers.csv", "gb18030", chinese_headers=True),
         Works(encodings={"taxpayers": "gb18030"},
               staged=(Staged(TP, TINY_NAMES),
                       Staged("select distinct legal_rep, reg_address from stg_taxpayers where taxpayer_id = '"
                              + U[3] + "'", [("张三", "宝安区测试路3号")]))),
         subprocess=True),
    Case("taxpayers_utf8_bom",
         lambda f: (f / "taxpayers.csv").write_bytes(b"\xef\xbb\xbf" + (f / "taxpayers.csv").read_bytes()),
         Works(encodings={"taxpayers": "utf-8-sig"}, staged=(Staged(TP, TINY_NAMES),))),
    Case("taxpayers_shift_jis", shift_jis_taxpayers,
         Fails("taxpayers.csv", "taxpayers.csv: neither UTF-8 nor GB18030 (undecodable bytes at offset …); "
                                "save it as UTF-8"),
         subprocess=True),
    Case("grid_units_random_bytes", write_bytes("grid_units.csv", RANDOM_BYTES),
         Fails("grid_units.csv", "grid_units.csv: neither UTF-8 nor GB18030 (undecodable bytes at offset …); "
                                 "save it as UTF-8")),
    Case("streets_geojson_gbk",
         lambda f: (f / "streets.geojson").write_bytes((f / "streets.geojson").read_text("utf-8").encode("gbk")),
         Fails("streets.geojson", "streets.geojson: not UTF-8 (GeoJSON must be UTF-8, RFC 7946)")),
    # --- missing files ---
    Case("missing_streets", remove("streets.geojson"),
         Fails("streets.geojson", "{input}/streets.geojson: required file is missing (accepted: streets.geojson)"),
         subprocess=True),
    Case("missing_grids", remove("grids.geojson"),
         Fails("grids.geojson", "{input}/grids.geojson: required file is missing (accepted: grids.geojson)")),
    Case("missing_taxpayers", remove("taxpayers.csv"),
         Fails("taxpayers", "{input}/taxpayers.csv: required file is missing "
                            "(accepted: taxpayers.csv, taxpayers.parquet, taxpayers.xlsx)")),
    Case("missing_grid_units", remove("grid_units.csv"),
         Fails("grid_units", "{input}/grid_units.csv: required file is missing "
                             "(accepted: grid_units.csv, grid_units.parquet, grid_units.xlsx)")),
    Case("optional_files_absent", chain(remove("declarations.csv"), remove("officers.csv")),
         Works(read={"declarations": 0, "officers": 0}, files={"declarations": None, "officers": None})),
    Case("missing_input_folder", remove_input_folder,
         Fails("input", "{input}: input folder does not exist")),
    # --- missing columns ---
    Case("taxpayers_missing_status_column", drop_column("taxpayers.csv", "status"),
         Fails("taxpayers.csv", "taxpayers.csv: required column 'status' (纳税人状态) is missing", column="status")),
    Case("grid_units_chinese_headers_missing_collected_at",
         chinese_headers_without("grid_units.csv", "collected_at"),
         Fails("grid_units.csv", "grid_units.csv: required column 'collected_at' (采集时间) is missing",
               column="collected_at")),
    Case("declarations_missing_period_column", drop_column("declarations.csv", "period"),
         Fails("declarations.csv", "declarations.csv: required column 'period' (所属期) is missing", column="period")),
    Case("streets_missing_street_name_property", edit_geojson("streets.geojson", _drop_street_name),
         Fails("streets.geojson", "streets.geojson: required property 'street_name' (街道名称) is missing from "
                                  "every feature", column="street_name")),
    Case("grid_units_mixed_headers", mixed_headers("grid_units.csv"), Works()),
    # --- empty and header-only files ---
    Case("taxpayers_empty_file", write_bytes("taxpayers.csv", b""),
         Fails("taxpayers.csv", "taxpayers.csv: the file is empty (expected a header row)")),
    Case("grid_units_header_only", header_only("grid_units.csv"),
         Fails("grid_units.csv", "grid_units.csv: no data rows (only a header)")),
    Case("declarations_header_only", header_only("declarations.csv"),
         Works(read={"declarations": 0}, files={"declarations": "declarations.csv"})),
    Case("streets_no_features", edit_geojson("streets.geojson", lambda d: d["features"].clear()),
         Fails("streets.geojson", "streets.geojson: the FeatureCollection has no features")),
    # --- GeoJSON ---
    Case("streets_truncated_json", _truncate("streets.geojson"),
         Fails("streets.geojson", "streets.geojson: broken JSON at line 1, column … (…)")),
    Case("grids_single_feature_not_collection", _grids_as_one_feature,
         Fails("grids.geojson",
               'grids.geojson: not a GeoJSON FeatureCollection (expected "type": "FeatureCollection")')),
    Case("street_null_geometry", add_street(None),
         Works(read={"streets": 3}, rejects=rejects(("streets", 3, "440306003", "geometry_invalid")))),
    Case("street_point_geometry", add_street({"type": "Point", "coordinates": [113.905, 22.605]}),
         Works(read={"streets": 3}, rejects=rejects(("streets", 3, "440306003", "geometry_invalid")))),
    Case("street_bowtie_repaired", add_street(BOWTIE),
         Works(read={"streets": 3}, issues=issues(("streets", 3, "440306003", "geometry_repaired")),
               staged=(Staged("select street_code, st_isvalid(geom), st_geometrytype(geom)::varchar, "
                              "round(st_area(geom), 8) from stg_streets order by 1",
                              [("440306001", True, "POLYGON", 0.0004), ("440306002", True, "POLYGON", 0.0004),
                               ("440306003", True, "MULTIPOLYGON", 0.00005)], spatial=True),))),
    Case("all_streets_without_geometry", edit_geojson("streets.geojson", _null_all_street_geometries),
         Fails("streets.geojson", "streets.geojson: no usable street polygon (every feature was rejected)")),
    Case("grid_street_code_unknown",
         edit_geojson("grids.geojson", lambda d: d["features"][0]["properties"].update(street_code="440306999")),
         Works(issues=issues(("grids", 1, "4403060010001", "street_code_unknown")),
               staged=(Staged("select grid_code, street_code, street_code_raw from stg_grids order by 1 limit 1",
                              [("4403060010001", "440306001", "440306999")]),))),
    # --- duplicate keys: the first row is kept ---
    Case("taxpayers_duplicate_key", append_copy("taxpayers.csv", 1, name="重复登记有限公司"),
         Works(read={"taxpayers": 6}, rejects=rejects(("taxpayers", 6, U[1], "duplicate_key")),
               staged=(Staged(TP, TINY_NAMES),))),
    Case("grid_units_duplicate_key", append_copy("grid_units.csv", 3, unit_name="重复采集"),
         Works(read={"grid_units": 6}, rejects=rejects(("grid_units", 6, "R003", "duplicate_key")),
               staged=(Staged("select unit_name, source_row from stg_grid_units where record_id = 'R003'",
                              [("海航物流", 3)]),))),
    Case("officers_duplicate_key", append_copy("officers.csv", 1, name="赵六"),
         Works(read={"officers": 3}, rejects=rejects(("officers", 3, "W001", "duplicate_key")),
               staged=(Staged("select officer_id, name from stg_officers order by 1",
                              [("T001", "王五"), ("W001", "李四")]),))),
    Case("declarations_duplicate_key", append_copy("declarations.csv", 1, tax_paid="999"),
         Works(read={"declarations": 37}, rejects=rejects(("declarations", 37, U[1], "duplicate_key")),
               staged=(Staged(f"select tax_paid, source_row from stg_declarations where taxpayer_id = '{U[1]}' "
                              "and period = '2025-01'", [(100.0, 1)]),))),
    # --- grid unit positions ---
    Case("grid_unit_far_outside_region", unit_at(5, 114.30, 22.70),
         Works(rejects=rejects(("grid_units", 5, "R005", "outside_region")))),
    Case("grid_unit_500m_outside_region_unknown_grid", unit_at(5, _east(500), 22.566, grid_code="4403069999999"),
         Works(issues=issues(("grid_units", 5, "R005", "grid_code_unknown")),
               staged=(Staged("select street_code, grid_code, grid_code_raw from stg_grid_units "
                              "where record_id = 'R005'", [("440306002", "4403060020002", "4403069999999")]),))),
    Case("grid_unit_unknown_grid_code", set_cells("grid_units.csv", 2, grid_code="4403069999999"),
         Works(issues=issues(("grid_units", 2, "R002", "grid_code_unknown")),
               staged=(Staged("select street_code, grid_code from stg_grid_units where record_id = 'R002'",
                              [("440306001", "4403060010002")]),))),
    Case("grid_unit_swapped_lat_lng", _swap("grid_units.csv", 1),
         Works(rejects=rejects(("grid_units", 1, "R001", "position_out_of_range")))),
    Case("grid_unit_lng_abc", set_cells("grid_units.csv", 1, lng="abc"),
         Works(rejects=rejects(("grid_units", 1, "R001", "position_unparseable")))),
    Case("grid_unit_lng_nan", set_cells("grid_units.csv", 2, lng="NaN"),
         Works(rejects=rejects(("grid_units", 2, "R002", "position_unparseable")))),
    Case("grid_unit_lat_1e999", set_cells("grid_units.csv", 3, lat="1e999"),
         Works(rejects=rejects(("grid_units", 3, "R003", "position_unparseable")))),
    Case("grid_unit_lng_empty", set_cells("grid_units.csv", 1, lng=""),
         Works(rejects=rejects(("grid_units", 1, "R001", "position_missing")))),
    Case("grid_unit_coord_sys_mars", set_cells("grid_units.csv", 4, coord_sys="MARS"),
         Works(rejects=rejects(("grid_units", 4, "R004", "coord_sys_unknown")))),
    Case("grid_unit_coord_sys_gcj-02", set_cells("grid_units.csv", 1, coord_sys="gcj-02"),
         Works(staged=(Staged("select coord_sys from stg_grid_units where record_id = 'R001'", [("GCJ02",)]),
                       Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84)))),
    Case("grid_unit_coord_sys_bd09ll",
         set_cells("grid_units.csv", 1, coord_sys="bd09ll", lng=R001_BD09[0], lat=R001_BD09[1]),
         Works(staged=(Staged("select coord_sys from stg_grid_units where record_id = 'R001'", [("BD09",)]),
                       Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84)))),
    Case("grid_unit_coord_sys_empty_manifest_gcj02", set_cells("grid_units.csv", 1, coord_sys=""),
         Works(staged=(Staged("select coord_sys from stg_grid_units where record_id = 'R001'", [("GCJ02",)]),
                       Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84)))),
    Case("grid_unit_coord_sys_empty_no_manifest_default",
         chain(write_manifest(MANIFEST_NO_DEFAULT),
               set_cells("grid_units.csv", 1, coord_sys="", lng=str(R001_WGS84[0]), lat=str(R001_WGS84[1]))),
         Works(staged=(Staged("select coord_sys, lng, lat from stg_grid_units where record_id = 'R001'",
                              [("WGS84", *R001_WGS84)]),))),
    # --- taxpayer positions: kept without a position ---
    Case("taxpayer_swapped_lat_lng", _swap("taxpayers.csv", 1),
         Works(issues=issues(("taxpayers", 1, U[1], "position_out_of_range")),
               staged=(Staged("select lng, lat, h3_10, street_code, grid_code, lng_raw from stg_taxpayers "
                              f"where taxpayer_id = '{U[1]}'", [(None, None, None, None, None, "22.555")]),))),
    Case("taxpayer_lng_abc", set_cells("taxpayers.csv", 2, lng="abc"),
         Works(issues=issues(("taxpayers", 2, U[2], "position_unparseable")),
               staged=(Staged(f"select lng, lat, h3_10 from stg_taxpayers where taxpayer_id = '{U[2]}'",
                              [(None, None, None)]),))),
    Case("taxpayer_far_outside_region", set_cells("taxpayers.csv", 5, lng="114.3", lat="22.7"),
         Works(issues=issues(("taxpayers", 5, U[5], "outside_region")),
               staged=(Staged(f"select lng, lat, street_code, grid_code from stg_taxpayers "
                              f"where taxpayer_id = '{U[5]}'",
                              [(None, None, None, None)]),))),
    Case("taxpayer_500m_outside_region", set_cells("taxpayers.csv", 4, lng=f"{_east(500):.6f}", lat="22.565"),
         Works(staged=(Staged(f"select lng, lat, street_code, grid_code from stg_taxpayers "
                              f"where taxpayer_id = '{U[4]}'",
                              [(float(f"{_east(500):.6f}"), 22.565, "440306002", "4403060020002")]),))),
    # --- dates ---
    Case("taxpayer_reg_date_month_13", set_cells("taxpayers.csv", 1, reg_date="2019-13-45"),
         Works(issues=issues(("taxpayers", 1, U[1], "reg_date_unparseable")),
               staged=(Staged(f"select reg_date from stg_taxpayers where taxpayer_id = '{U[1]}'", [(None,)]),))),
    Case("taxpayer_reg_date_yesterday", set_cells("taxpayers.csv", 2, reg_date="昨天"),
         Works(issues=issues(("taxpayers", 2, U[2], "reg_date_unparseable")),
               staged=(Staged(f"select reg_date from stg_taxpayers where taxpayer_id = '{U[2]}'", [(None,)]),))),
    Case("taxpayer_reg_date_accepted_formats",
         chain(set_cells("taxpayers.csv", 1, reg_date="2020/01/02"), set_cells("taxpayers.csv", 2, reg_date="20200103"),
               set_cells("taxpayers.csv", 3, reg_date="2020年1月4日"),
               set_cells("taxpayers.csv", 4, reg_date="2020-01-05 08:30"),
               set_cells("taxpayers.csv", 5, reg_date="2020年01月06日 08:30:15")),
         Works(staged=(Staged("select reg_date from stg_taxpayers order by source_row",
                              [(dt.date(2020, 1, d),) for d in range(2, 7)]),))),
    Case("grid_unit_collected_at_month_13", set_cells("grid_units.csv", 4, collected_at="2019-13-45"),
         Works(issues=issues(("grid_units", 4, "R004", "collected_at_unparseable")),
               staged=(Staged("select collected_at from stg_grid_units where record_id = 'R004'", [(None,)]),))),
    # --- xlsx ---
    Case("taxpayers_xlsx_merged_title", taxpayers_xlsx,
         Works(files={"taxpayers": "taxpayers.xlsx"},
               staged=(Staged("select taxpayer_id, name, phone, legal_rep_id, industry_code, reg_date, lng, lat "
                              "from stg_taxpayers order by source_row",
                              [(uscc(s), n, str(13800138000 + s), "440306199001011234", "5211", dt.date(2020, 1, s),
                                lng, lat) for s, n, _, lng, lat in tiny.TAXPAYERS]),))),
    Case("officers_xlsx_merged_title", officers_xlsx,
         Works(files={"officers": "officers.xlsx"},
               staged=(Staged("select officer_id, name, role, street_code, grid_codes, phone from stg_officers "
                              "order by source_row",
                              [("W001", "李四", "grid_worker", "440306001", ["4403060010001", "4403060010002"],
                                "13900139000"),
                               ("T001", "王五", "tax_officer", "440306002", ["4403060020001", "4403060020002"],
                                "13700137000")]),))),
    Case("grid_units_xlsx_excel_datetimes", grid_units_xlsx,
         Works(files={"grid_units": "grid_units.xlsx"},
               staged=(Staged("select record_id, collected_at, building_id from stg_grid_units order by source_row",
                              [(f"R00{i}", dt.datetime(2026, 3, i, 10, 30, 15), None) for i in range(1, 6)]),
                       Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84)))),
    Case("officers_xlsx_no_header", officers_xlsx_without_header,
         Fails("officers.xlsx", "officers.xlsx: no header row with the required columns (name, officer_id, role) "
                                "in the first 20 rows")),
    # --- CSV structure ---
    Case("taxpayers_row_too_many_cells", edit_csv("taxpayers.csv", lambda h, rows: rows[2].append("多余的一格")),
         Works(rejects=rejects(("taxpayers", 3, U[3], "malformed_row")),
               staged=(Staged("select taxpayer_id, source_row from stg_taxpayers order by source_row",
                              [(U[1], 1), (U[2], 2), (U[4], 4), (U[5], 5)]),))),
    Case("grid_units_row_too_few_cells",  # row 2 keeps only record_id and grid_code
         edit_csv("grid_units.csv", lambda h, rows: rows[1].__delitem__(slice(2, None))),
         Works(rejects=rejects(("grid_units", 2, "R002", "malformed_row")),
               staged=(Staged("select record_id, source_row from stg_grid_units order by source_row",
                              [("R001", 1), ("R003", 3), ("R004", 4), ("R005", 5)]),))),
    Case("taxpayers_blank_lines",
         edit_lines("taxpayers.csv", lambda ls: [ls[0], "", ls[1], ls[2], "", "", ls[3], ls[4], ls[5], ""]),
         Works(staged=(Staged("select taxpayer_id, source_row from stg_taxpayers order by source_row",
                              [(U[i], i) for i in range(1, 6)]),))),
    Case("taxpayers_blank_lines_and_malformed_row",
         edit_lines("taxpayers.csv", lambda ls: [ls[0], ls[1], "", ls[2], "   ", ls[3], ls[4] + ",多余", ls[5]]),
         Works(rejects=rejects(("taxpayers", 4, U[4], "malformed_row")),
               # taxpayer 4's declarations (rows 25-36) stay, with an unknown taxpayer
               issues=issues(*[("declarations", r, U[4], "taxpayer_unknown") for r in range(25, 37)]),
               staged=(Staged("select taxpayer_id, source_row from stg_taxpayers order by source_row",
                              [(U[1], 1), (U[2], 2), (U[3], 3), (U[5], 5)]),))),
    Case("grid_units_rows_of_empty_cells",
         edit_lines("grid_units.csv", lambda ls: [ls[0], ls[1], "," * 12, ls[2], ls[3], ",,,", ls[4], ls[5]]),
         Works(staged=(Staged("select record_id, source_row from stg_grid_units order by source_row",
                              [(f"R00{i}", i) for i in range(1, 6)]),))),
    # --- formats ---
    Case("taxpayers_csv_and_parquet", taxpayers_parquet(keep_csv=True),
         Fails("taxpayers.parquet", "{input}: both taxpayers.csv, taxpayers.parquet exist; keep exactly one file for "
                                    "taxpayers")),
    Case("taxpayers_json_only",
         lambda f: (f / "taxpayers.csv").rename(f / "taxpayers.json"),
         Fails("taxpayers.json", "taxpayers.json: unsupported format for taxpayers; use one of .csv, .parquet, .xlsx")),
    Case("declarations_xlsx_not_accepted",
         lambda f: ((f / "declarations.csv").unlink(), Workbook().save(f / "declarations.xlsx")),
         Fails("declarations.xlsx",
               "declarations.xlsx: unsupported format for declarations; use one of .csv, .parquet")),
    Case("taxpayers_parquet_not_parquet", write_bytes("taxpayers.parquet", RANDOM_BYTES, replaces="taxpayers.csv"),
         Fails("taxpayers.parquet", "taxpayers.parquet: cannot be read (…)")),
    Case("taxpayers_parquet_numeric_columns", taxpayers_parquet(),
         Works(files={"taxpayers": "taxpayers.parquet"}, encodings={"taxpayers": None},
               staged=(Staged("select taxpayer_id, phone, reg_date, lng, lat from stg_taxpayers order by source_row",
                              [(uscc(s), str(13800138000 + s), dt.date(2020, 1, s), lng, lat)
                               for s, _, _, lng, lat in tiny.TAXPAYERS]),))),
    Case("declarations_parquet_float_amounts", declarations_parquet,
         Works(files={"declarations": "declarations.parquet"},
               staged=(Staged("select source_row, sales_amount, tax_paid, invoice_in_amount from stg_declarations "
                              "where source_row between 4 and 6 order by source_row",
                              [(4, 10000.25, 100.25, 8000.25), (5, 10000.25, None, 8000.25),
                               (6, 10000.25, 100.25, None)]),))),
    Case("grid_units_parquet_timestamps", grid_units_parquet,
         Works(files={"grid_units": "grid_units.parquet"},
               staged=(Staged("select record_id, collected_at from stg_grid_units order by source_row",
                              [(f"R00{i}", dt.datetime(2026, 3, i, 10, 30, 15, 500000)) for i in range(1, 6)]),
                       Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84)))),
    # --- manifest.toml ---
    Case("manifest_broken_toml", write_manifest('region_name = "测试区\nsurvey_start = 2026-01-01\n'),
         Fails("manifest.toml", "manifest.toml: not valid TOML (…)")),
    Case("manifest_bad_date", write_manifest('region_name = "测试区"\nsurvey_start = "2026-02-30"\n'),
         Fails("manifest.toml", "manifest.toml: survey_start = '2026-02-30' is not a date (write YYYY-MM-DD)",
               column="survey_start")),
    Case("manifest_unknown_coord_sys", write_manifest('default_coord_sys = "MARS"\n'),
         Fails("manifest.toml", "manifest.toml: default_coord_sys = 'MARS' is not a known coordinate system "
                                "(WGS84, CGCS2000, GCJ02, BD09)", column="default_coord_sys")),
    # --- declarations ---
    Case("declarations_period_month_13", set_cells("declarations.csv", 1, period="2025-13"),
         Works(rejects=rejects(("declarations", 1, U[1], "period_invalid")))),
    Case("declarations_period_spellings",
         chain(set_cells("declarations.csv", 2, period="202502"), set_cells("declarations.csv", 3, period="2025/03"),
               set_cells("declarations.csv", 4, period="2025年4月")),
         Works(staged=(Staged("select source_row, period from stg_declarations where source_row between 2 and 4 "
                              "order by source_row", [(2, "2025-02"), (3, "2025-03"), (4, "2025-04")]),))),
    Case("declarations_missing_tax_type", set_cells("declarations.csv", 14, tax_type=""),
         Works(rejects=rejects(("declarations", 14, U[2], "missing_key")))),
    Case("declarations_amount_chinese_numeral", set_cells("declarations.csv", 2, tax_paid="一万"),
         Works(issues=issues(("declarations", 2, U[1], "amount_unparseable")),
               staged=(Staged("select sales_amount, tax_payable, tax_paid from stg_declarations where source_row = 2",
                              [(10000.0, 300.0, None)]),))),
    Case("declarations_amount_nan_and_1e999",
         chain(set_cells("declarations.csv", 4, tax_paid="NaN"),
               set_cells("declarations.csv", 5, sales_amount="1e999")),
         Works(issues=issues(("declarations", 4, U[1], "amount_unparseable"),
                             ("declarations", 5, U[1], "amount_unparseable")),
               staged=(Staged("select source_row, sales_amount, tax_paid from stg_declarations "
                              "where source_row in (4, 5) order by 1", [(4, 10000.0, None), (5, None, 100.0)]),))),
    Case("declarations_thousands_separator", set_cells("declarations.csv", 3, sales_amount="1,234.50"),
         Works(staged=(Staged("select sales_amount from stg_declarations where source_row = 3", [(1234.5,)]),))),
    Case("declarations_unknown_taxpayer", append_copy("declarations.csv", 1, taxpayer_id=U[9]),
         Works(read={"declarations": 37}, issues=issues(("declarations", 37, U[9], "taxpayer_unknown")),
               staged=(Staged(f"select period, tax_paid from stg_declarations where taxpayer_id = '{U[9]}'",
                              [("2025-01", 100.0)]),))),
    # --- taxpayer fields ---
    Case("taxpayer_uscc_bad_check_char", set_cells("taxpayers.csv", 5, taxpayer_id=BAD_CHECK),
         Works(issues=issues(("taxpayers", 5, BAD_CHECK, "uscc_check_digit")),
               staged=(Staged(f"select name from stg_taxpayers where taxpayer_id = '{BAD_CHECK}'",
                              [("深圳市空壳商贸有限公司",)]),))),
    Case("taxpayer_id_15_digits", set_cells("taxpayers.csv", 5, taxpayer_id="440306123456789"),
         Works(issues=issues(("taxpayers", 5, "440306123456789", "uscc_format")))),
    Case("taxpayer_status_unknown_and_empty",
         chain(set_cells("taxpayers.csv", 5, status="营业"), set_cells("taxpayers.csv", 4, status="")),
         Works(issues=issues(("taxpayers", 5, U[5], "status_unknown"), ("taxpayers", 4, U[4], "status_unknown")),
               staged=(Staged("select source_row, status, status_raw from stg_taxpayers where source_row >= 4 "
                              "order by 1", [(4, None, None), (5, None, "营业")]),))),
    Case("taxpayer_credit_rating_unknown", set_cells("taxpayers.csv", 2, credit_rating="AAA"),
         Works(issues=issues(("taxpayers", 2, U[2], "credit_rating_unknown")))),
    Case("taxpayer_street_code_unknown", set_cells("taxpayers.csv", 1, street_code="440306999"),
         Works(issues=issues(("taxpayers", 1, U[1], "street_code_unknown")),
               staged=(Staged(f"select street_code, street_code_raw from stg_taxpayers where taxpayer_id = '{U[1]}'",
                              [("440306001", "440306999")]),))),
    Case("taxpayer_missing_name", set_cells("taxpayers.csv", 3, name=""),
         Works(rejects=rejects(("taxpayers", 3, U[3], "missing_name")))),
    Case("taxpayer_missing_id", set_cells("taxpayers.csv", 2, taxpayer_id=""),
         Works(rejects=rejects(("taxpayers", 2, "", "missing_key")),
               issues=issues(*[("declarations", r, U[2], "taxpayer_unknown") for r in range(13, 25)]))),
    # --- grid units and officers ---
    Case("grid_unit_missing_record_id", set_cells("grid_units.csv", 3, record_id=""),
         Works(rejects=rejects(("grid_units", 3, "", "missing_key")))),
    Case("grid_unit_operating_status_unknown", set_cells("grid_units.csv", 2, operating_status="营业中"),
         Works(issues=issues(("grid_units", 2, "R002", "operating_status_unknown")))),
    # --- task_results (optional: the task store's verified results, docs/task-results.md) ---
    Case("task_results_gb18030_chinese_headers",
         task_results([["RW-1", "R005", "", "新办登记", "2026年3月10日 09:30", "T001", "已办理登记"],
                       ["RW-2", "", U[5], "已注销", "2026/03/11", "T001", ""]],
                      encoding="gb18030", chinese_headers=True),
         Works(read={"task_results": 2}, encodings={"task_results": "gb18030"},
               staged=(Staged("select task_id, record_id, taxpayer_id, result, result_code, verified_at, note "
                              "from stg_task_results order by source_row",
                              [("RW-1", "R005", None, "新办登记", "newly_registered", dt.datetime(2026, 3, 10, 9, 30),
                                "已办理登记"),
                               ("RW-2", None, U[5], "已注销", "deregistered", dt.datetime(2026, 3, 11), None)]),
                       Staged("select kind, coalesce(record_id, taxpayer_id), result from discrepancies_resolved "
                              "order by 1", [("not_found", U[5], "已注销"), ("unregistered", "R005", "新办登记")]))),
         subprocess=True),
    Case("task_results_bad_rows",
         task_results([["RW-1", "", "", "已注销", "2026-03-10", "", ""],           # no id: missing_key
                       ["RW-2", "R001", "", "待核查", "2026-03-10", "", ""],       # result_unknown
                       ["RW-3", "R001", "", "", "2026-03-10", "", ""],             # result empty: result_unknown
                       ["RW-4", "", U[1], "已迁出", "昨天", "", ""],               # verified_at_unparseable
                       ["RW-5", "R999", "", "查无此户", "2026-03-10", "", ""],     # kept: record_unknown
                       ["RW-6", "R002", U[9], "Verified-Operating", "2026-03-10", "", ""]]),  # kept: taxpayer_unknown
         Works(read={"task_results": 6},
               rejects=rejects(("task_results", 1, "", "missing_key"), ("task_results", 2, "R001", "result_unknown"),
                               ("task_results", 3, "R001", "result_unknown"),
                               ("task_results", 4, U[1], "verified_at_unparseable")),
               issues=issues(("task_results", 5, "R999", "record_unknown"),
                             ("task_results", 6, "R002", "taxpayer_unknown")),
               staged=(Staged("select task_id, result_code from stg_task_results order by source_row",
                              [("RW-5", "not_found"), ("RW-6", "verified_operating")]),
                       # a result naming an unknown taxpayer fixes no link
                       Staged("select method = 'verified' from unit_links where record_id = 'R002'", [(False,)])),
               summary=("WARNING: task_results.csv: 4 of 6 rows rejected (67%; result_unknown 2, missing_key 1, "
                        "verified_at_unparseable 1); 2 staged: see the rejects table before using this warehouse",))),
    Case("task_results_xlsx_merged_title", task_results_xlsx,
         Works(read={"task_results": 1}, files={"task_results": "task_results.xlsx"},
               staged=(Staged("select task_id, record_id, result, verified_at, officer_id from stg_task_results",
                              [("RW-1", "R005", "新办登记", dt.datetime(2026, 3, 10, 9, 30), "T001")]),))),
    Case("task_results_missing_result_column",
         chain(task_results([["RW-1", "R005", "", "新办登记", "2026-03-10", "", ""]]),
               drop_column("task_results.csv", "result")),
         Fails("task_results.csv", "task_results.csv: required column 'result' (核查结果) is missing", column="result")),
    Case("officer_unknown_role", set_cells("officers.csv", 2, role="队长"),
         Works(issues=issues(("officers", 2, "T001", "role_unknown")),
               staged=(Staged("select officer_id, role, role_raw from stg_officers where officer_id = 'T001'",
                              [("T001", None, "队长")]),))),
    # --- other bureaus' export habits ---
    # 经度/纬度 columns swapped: detected per file (most positions fit the region only as (lat, lng)), read the
    # other way round, each repaired row says so, and the summary warns.
    Case("grid_units_lng_lat_columns_swapped", swap_columns("grid_units.csv"),
         Works(issues=issues(*[("grid_units", i, f"R00{i}", "lng_lat_swapped") for i in range(1, 6)]),
               staged=(Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84),
                       Staged("select count(*) from unit_links where method = 'uscc'", [(3,)])),
               summary=("WARNING: grid_units.csv: the lng (经度) and lat (纬度) columns are swapped; 5 staged "
                        "position(s) read as (lat, lng) (quality issue lng_lat_swapped)",)),
         subprocess=True),
    # the file's orientation is decided once: a row written the right way round in a swapped file is rejected,
    # as a swapped row is in a right file (grid_unit_swapped_lat_lng)
    Case("grid_units_lng_lat_columns_swapped_one_row_not", chain(swap_columns("grid_units.csv"),
                                                                 _swap("grid_units.csv", 2)),
         Works(rejects=rejects(("grid_units", 2, "R002", "position_out_of_range")),
               issues=issues(*[("grid_units", i, f"R00{i}", "lng_lat_swapped") for i in (1, 3, 4, 5)]),
               summary=("WARNING: grid_units.csv: the lng (经度) and lat (纬度) columns are swapped; 4 staged "
                        "position(s) read as (lat, lng) (quality issue lng_lat_swapped)",))),
    Case("taxpayers_lng_lat_headers_swapped", swap_headers("taxpayers.csv"),
         Works(issues=issues(*[("taxpayers", i, U[i], "lng_lat_swapped") for i in range(1, 6)]),
               staged=(Staged("select taxpayer_id, lng, lat, street_code from stg_taxpayers order by source_row",
                              [(uscc(s), lng, lat, "440306001" if lng < 113.87 else "440306002")
                               for s, _, _, lng, lat in tiny.TAXPAYERS]),),
               summary=("WARNING: taxpayers.csv: the lng (经度) and lat (纬度) columns are swapped; 5 staged "
                        "position(s) read as (lat, lng) (quality issue lng_lat_swapped)",))),
    Case("grid_units_all_outside_region",
         chain(*[unit_at(i, 114.30 + i / 100, 22.70) for i in range(1, 6)]),
         Works(rejects=rejects(*[("grid_units", i, f"R00{i}", "outside_region") for i in range(1, 6)]),
               summary=("WARNING: grid_units.csv: 5 of 5 rows rejected (100%; outside_region 5); 0 staged: see the "
                        "rejects table before using this warehouse",))),
    # Identifiers normalised before the duplicate check and the joins: whitespace (inner, full-width) removed,
    # full-width made half-width, upper case; record_key is the normalised id, taxpayer_id_raw as read.
    Case("taxpayer_ids_lower_case_padded_full_width", messy_taxpayer_ids,
         # record_key is the id as written (the data contract), the cell's ends trimmed
         Works(read={"taxpayers": 6},
               rejects=rejects(("taxpayers", 6, U[4].lower(), "duplicate_key")),
               issues=issues(("taxpayers", 1, U[1].lower(), "id_normalised"),
                             ("taxpayers", 2, U[2][:6] + "\u3000" + U[2][6:12] + " " + U[2][12:], "id_normalised"),
                             ("taxpayers", 3, fullwidth(U[3]), "id_normalised")),
               staged=(Staged("select taxpayer_id, taxpayer_id_raw from stg_taxpayers order by source_row",
                              [(U[1], U[1].lower()), (U[2], U[2][:6] + "\u3000" + U[2][6:12] + " " + U[2][12:]),
                               (U[3], fullwidth(U[3])), (U[4], U[4]), (U[5], U[5])]),
                       Staged("select record_id, taxpayer_id from unit_links where method = 'uscc' order by 1",
                              [("R001", U[1]), ("R003", U[3]), ("R004", U[4])]),
                       Staged("select count(*) from fct_taxpayer_declarations where tax_paid_12m > 0", [(3,)])),
               summary=("note: taxpayers.csv: 3 taxpayer id(s) normalised: spaces removed, full-width made "
                        "half-width, upper case (quality issue id_normalised)",))),
    Case("grid_unit_uscc_lower_case_spaced", set_cells("grid_units.csv", 1, uscc=U[1][:8] + " " + U[1][8:].lower()),
         Works(issues=issues(("grid_units", 1, "R001", "id_normalised")),
               staged=(Staged("select uscc, uscc_raw from stg_grid_units where record_id = 'R001'",
                              [(U[1], U[1][:8] + " " + U[1][8:].lower())]),
                       Staged("select taxpayer_id, method from unit_links where record_id = 'R001'", [(U[1], "uscc")])),
               summary=("note: grid_units.csv: 1 taxpayer id(s) normalised: spaces removed, full-width made "
                        "half-width, upper case (quality issue id_normalised)",))),
    Case("declarations_taxpayer_id_lower_case_and_duplicate",
         chain(set_cells("declarations.csv", 1, taxpayer_id=U[1].lower()),
               append_copy("declarations.csv", 2, taxpayer_id=fullwidth(U[1]).lower())),
         Works(read={"declarations": 37},
               rejects=rejects(("declarations", 37, fullwidth(U[1]).lower(), "duplicate_key")),
               issues=issues(("declarations", 1, U[1], "id_normalised")),
               staged=(Staged(f"select count(*) from stg_declarations where taxpayer_id = '{U[1]}'", [(12,)]),),
               summary=("note: declarations.csv: 1 taxpayer id(s) normalised: spaces removed, full-width made "
                        "half-width, upper case (quality issue id_normalised)",))),
    Case("task_results_taxpayer_id_lower_case",
         task_results([["RW-1", "", U[5][:9] + " " + U[5][9:].lower(), "已注销", "2026-03-11", "T001", ""]]),
         Works(read={"task_results": 1}, issues=issues(("task_results", 1, U[5], "id_normalised")),
               staged=(Staged("select kind, taxpayer_id from discrepancies_resolved", [("not_found", U[5])]),),
               summary=("note: task_results.csv: 1 taxpayer id(s) normalised: spaces removed, full-width made "
                        "half-width, upper case (quality issue id_normalised)",))),
    # Column separators: the header row decides (comma, semicolon, tab, pipe).
    Case("grid_units_semicolon_separated", recode("grid_units.csv", "utf-8", delimiter=";"),
         Works(staged=(Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84),
                       Staged("select record_id, unit_name from stg_grid_units order by 1",
                              [(rid, name) for rid, _, name, *_ in tiny.UNITS])),
               summary=("note: grid_units.csv: read as semicolon-separated",)),
         subprocess=True),
    Case("grid_units_semicolon_separated_malformed_row",  # the exact (slow) path splits at semicolons too
         chain(recode("grid_units.csv", "utf-8", delimiter=";"),
               edit_lines("grid_units.csv", lambda ls: [*ls[:3], ls[3] + ";多余", *ls[4:]])),
         Works(rejects=rejects(("grid_units", 3, "R003", "malformed_row")),
               staged=(Staged("select record_id from stg_grid_units order by 1",
                              [("R001",), ("R002",), ("R004",), ("R005",)]),),
               summary=("note: grid_units.csv: read as semicolon-separated",))),
    Case("taxpayers_pipe_separated_gb18030",
         recode("taxpayers.csv", "gb18030", chinese_headers=True, delimiter="|"),
         Works(encodings={"taxpayers": "gb18030"}, staged=(Staged(TP, TINY_NAMES),),
               summary=("note: taxpayers.csv: read as pipe-separated",))),
    Case("grid_units_colon_separated",
         lambda f: (f / "grid_units.csv").write_text((f / "grid_units.csv").read_text("utf-8").replace(",", ":"),
                                                     encoding="utf-8"),
         Fails("grid_units.csv", "grid_units.csv: no known column in the header row; separate the columns with a "
                                 "comma, semicolon, tab or pipe and use the contract's column names")),
    # UTF-16: Excel's "Unicode text" (UTF-16 LE with BOM, tab-separated), and UTF-16 BE with BOM.
    Case("taxpayers_excel_unicode_text",
         recode("taxpayers.csv", "utf-16-le", chinese_headers=True, delimiter="\t", bom=b"\xff\xfe"),
         Works(encodings={"taxpayers": "utf-16-le"},
               staged=(Staged(TP, TINY_NAMES),
                       Staged(f"select legal_rep, reg_address, lng from stg_taxpayers where taxpayer_id = '{U[3]}'",
                              [("张三", "宝安区测试路3号", 113.875)])),
               summary=("note: taxpayers.csv: read as tab-separated",)),
         subprocess=True),
    Case("grid_units_utf16_be_bom", recode("grid_units.csv", "utf-16-be", bom=b"\xfe\xff"),
         Works(encodings={"grid_units": "utf-16-be"},
               staged=(Near("select lng, lat from stg_grid_units where record_id = 'R001'", *R001_WGS84),))),
    Case("taxpayers_utf16_bom_odd_bytes",
         lambda f: (f / "taxpayers.csv").write_bytes(b"\xff\xfe" + (f / "taxpayers.csv").read_text("utf-8")
                                                     .encode("utf-16-le")[:-1]),
         Fails("taxpayers.csv", "taxpayers.csv: starts with a UTF-16-LE byte-order mark but is not valid UTF-16-LE "
                                "(undecodable bytes at offset …); save it as UTF-8")),
]

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
