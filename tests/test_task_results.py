"""The optional task_results input (docs/task-results.md) on the tiny region: verified links, resolved
discrepancies and their history, newer evidence, bad rows, and a run without the file.

The tiny region (tests/tiny_region.py), as the ETL sees it without task results: R001, R003, R004 link by
USCC and R002 by matching; R005 (无照小卖部, 在营) links to nothing, taxpayer 5 (空壳商贸, 正常) has no unit;
R003 (在营) / taxpayer 3 (注销) and R004 (停业) / taxpayer 4 (正常) are status conflicts.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from etl import db
from etl.pipeline import run_etl
from tiny_region import uscc, write_tiny_region

HEADER = ["task_id", "record_id", "taxpayer_id", "result", "verified_at", "officer_id", "note"]
CHINESE_HEADER = ["任务编号", "采集记录编号", "纳税人识别号", "核查结果", "核查时间", "核查人员", "备注"]
T = {i: uscc(i) for i in range(1, 10)}
# The tiny region's discrepancies (kind, taxpayer_id, record_id, detail), as the ETL raised them before
# task results existed: without a task_results file they must stay exactly these.
TINY_DISCREPANCIES = [
    ("not_found", T[5], None, "登记状态正常的「深圳市空壳商贸有限公司」所在网格已采集，但未发现对应经营单位"),
    ("status_conflict", T[3], "R003", "网格采集经营状态为「在营」，税务登记状态为「注销」（「深圳市海航物流有限公司」）"),
    ("status_conflict", T[4], "R004", "网格采集经营状态为「停业」，税务登记状态为「正常」（「宝安区西乡好味道餐饮店」）"),
    ("unregistered", None, "R005", "网格采集在营单位「无照小卖部」未匹配到税务登记"),
]
R005_UNREGISTERED = TINY_DISCREPANCIES[3][3]


def q(path: Path, sql: str, params=None):
    con = db.connect(path, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def write_results(folder: Path, rows: list[list[str]], *, encoding: str = "utf-8", chinese: bool = False) -> None:
    with (folder / "task_results.csv").open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CHINESE_HEADER if chinese else HEADER)
        w.writerows(rows)


def set_collected_at(folder: Path, record_id: str, value: str) -> None:
    path = folder / "grid_units.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("collected_at")
    for row in rows[1:]:
        if row[0] == record_id:
            row[column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def build(base: Path, rows: list[list[str]] | None, **options) -> Path:
    folder = write_tiny_region(base / "input")
    if rows is not None:
        write_results(folder, rows, **options)
    return folder


def discrepancies(warehouse: Path) -> list[tuple]:
    return q(warehouse, "select kind, taxpayer_id, record_id, detail from discrepancies")


def links(warehouse: Path) -> dict[str, tuple]:
    return {r: (t, m, p) for r, t, m, p in q(warehouse, "select record_id, taxpayer_id, method, match_probability "
                                                      "from unit_links")}


# --- a verified link, results that apply to pairs, bad rows -------------------------------------------------

MIXED = [
    # an officer found 无照小卖部 (R005) to be taxpayer 5, 1.6 km from its registered address: a pair no
    # matcher makes (different name, far apart)
    ["RW-1", "R005", T[5], "已核实在营", "2026-03-10 09:30", "T001", "实为空壳商贸的门店"],
    # taxpayer 3 deregistered: resolves the status conflict of its pair (R003, taxpayer 3)
    ["RW-2", "", T[3], "deregistered", "2026-03-11", "T001", ""],
    # names R004 with another taxpayer: not about the pair (R004, taxpayer 4), whose conflict stays
    ["RW-3", "R004", T[2], "已迁出", "2026-03-11", "T001", ""],
    ["RW-4", "", "", "已注销", "2026-03-10", "", ""],                # missing_key
    ["RW-5", "R001", "", "核查中", "2026-03-10", "", ""],            # result_unknown
    ["RW-6", "R002", "", "已核实在营", "2026-02-30", "", ""],        # verified_at_unparseable
    ["RW-7", "R999", "", "查无此户", "2026-03-10", "", ""],          # kept: record_unknown
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("mixed")
    return run_etl(build(base, MIXED), base / "out").warehouse


def test_a_verified_link_fixes_a_pair_the_matcher_would_not_make(mixed, tiny_warehouse):
    assert links(tiny_warehouse)["R005"] == (None, "none", None)
    got = links(mixed)
    assert got["R005"] == (T[5], "verified", 1.0)
    assert {r: m for r, (_, m, _) in got.items()} == {"R001": "uscc", "R002": "probabilistic", "R003": "uscc",
                                                      "R004": "uscc", "R005": "verified"}
    # fixed before matching: the unit is not scored
    assert q(mixed, "select count(*) from link_scores where record_id = 'R005'") == [(0,)]
    assert q(mixed, "select record_id, taxpayer_id from int_unit_links_fixed where method = 'verified'") == [
        ("R005", T[5])]


def test_the_verified_pair_is_checked_like_any_link(mixed):
    kinds = {(k, t, r) for k, t, r, _ in discrepancies(mixed)}
    # linked now: no longer unregistered / not found, but 1.6 km from the registered address
    assert ("unregistered", None, "R005") not in kinds
    assert ("not_found", T[5], None) not in kinds
    assert ("address_mismatch", T[5], "R005") in kinds


def test_a_result_applies_to_a_pair_through_either_id_but_not_another_pair(mixed):
    kinds = {(k, t, r) for k, t, r, _ in discrepancies(mixed)}
    assert ("status_conflict", T[3], "R003") not in kinds
    assert ("status_conflict", T[4], "R004") in kinds
    resolved = q(mixed, "select kind, taxpayer_id, record_id, result, verified_at, task_id, officer_id, detail, "
                        "result_code, resolution from discrepancies_resolved")
    assert resolved == [("status_conflict", T[3], "R003", "已注销", dt.datetime(2026, 3, 11), "RW-2", "T001",
                         TINY_DISCREPANCIES[1][3], "deregistered", "已于 2026-03-11 核查为「已注销」（任务 RW-2），核查人员 T001")]


def test_bad_rows_are_rejected_with_reasons_and_counts_balance(mixed):
    assert q(mixed, "select row_number, record_key, reason from rejects where source = 'task_results' order by 1") == [
        (4, "", "missing_key"), (5, "R001", "result_unknown"), (6, "R002", "verified_at_unparseable")]
    assert q(mixed, "select row_number, record_key, issue from quality_issues where source = 'task_results'") == [
        (7, "R999", "record_unknown")]
    assert q(mixed, "select rows_read, rows_staged, rows_rejected, quality_issues, encoding from etl_run_sources "
                    "where source = 'task_results'") == [(7, 4, 3, 1, "utf-8")]
    assert q(mixed, "select source_row, result, result_code, is_latest from stg_task_results order by 1") == [
        (1, "已核实在营", "verified_operating", True), (2, "已注销", "deregistered", True),
        (3, "已迁出", "moved_out", True), (7, "查无此户", "not_found", True)]


# --- a resolved discrepancy, its history, and newer evidence -----------------------------------------------

RESOLVED = [
    # the file is not in time order: the latest per (record_id, taxpayer_id) is by verified_at
    ["RW-8", "R005", "", "新办登记", "2026-03-10 15:00", "T001", "已办理登记"],
    ["RW-7", "R005", "", "已核实在营", "2026-03-05 10:00", "T001", "确有经营，未登记"],
    # a result that confirms a discrepancy leaves it raised
    ["RW-9", "", T[5], "查无此户", "2026-03-12", "T001", ""],
]


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("resolved")
    return run_etl(build(base, RESOLVED), base / "out").warehouse


def test_newly_registered_resolves_the_unregistered_unit_and_keeps_the_history(resolved):
    assert ("unregistered", None, "R005", R005_UNREGISTERED) not in discrepancies(resolved)
    assert q(resolved, "select kind, taxpayer_id, record_id, result, verified_at, task_id, officer_id, detail, note "
                       "from discrepancies_resolved") == [
        ("unregistered", None, "R005", "新办登记", dt.datetime(2026, 3, 10, 15), "RW-8", "T001", R005_UNREGISTERED,
         "已办理登记")]
    # every result stays staged: the earlier one for the same key as history
    assert q(resolved, "select task_id, is_latest from stg_task_results order by source_row") == [
        ("RW-8", True), ("RW-7", False), ("RW-9", True)]
    # no link is made: the result names no taxpayer
    assert links(resolved)["R005"] == (None, "none", None)


def test_a_confirming_result_leaves_the_discrepancy_raised(resolved):
    assert TINY_DISCREPANCIES[0] in discrepancies(resolved)
    assert q(resolved, "select count(*) from discrepancies_resolved where kind = 'not_found'") == [(0,)]


def test_a_newer_collection_raises_it_again(tmp_path):
    folder = build(tmp_path, RESOLVED)
    set_collected_at(folder, "R005", "2026-04-01 10:00:00")  # visited again after the verification
    warehouse = run_etl(folder, tmp_path / "out").warehouse
    assert ("unregistered", None, "R005", R005_UNREGISTERED) in discrepancies(warehouse)
    assert q(warehouse, "select count(*) from discrepancies_resolved") == [(0,)]


def test_a_verified_link_overrides_a_uscc_link(tmp_path):
    folder = build(tmp_path, [["RW-1", "R004", T[5], "newly_registered", "2026-03-10", "", ""]])
    warehouse = run_etl(folder, tmp_path / "out").warehouse
    got = links(warehouse)
    assert got["R004"] == (T[5], "verified", 1.0)
    assert got["R001"] == (T[1], "uscc", 1.0) and got["R003"] == (T[3], "uscc", 1.0)
    kinds = {(k, t, r) for k, t, r, _ in discrepancies(warehouse)}
    # taxpayer 4 lost its unit; the new pair (R004 停业, taxpayer 5 正常) conflicts
    assert {("not_found", T[4], None), ("status_conflict", T[5], "R004")} <= kinds


# --- without the file, or with one that touches nothing -------------------------------------------------------


def test_without_the_file_the_discrepancies_are_as_before(tiny_warehouse):
    assert discrepancies(tiny_warehouse) == TINY_DISCREPANCIES
    assert q(tiny_warehouse, "select count(*) from discrepancies_resolved") == [(0,)]
    assert q(tiny_warehouse, "select count(*) from stg_task_results") == [(0,)]
    assert q(tiny_warehouse, "select file, rows_read, rows_staged, rows_rejected from etl_run_sources "
                             "where source = 'task_results'") == [(None, 0, 0, 0)]


def test_gb18030_chinese_headers_and_results_that_touch_nothing(tmp_path, tiny_warehouse):
    rows = [["RW-1", "R999", "", "查无此户", "2026年3月10日", "T001", "门店已拆除"],
            ["RW-2", "", T[9], "已迁出", "2026/03/11 08:00", "T001", ""]]
    folder = build(tmp_path, rows, encoding="gb18030", chinese=True)
    warehouse = run_etl(folder, tmp_path / "out").warehouse
    assert q(warehouse, "select encoding, rows_read, rows_staged from etl_run_sources "
                        "where source = 'task_results'") == [("gb18030", 2, 2)]
    assert q(warehouse, "select task_id, result, verified_at, note, quality_issues from stg_task_results "
                        "order by source_row") == [
        ("RW-1", "查无此户", dt.datetime(2026, 3, 10), "门店已拆除", ["record_unknown"]),
        ("RW-2", "已迁出", dt.datetime(2026, 3, 11, 8), None, ["taxpayer_unknown"])]
    assert discrepancies(warehouse) == discrepancies(tiny_warehouse)
    assert links(warehouse) == links(tiny_warehouse)
