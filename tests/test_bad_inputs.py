"""The bad-input corpus (tests/bad_inputs.py) through `taxmap etl`.

Every case copies the tiny region, breaks one thing and runs the CLI into one
shared OUT folder that already holds a good warehouse:

* unusable input: exit 2, exactly one stderr line ``taxmap etl: <message>``
  naming the file (and column), no traceback, and the previous warehouse is
  untouched (same inode, bytes and mtime; opens read-only with its tables);
* bad rows: exit 0, ``rows_read == rows_staged + rows_rejected`` for every
  source of the new run, and exactly the expected ``rejects`` and
  ``quality_issues`` rows and staged values.

Most cases run ``taxmap.cli.main`` in-process (with capsys); those marked
``subprocess`` run the CLI in a child process instead, as a user would.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from bad_inputs import CASES, Case, Fails, Near, Staged, Works
from etl import db
from etl.coords import haversine_m
from etl.pipeline import LOCK_NAME, TMP_PREFIX, TMP_SUFFIX
from taxmap.cli import main
from tiny_region import write_tiny_region

REPO = Path(__file__).resolve().parent.parent
WAREHOUSE = "warehouse.duckdb"
# Tables a published warehouse has at least (data contract, plus the staged tables the app reads).
# The bad-row cases publish with --keep-intermediate, so they can also query stg_declarations.
CONTRACT_TABLES = {"unit_links", "hex_stats", "rejects", "quality_issues", "etl_runs", "etl_run_sources",
                   "stg_taxpayers", "stg_grid_units", "fct_taxpayer_declarations", "stg_officers", "stg_streets",
                   "stg_grids"}
PUBLISHED_RUNS: list[str] = []  # run ids the corpus published, in order


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory) -> Path:
    """The OUT folder every case runs into, holding a good warehouse before the first case."""
    out = tmp_path_factory.mktemp("corpus") / "out"
    good = write_tiny_region(tmp_path_factory.mktemp("good") / "input")
    # the tiny region is too small to train a linkage model of its own (tests/test_linkage.py checks the warning)
    assert main(["etl", "--input", str(good), "--out", str(out), "--quiet", "--allow-shipped-model"]) == 0
    PUBLISHED_RUNS.append(_newest_run(out))
    return out


def _newest_run(out: Path) -> str:
    con = duckdb.connect(str(out / WAREHOUSE), read_only=True)
    try:
        return con.execute("select run_id from etl_runs order by finished_at desc limit 1").fetchone()[0]
    finally:
        con.close()


def _broken_input(tmp_path: Path, case: Case) -> Path:
    folder = write_tiny_region(tmp_path / "input")
    case.breaks(folder)
    return folder


def _snapshot(path: Path) -> tuple:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()


def _assert_only_warehouse(out: Path) -> None:
    """No temporary (``.warehouse.*.tmp.duckdb``), scratch, WAL or other file beside the published warehouse
    (and the run lock, which stays)."""
    assert sorted(p.name for p in out.iterdir() if p.name != LOCK_NAME) == [WAREHOUSE]


def _expected_message(pattern: str, input_dir: Path) -> re.Pattern:
    parts = [re.escape(p.replace("{input}", str(input_dir))) for p in pattern.split("…")]
    return re.compile(".+".join(parts))


def _run_cli(argv: list[str], capsys, child: bool) -> tuple[int, str, str]:
    if child:
        proc = subprocess.run([sys.executable, "-m", "taxmap.cli", *argv], cwd=REPO, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        return proc.returncode, proc.stdout, proc.stderr
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _check_fails(case: Case, input_dir: Path, out: Path, capsys, child: bool) -> None:
    expect: Fails = case.expect
    target = out / WAREHOUSE
    before = _snapshot(target)
    tables_before = _tables(target)

    code, stdout, stderr = _run_cli(["etl", "--input", str(input_dir), "--out", str(out), "--quiet"], capsys, child)

    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr.endswith("\n"), stderr
    assert lines[0].startswith("taxmap etl: "), stderr
    message = lines[0].removeprefix("taxmap etl: ")
    assert _expected_message(expect.message, input_dir).fullmatch(message), message
    assert expect.file in message
    if expect.column:
        assert f"'{expect.column}'" in message or f"{expect.column} =" in message
    assert stdout == ""
    # The previous warehouse is untouched and still readable.
    assert _snapshot(target) == before
    _assert_only_warehouse(out)
    assert _tables(target) == tables_before
    assert CONTRACT_TABLES <= tables_before


def _check_works(case: Case, input_dir: Path, out: Path, capsys, child: bool) -> None:
    expect: Works = case.expect
    code, stdout, stderr = _run_cli(["etl", "--input", str(input_dir), "--out", str(out), "--quiet", "--force",
                                     "--keep-intermediate", "--allow-shipped-model"],
                                    capsys, child)
    assert code == 0, stderr
    assert stderr == ""
    match = re.match(r"run (\S+) published ", stdout)
    assert match, stdout
    run_id = match.group(1)
    PUBLISHED_RUNS.append(run_id)
    _assert_only_warehouse(out)
    # The summary's warnings and notes: exactly the expected ones (a clean case has none), besides the
    # linkage's: the tiny region is too small to train on, and the summary always says so.
    assert any(line.startswith("WARNING: linkage: ") for line in stdout.splitlines()), stdout
    notes = [line for line in stdout.splitlines()
             if line.startswith(("WARNING: ", "note: ")) and not line.startswith("WARNING: linkage: ")]
    assert len(notes) == len(expect.summary), notes
    for pattern in expect.summary:
        assert any(_expected_message(pattern, input_dir).fullmatch(line) for line in notes), (pattern, notes)

    assert _newest_run(out) == run_id
    spatial = any(getattr(check, "spatial", False) for check in expect.staged)
    # Loading the spatial extension costs ~0.2 s: only for the cases whose checks need it.
    con = db.connect(out / WAREHOUSE, read_only=True) if spatial else duckdb.connect(str(out / WAREHOUSE),
                                                                                     read_only=True)
    try:
        sources = {
            r[0]: r[1:]
            for r in con.execute(
                "select source, rows_read, rows_staged, rows_rejected, quality_issues, encoding, file "
                "from etl_run_sources where run_id = ?", [run_id]
            ).fetchall()
        }
        got_rejects = set(con.execute("select source, row_number, record_key, reason from rejects").fetchall())
        got_issues = set(con.execute("select source, row_number, record_key, issue from quality_issues").fetchall())
        n_issue_rows = con.execute("select count(*) from quality_issues").fetchone()[0]
        runs_read = dict(con.execute("select rows_read from etl_runs where run_id = ?", [run_id]).fetchone()[0])

        assert got_rejects == set(expect.rejects)
        assert got_issues == set(expect.issues)
        assert n_issue_rows == len(expect.issues)
        rejected = Counter(r[0] for r in expect.rejects)
        repaired = Counter(i[0] for i in expect.issues)
        read = expect.rows_read()
        assert set(sources) == set(read)
        for source, (rows_read, staged, rows_rejected, n_issues, _, _) in sources.items():
            assert (source, rows_read) == (source, read[source])
            assert (source, rows_read) == (source, staged + rows_rejected)
            assert (source, rows_rejected) == (source, rejected[source])
            assert (source, n_issues) == (source, repaired[source])
        assert runs_read == read
        for source, encoding in expect.encodings.items():
            assert sources[source][4] == encoding, source
        for source, file in expect.files.items():
            assert sources[source][5] == file, source

        for check in expect.staged:
            if isinstance(check, Staged):
                assert con.execute(check.sql).fetchall() == check.rows, check.sql
            else:
                assert isinstance(check, Near)
                rows = con.execute(check.sql).fetchall()
                assert len(rows) == 1, check.sql
                lng, lat = rows[0]
                assert float(haversine_m(lng, lat, check.lng, check.lat)) <= check.metres, (lng, lat)
    finally:
        con.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, corpus_out: Path, tmp_path: Path, capsys) -> None:
    """In-process, or for the cases marked ``subprocess`` through the CLI in a child process."""
    input_dir = _broken_input(tmp_path, case)
    check = _check_fails if isinstance(case.expect, Fails) else _check_works
    check(case, input_dir, corpus_out, capsys, child=case.subprocess)


def test_failure_without_quiet_ends_with_the_reason(corpus_out: Path, tmp_path: Path) -> None:
    """Without --quiet stderr also carries progress lines; the reason is the one last line, no traceback."""
    case = next(c for c in CASES if c.id == "all_streets_without_geometry")
    input_dir = _broken_input(tmp_path, case)
    before = _snapshot(corpus_out / WAREHOUSE)
    script = Path(sys.executable).parent / "taxmap"  # the installed console script, as a user types it
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "taxmap.cli"]
    proc = subprocess.run([*command, "etl", "--input", str(input_dir), "--out", str(corpus_out)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert "Traceback" not in proc.stderr
    assert lines[-1] == "taxmap etl: " + case.expect.message
    progress = re.compile(r"  \[(?: read|[ \d]\d+/\d+)\] \w[\w ]* +[\d,]+ rows +\d+\.\d\d s")
    assert lines[:-1] and all(progress.fullmatch(line) for line in lines[:-1]), lines
    assert _snapshot(corpus_out / WAREHOUSE) == before
    _assert_only_warehouse(corpus_out)


def test_corpus_leaves_no_temporaries(corpus_out: Path) -> None:
    """After the whole corpus ran into one OUT folder: only the warehouse, holding every published run."""
    assert not list(corpus_out.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}*"))
    _assert_only_warehouse(corpus_out)
    con = duckdb.connect(str(corpus_out / WAREHOUSE), read_only=True)
    try:
        runs = [r[0] for r in con.execute("select run_id from etl_runs order by finished_at").fetchall()]
    finally:
        con.close()
    assert runs == PUBLISHED_RUNS


def test_corpus_size() -> None:
    fails = [c for c in CASES if isinstance(c.expect, Fails)]
    works = [c for c in CASES if isinstance(c.expect, Works)]
    assert len(CASES) >= 25 and len(fails) >= 10 and len(works) >= 15
    assert sum(c.subprocess for c in fails) >= 2 and sum(c.subprocess for c in works) >= 1
