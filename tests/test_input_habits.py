"""Other bureaus' export habits (docs/etl-rules.md): UTF-16 files, other column separators, swapped
经度/纬度 columns, identifiers in lower case, padded or full-width, and the summary of a run that
rejected most of a source.

The corpus (tests/bad_inputs.py) runs one case of each through the CLI; these tests pin the pieces
(decoding, separator detection, the vectorised read) and the rules' edges on whole runs.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tiny_region as tiny
from etl import read
from etl.pipeline import REJECTED_SHARE_WARNING, RunResult, SourceCount, run_etl, run_notes, run_summary
from etl.read import InputError, read_tabular
from etl.schema import GRID_UNITS, TAXPAYERS
from tiny_region import uscc, write_tiny_region

U = [uscc(i) for i in range(10)]


# --- decoding ----------------------------------------------------------------------------------------------

TEXT = "taxpayer_id\tname\r\n91440306MA5000001A\t深圳市鑫华达电子科技有限公司\r\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16-le"),
    (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: the NUL bytes of the ASCII characters tell
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
])
def test_decode_names_the_encoding_and_gives_utf8(data: bytes, encoding: str) -> None:
    got, text, utf8 = read._decode(data, Path("taxpayers.csv"))
    assert (got, text, utf8) == (encoding, TEXT, TEXT.encode("utf-8"))


def test_utf16_bom_with_broken_bytes_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match=r"^taxpayers\.csv: starts with a UTF-16-LE byte-order mark but is not "
                                         r"valid UTF-16-LE \(undecodable bytes at offset \d+\); save it as UTF-8$"):
        read._decode(b"\xff\xfe" + TEXT.encode("utf-16-le")[:-1], Path("taxpayers.csv"))


def test_chinese_text_without_ascii_is_not_taken_for_utf16() -> None:
    """GB18030 and UTF-8 never hold NUL bytes: only UTF-16 is guessed from them."""
    data = "纳税人识别号,纳税人名称\r\n".encode("gb18030")
    assert read._decode(data, Path("t.csv"))[0] == "gb18030"


# --- column separators -------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_header_decides_the_separator(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "grid_units.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(tiny.UNIT_HEADER)
        # cells holding the other separators stay whole
        w.writerow(["R001", "4403060010001", "鑫华达;电子|科技,有限", "", "测试路1号", "", "113.8561", "22.5526",
                    "GCJ02", "在营", "零售", "2026-03-01 10:00:00", "W001"])
    source = read_tabular(path, GRID_UNITS)
    assert source.delimiter == delimiter
    assert source.rows_read == 1
    row = source.table.to_pylist()[0]
    assert (row["record_id"], row["unit_name"], row["lat"]) == ("R001", "鑫华达;电子|科技,有限", "22.5526")


def test_comma_wins_a_tie(tmp_path: Path) -> None:
    """A one-column header names as many columns whatever the separator: the comma is assumed."""
    assert read._sniff_delimiter("taxpayer_id\r\nX\r\n", Path("t.csv"), TAXPAYERS)[0] == ","


def test_a_header_no_separator_splits_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "taxpayers.csv"
    path.write_text("taxpayer_id:name:reg_address:status\r\nA:B:C:D\r\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^taxpayers\.csv: no known column in the header row; separate the "
                                         r"columns with a comma, semicolon, tab or pipe"):
        read_tabular(path, TAXPAYERS)


def test_semicolon_file_is_read_by_arrow_not_row_by_row(tmp_path: Path, monkeypatch) -> None:
    """Readers stay vectorised: a well-formed semicolon file never takes the per-row Python path."""
    path = tmp_path / "grid_units.csv"
    row = "R{0};4403060010001;店{0};;路{0}号;;113.8561;22.5526;GCJ02;在营;零售;2026-03-01 10:00:00;W001\r\n"
    text = ";".join(tiny.UNIT_HEADER) + "\r\n" + "".join(row.format(i) for i in range(50_000))
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))

    def per_row(*_):
        raise AssertionError("took the per-row path")

    monkeypatch.setattr(read, "_rows_to_table", per_row)
    source = read_tabular(path, GRID_UNITS)
    assert (source.rows_read, source.encoding, source.delimiter) == (50_000, "utf-16-le", ";")
    assert source.table.column("record_id")[49_999].as_py() == "R49999"


# --- whole runs ----------------------------------------------------------------------------------------------


def _rewrite(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    edit(rows[0], rows[1:])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _query(out: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _issues(out: Path, code: str) -> list[tuple]:
    return _query(out, f"select source, row_number, record_key from quality_issues where issue = '{code}' "
                       "order by source, row_number")


def test_a_minority_of_swapped_rows_does_not_turn_the_file(tmp_path: Path) -> None:
    """Two of five units swapped: the file is read as written, those two rejected (out of range)."""
    folder = write_tiny_region(tmp_path / "in")

    def edit(header, rows):
        i, j = header.index("lng"), header.index("lat")
        for r in rows[:2]:
            r[i], r[j] = r[j], r[i]

    _rewrite(folder / "grid_units.csv", edit)
    result = run_etl(folder, tmp_path / "out")
    assert _query(tmp_path / "out", "select row_number, reason from rejects order by 1") == [
        (1, "position_out_of_range"), (2, "position_out_of_range")]
    assert _issues(tmp_path / "out", "lng_lat_swapped") == []
    # (the tiny region's linkage falls back to the shipped parameters: that warning is not this test's)
    assert not any(line.startswith("WARNING") and not line.startswith("WARNING: linkage: ")
                   for line in run_summary(result).splitlines())


def _shift_region(folder: Path, dlng: float, dlat: float) -> None:
    """Move the tiny region by (dlng, dlat) degrees, every position in WGS84."""
    for name in ("streets.geojson", "grids.geojson"):
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        for feature in data["features"]:
            ring = feature["geometry"]["coordinates"][0]
            feature["geometry"]["coordinates"][0] = [[x + dlng, y + dlat] for x, y in ring]
        (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def taxpayers(header, rows):
        for r in rows:
            r[header.index("lng")] = f"{float(r[header.index('lng')]) + dlng:.6f}"
            r[header.index("lat")] = f"{float(r[header.index('lat')]) + dlat:.6f}"

    _rewrite(folder / "taxpayers.csv", taxpayers)

    def units(header, rows):
        for r, (*_, lng, lat, _status) in zip(rows, tiny.UNITS, strict=True):
            r[header.index("lng")] = f"{lng + dlng:.6f}"
            r[header.index("lat")] = f"{lat + dlat:.6f}"
            r[header.index("coord_sys")] = "WGS84"

    _rewrite(folder / "grid_units.csv", units)


def test_swap_is_judged_against_the_region_not_china(tmp_path: Path) -> None:
    """A region at 10° E 50° N: swapped, its points (50, 10) are valid coordinates, only not the region's."""
    folder = write_tiny_region(tmp_path / "in")
    _shift_region(folder, 10.0 - 113.85, 50.0 - 22.55)

    def swap(header, rows):
        i, j = header.index("lng"), header.index("lat")
        header[i], header[j] = header[j], header[i]

    _rewrite(folder / "grid_units.csv", swap)
    result = run_etl(folder, tmp_path / "out")
    out = tmp_path / "out"
    assert _query(out, "select count(*) from rejects") == [(0,)]
    assert [r[1] for r in _issues(out, "lng_lat_swapped")] == [1, 2, 3, 4, 5]
    lng, lat = _query(out, "select lng, lat from stg_grid_units where record_id = 'R001'")[0]
    assert (round(lng, 4), round(lat, 4)) == (round(113.8551 - 103.85, 4), round(22.5551 + 27.45, 4))
    # the taxpayers, written the right way round, are read as written
    assert _issues(out, "lng_lat_swapped") == [("grid_units", i, f"R00{i}") for i in range(1, 6)]
    assert "WARNING: grid_units.csv: the lng (经度) and lat (纬度) columns are swapped" in run_summary(result)


def test_parquet_swapped_floats_and_messy_ids(tmp_path: Path) -> None:
    """The Parquet path (DuckDB reads the file in place) gets the same repairs as CSV."""
    folder = write_tiny_region(tmp_path / "in")
    with (folder / "grid_units.csv").open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    (folder / "grid_units.csv").unlink()
    columns = {h: pa.array([r[i] or None for r in rows], pa.string()) for i, h in enumerate(header)}
    columns["lng"] = pa.array([float(r[header.index("lat")]) for r in rows], pa.float64())
    columns["lat"] = pa.array([float(r[header.index("lng")]) for r in rows], pa.float64())
    columns["uscc"] = pa.array([f" {u[:4]}\u3000{u[4:].lower()}" if u else None
                                for u in (r[header.index("uscc")] for r in rows)], pa.string())
    pq.write_table(pa.table(columns), folder / "grid_units.parquet")
    run_etl(folder, tmp_path / "out")
    out = tmp_path / "out"
    assert [r[2] for r in _issues(out, "lng_lat_swapped")] == [f"R00{i}" for i in range(1, 6)]
    assert _issues(out, "id_normalised") == [("grid_units", 1, "R001"), ("grid_units", 3, "R003"),
                                             ("grid_units", 4, "R004")]
    assert _query(out, "select record_id, taxpayer_id from unit_links where method = 'uscc' order by 1") == [
        ("R001", U[1]), ("R003", U[3]), ("R004", U[4])]


@pytest.mark.parametrize(("written", "normalised"), [
    ("91440306ma5000001a", U[1]),
    ("9144 0306 MA50 0000 1A", U[1]),                 # grouped by fours
    ("914403\t06MA5000001A", U[1]),                   # a tab inside
    ("91440306\u00a0MA5000001A", U[1]),               # no-break space
    ("91440306\u200bMA5000001A", U[1]),               # zero-width space
    ("９１４４０３０６ｍａ５０００００１ａ", U[1]),     # full-width, lower case
    ("440306１２３４５６７８９－X", "440306123456789-X"),  # full-width hyphen
])
def test_id_spellings_become_one_key(tmp_path: Path, written: str, normalised: str) -> None:
    """Each spelling of taxpayer 1's id (or another id) is staged as one key, with id_normalised; the check
    digit is checked on the normalised id (no uscc_check_digit for a lower-case valid USCC)."""
    folder = write_tiny_region(tmp_path / "in")
    _rewrite(folder / "taxpayers.csv", lambda h, rows: rows[0].__setitem__(0, written))
    run_etl(folder, tmp_path / "out")
    out = tmp_path / "out"
    assert _query(out, "select taxpayer_id, taxpayer_id_raw from stg_taxpayers where source_row = 1") == [
        (normalised, written)]
    issues = _query(out, "select issue from quality_issues where source = 'taxpayers' and row_number = 1 "
                         "order by 1")
    expected = ["id_normalised"] if normalised == U[1] else ["id_normalised", "uscc_format"]
    assert [i[0] for i in issues] == expected
    if normalised == U[1]:  # its declarations and its unit still find it
        assert _query(out, "select count(*) from quality_issues where issue = 'taxpayer_unknown'") == [(0,)]
        assert _query(out, "select method from unit_links where record_id = 'R001'") == [("uscc",)]


def test_an_id_of_only_invisible_spaces_is_missing(tmp_path: Path) -> None:
    folder = write_tiny_region(tmp_path / "in")
    _rewrite(folder / "taxpayers.csv", lambda h, rows: rows[1].__setitem__(0, "\u200b\u200b"))
    run_etl(folder, tmp_path / "out")
    # record_key is the key as written (the data contract)
    assert _query(tmp_path / "out", "select row_number, record_key, reason from rejects where source = 'taxpayers'"
                  ) == [(2, "\u200b\u200b", "missing_key")]


# --- the summary -------------------------------------------------------------------------------------------


def _result(rows_read: int, rows_rejected: int, reasons: dict[str, int]) -> RunResult:
    count = SourceCount("grid_units", "grid_units.csv", "utf-8", rows_read, rows_read - rows_rejected,
                        rows_rejected, 0, reasons)
    return RunResult(run_id="r", warehouse=Path("w"), sources=[count])


def test_summary_warns_when_most_rows_are_rejected() -> None:
    notes = run_notes(_result(17185, 17185, {"outside_region": 17000, "position_missing": 185}))
    assert notes == ["WARNING: grid_units.csv: 17185 of 17185 rows rejected (100%; outside_region 17000, "
                     "position_missing 185); 0 staged: see the rejects table before using this warehouse"]
    assert notes[0] in run_summary(_result(17185, 17185, {"outside_region": 17000, "position_missing": 185}))


def test_summary_is_quiet_at_half_rejected() -> None:
    assert REJECTED_SHARE_WARNING == 0.5
    assert run_notes(_result(10, 5, {"outside_region": 5})) == []
    assert run_notes(_result(10, 6, {"outside_region": 6}))[0].startswith("WARNING: grid_units.csv: 6 of 10 rows")
