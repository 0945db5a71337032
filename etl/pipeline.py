"""`taxmap etl`: read the input folder, build the warehouse, publish it atomically.

The warehouse is built in a temporary file beside the target and moved over
``warehouse.duckdb`` with one ``os.replace`` only after every model and
check succeeded, so a failed or killed run leaves the previous warehouse
untouched and readable.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

import taxmap
from etl import db, geo, runner
from etl.linkage import model as link_model
from etl.linkage import models as linkage_models
from etl.risk import models as risk_models
from etl.read import DELIMITER_NAMES, InputError, Manifest, SourceFile, read_inputs, read_manifest
from etl.schema import SOURCES

WAREHOUSE_NAME = "warehouse.duckdb"
RUN_TABLES = ("etl_runs", "etl_run_sources", "etl_run_stages", "etl_run_kpis", "etl_run_taxpayers")
# etl_run_taxpayers keeps each taxpayer's cell and figures for this many runs (this one included): what
# the comparison between two runs reads (taxmap/data/changes.py); older runs keep their other history
TAXPAYER_HISTORY_RUNS = 12
LOCK_NAME = ".taxmap-etl.lock"
TMP_PREFIX = ".warehouse."
TMP_SUFFIX = ".tmp.duckdb"
# staged table and key column per source, for the run's accounting
STAGED_TABLES = {
    "streets": "stg_streets",
    "grids": "stg_grids",
    "taxpayers": "stg_taxpayers",
    "grid_units": "stg_grid_units",
    "declarations": "stg_declarations",
    "officers": "stg_officers",
    "task_results": "stg_task_results",
}


@dataclass
class SourceCount:
    source: str
    file: str | None
    encoding: str | None
    rows_read: int
    rows_staged: int
    rows_rejected: int
    quality_issues: int
    # for the run summary: rejected rows per reason, quality issues per code, a CSV's column separator
    reject_reasons: dict[str, int] = field(default_factory=dict)
    issue_codes: dict[str, int] = field(default_factory=dict)
    delimiter: str | None = None


@dataclass
class RunResult:
    run_id: str
    warehouse: Path
    skipped: bool = False
    sources: list[SourceCount] = field(default_factory=list)
    stages: list[runner.Timing] = field(default_factory=list)
    seconds: float = 0.0
    # risk indicators this run could not compute: code → the inputs it lacked
    skipped_indicators: dict[str, list[str]] = field(default_factory=dict)
    # how the linkage model was trained: method ('labels', 'em', 'shipped'), n_labels, warnings
    linkage: dict = field(default_factory=dict)

    @property
    def shipped_model(self) -> bool:
        """The run linked with the shipped parameters (the last resort): `taxmap etl` exits 3."""
        return self.linkage.get("method") == "shipped"


Progress = Callable[[runner.Timing, int, int], None]


def warehouse_path(out_dir: Path) -> Path:
    return Path(out_dir) / WAREHOUSE_NAME


def input_fingerprint(input_dir: Path) -> str:
    """Hash of the input files, the models and the code version: equal means the same result."""
    digest = hashlib.sha256(taxmap.__version__.encode())
    for path in sorted(runner.MODELS_DIR.rglob("*.sql")):
        digest.update(path.read_bytes())
    for path in sorted(p for p in Path(input_dir).iterdir() if p.is_file()):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def last_run(warehouse: Path) -> tuple[pa.Table | None, ...]:
    """The previous warehouse's run history (runs, sources, stages, per-street figures, the taxpayers
    of its newest TAXPAYER_HISTORY_RUNS - 1 runs), a None for each table it lacks (warehouses before
    etl_run_kpis or etl_run_taxpayers keep the rest of their history)."""
    if not warehouse.is_file():
        return (None,) * len(RUN_TABLES)
    try:
        con = db.connect(warehouse, read_only=True)
    except duckdb.Error:
        return (None,) * len(RUN_TABLES)
    try:
        history = []
        for table in RUN_TABLES:
            try:
                sql = f"select * from {table}"
                if table == "etl_run_taxpayers":
                    sql += (" where run_id in (select run_id from etl_runs order by finished_at desc "
                            f"limit {TAXPAYER_HISTORY_RUNS - 1})")
                history.append(con.execute(sql).to_arrow_table())
            except duckdb.Error:
                history.append(None)
        return tuple(history)
    finally:
        con.close()


def run_etl(input_dir: Path, out_dir: Path, *, force: bool = False, progress: Progress | None = None,
            threads: int | None = None, memory_limit: str | None = None,
            keep_intermediate: bool = False, linkage_backend: str = "duckdb") -> RunResult:
    """Build and publish the warehouse. ``keep_intermediate`` also publishes the
    ephemeral models (staged declarations, checks) for audits; it is slower."""
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    input_dir, out_dir = Path(input_dir), Path(out_dir)
    if not input_dir.is_dir():
        raise InputError(f"{input_dir}: input folder does not exist")
    out_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(out_dir):
        return _run(input_dir, out_dir, started, started_at, force, progress, threads, memory_limit,
                    keep_intermediate, linkage_backend)


@contextmanager
def _exclusive(out_dir: Path):
    """One run per output folder at a time: a second one says so instead of racing the first."""
    with open(out_dir / LOCK_NAME, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{out_dir}: another taxmap etl is writing this folder; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(input_dir: Path, out_dir: Path, started: float, started_at: dt.datetime, force: bool,
         progress: Progress | None, threads: int | None, memory_limit: str | None,
         keep_intermediate: bool, linkage_backend: str) -> RunResult:
    target = warehouse_path(out_dir)
    fingerprint = input_fingerprint(input_dir)
    history = last_run(target)
    runs = history[0]
    if not force and runs is not None and runs.num_rows:
        previous = runs.to_pylist()[-1]
        if previous["input_fingerprint"] == fingerprint:
            return RunResult(run_id=previous["run_id"], warehouse=target, skipped=True)

    run_id = f"{started_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    _remove_stale_temporaries(out_dir)
    tmp = out_dir / f"{TMP_PREFIX}{run_id}{TMP_SUFFIX}"
    scratch = out_dir / f"{TMP_PREFIX}{run_id}.spill"
    report = progress or (lambda *_: None)
    try:
        t0 = time.perf_counter()
        manifest = read_manifest(input_dir)
        files = read_inputs(input_dir)
        # Built in memory (spilling to a scratch folder if it must); only the published
        # tables are written to the new warehouse file, at the end.
        con = db.connect(":memory:", threads=threads, memory_limit=memory_limit, temp_directory=scratch)
        con.execute(f"attach '{_sql_literal(tmp)}' as published")
        try:
            _prepare(con, files, manifest, linkage_backend)
            read_timing = runner.Timing("read inputs", time.perf_counter() - t0,
                                        sum(f.rows_read for f in files.values()))
            report(read_timing, 0, 0)
            models = discover_models()
            try:
                result = runner.run(con, models, on_model=report, keep=keep_intermediate)
            except runner.ModelError:
                # Without a street polygon later models break their own tests: report the input's fault.
                _require_region(con, files)
                raise
            _require_region(con, files)
            counts = _account(con, files, {t.name: t.rows for t in result.timings})
            skipped = dict(con.execute(
                "select code, missing_inputs from risk_indicators where status = 'skipped' order by code").fetchall())
            stages = [read_timing, *result.timings]
            method, n_labels, link_warnings = con.execute(
                "select training_method, n_labels, warnings from link_model where pass = 'local'").fetchone()
            linkage = {"method": method, "n_labels": n_labels, "warnings": list(link_warnings or [])}
            finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            _write_run_tables(con, run_id, started_at, finished_at, input_dir, fingerprint, manifest, counts,
                              stages, history, linkage["warnings"])
            published = [m.name for m in runner.build_order(models) if keep_intermediate or not m.ephemeral]
            published += list(RUN_TABLES)
            for name in published:
                con.execute(f"create table published.{name} as select * from {name}")
            con.execute("detach published")
        finally:
            con.close()
            shutil.rmtree(scratch, ignore_errors=True)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(out_dir)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    return RunResult(run_id=run_id, warehouse=target, sources=counts, stages=stages,
                     seconds=time.perf_counter() - started, skipped_indicators=skipped, linkage=linkage)


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Temporaries of runs that were killed; never the published warehouse."""
    for path in out_dir.glob(f"{TMP_PREFIX}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _sql_literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prepare(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile], manifest: Manifest,
             linkage_backend: str = "duckdb") -> None:
    variables = {
        "default_coord_sys": manifest.default_coord_sys,
        "boundary_coord_sys": manifest.boundary_coord_sys,
        "region_buffer_m": geo.REGION_BUFFER_M,
        "address_mismatch_m": manifest.address_mismatch_m,
        "survey_start": manifest.survey_start,
        "survey_end": manifest.survey_end,
        "link_threshold": manifest.link_threshold,
        "review_threshold": manifest.review_threshold,
        "risk_high_score": manifest.risk_high_score,
        "risk_medium_score": manifest.risk_medium_score,
        "linkage_backend": linkage_backend,
        "link_local_grams": link_model.LOCAL_GRAMS,
        "link_wide_max_df": link_model.WIDE_MAX_DF,
        "link_address_max_df": link_model.ADDRESS_MAX_DF,
        "taxpayers_have_position": {"lng", "lat"} <= files["taxpayers"].present_columns,
    }
    for name, value in variables.items():
        con.execute(f"set variable {name} = ?", [value])
    con.execute((runner.MODELS_DIR / "macros.sql").read_text(encoding="utf-8"))
    for name, source in SOURCES.items():
        if name not in files:  # an absent optional source is an empty one
            columns = {c.name: pa.array([], pa.string()) for c in source.columns}
            empty = pa.table({"_row": pa.array([], pa.int64()), **columns, "_malformed": pa.array([], pa.bool_())})
            SourceFile(source=source, path=Path(name), table=empty).load(con, f"raw_{name}")
            continue
        files[name].load(con, f"raw_{name}")


def _require_region(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile]) -> None:
    try:
        streets = con.execute("select count(*) from stg_streets").fetchone()[0]
    except duckdb.CatalogException:
        return  # not built yet: a model before it failed, and that error stands
    if streets == 0:
        raise InputError(f"{files['streets'].path.name}: no usable street polygon (every feature was rejected)")


def _account(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile],
             built: dict[str, int]) -> list[SourceCount]:
    """Rows read, staged, rejected and repaired per source; staged + rejected must equal read."""
    rejected = dict(con.execute("select source, count(*) from rejects group by source").fetchall())
    issues = dict(con.execute("select source, count(*) from quality_issues group by source").fetchall())
    reasons: dict[str, dict[str, int]] = {}
    for source, reason, n in con.execute("select source, reason, count(*) from rejects group by all").fetchall():
        reasons.setdefault(source, {})[reason] = n
    codes: dict[str, dict[str, int]] = {}
    for source, issue, n in con.execute("select source, issue, count(*) from quality_issues group by all").fetchall():
        codes.setdefault(source, {})[issue] = n
    counts = []
    for name, staged_table in STAGED_TABLES.items():
        file = files.get(name)
        read = file.rows_read if file else 0
        staged = built[staged_table]
        if staged + rejected.get(name, 0) != read:
            raise runner.ModelError(f"{name}: staged {staged} + rejected {rejected.get(name, 0)} != read {read}")
        counts.append(SourceCount(name, file.path.name if file else None, file.encoding if file else None,
                                  read, staged, rejected.get(name, 0), issues.get(name, 0),
                                  reasons.get(name, {}), codes.get(name, {}), file.delimiter if file else None))
    return counts


def _write_run_tables(con, run_id, started_at, finished_at, input_dir, fingerprint, manifest, counts, stages,
                      history, warnings: list[str]) -> None:
    runs, run_sources, run_stages, run_kpis, run_taxpayers = history
    con.execute(
        """
        create table etl_runs (
            run_id varchar primary key, started_at timestamp, finished_at timestamp, status varchar,
            input_dir varchar, input_fingerprint varchar, taxmap_version varchar, region_name varchar,
            survey_start date, survey_end date,
            rows_read map(varchar, bigint), rows_staged map(varchar, bigint), rows_rejected map(varchar, bigint),
            quality_issues map(varchar, bigint), seconds double,
            -- what users must read before trusting the run (the linkage model's training, docs/linkage.md)
            warnings varchar[]
        )
        """
    )
    con.execute(
        """
        create table etl_run_sources (
            run_id varchar, source varchar, file varchar, encoding varchar,
            rows_read bigint, rows_staged bigint, rows_rejected bigint, quality_issues bigint
        )
        """
    )
    con.execute("create table etl_run_stages (run_id varchar, stage varchar, seconds double, rows bigint)")
    con.execute(
        """
        create table etl_run_kpis (
            run_id varchar, street_code varchar, taxpayers bigint, units bigint, linked bigint,
            discrepancies bigint, unregistered bigint, not_found bigint, high_risk bigint, tax_paid_12m decimal(38, 2)
        )
        """
    )
    con.execute(
        """
        create table etl_run_taxpayers (
            run_id varchar, taxpayer_id varchar, h3_10 varchar, street_code varchar, grid_code varchar,
            category varchar, taxpayer_type varchar, entity_type varchar, credit_rating varchar, status varchar,
            risk_level varchar, risk_score double, tax_paid_12m double
        )
        """
    )
    for table, previous in (("etl_runs", runs), ("etl_run_sources", run_sources), ("etl_run_stages", run_stages),
                            ("etl_run_kpis", run_kpis), ("etl_run_taxpayers", run_taxpayers)):
        if previous is not None and previous.num_rows:
            con.register("_previous", previous)
            con.execute(f"insert into {table} by name select * from _previous")
            con.unregister("_previous")
    con.execute(
        "insert into etl_runs values (?, ?, ?, 'success', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id, started_at, finished_at, str(input_dir.resolve()), fingerprint, taxmap.__version__,
            manifest.region_name, manifest.survey_start, manifest.survey_end,
            {c.source: c.rows_read for c in counts}, {c.source: c.rows_staged for c in counts},
            {c.source: c.rows_rejected for c in counts}, {c.source: c.quality_issues for c in counts},
            (finished_at - started_at).total_seconds(), warnings,
        ],
    )
    con.executemany(
        "insert into etl_run_sources values (?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, c.source, c.file, c.encoding, c.rows_read, c.rows_staged, c.rows_rejected, c.quality_issues]
         for c in counts],
    )
    con.executemany("insert into etl_run_stages values (?, ?, ?, ?)",
                    [[run_id, s.name, s.seconds, s.rows] for s in stages])
    # each run's figures per street, kept with the history: the big screen's trend over runs
    con.execute(
        """
        insert into etl_run_kpis
        select ?, s.street_code,
               (select count(*) from stg_taxpayers t where t.street_code = s.street_code),
               (select count(*) from stg_grid_units u where u.street_code = s.street_code),
               (select count(*) from unit_links l join stg_grid_units u using (record_id)
                  where l.method <> 'none' and u.street_code = s.street_code),
               (select count(*) from discrepancies d where d.street_code = s.street_code),
               (select count(*) from discrepancies d where d.street_code = s.street_code and d.kind = 'unregistered'),
               (select count(*) from discrepancies d where d.street_code = s.street_code and d.kind = 'not_found'),
               (select count(*) from taxpayer_risk r where r.street_code = s.street_code and r.risk_level = 'high'),
               (select sum(f.tax_paid_12m) from fct_taxpayer_declarations f join stg_taxpayers t using (taxpayer_id)
                  where t.street_code = s.street_code)
        from stg_streets s
        """,
        [run_id],
    )
    # each located taxpayer's cell and figures in this run (as the map counts them): which tax sources
    # came, went or moved between two runs, per hexagon. Tax paid is unknown (NULL) for a run without
    # declarations, as in hex_stats.
    con.execute(
        """
        insert into etl_run_taxpayers
        select ?, taxpayer_id, h3_10, street_code, grid_code, category, taxpayer_type, entity_type,
               credit_rating, status, risk_level, risk_score,
               case when (select count(*) from fct_taxpayer_declarations) > 0 then tax_paid_12m end
        from map_taxpayers order by taxpayer_id
        """,
        [run_id],
    )


def discover_models() -> dict[str, runner.Model]:
    """Every model of a run: the SQL files and the Python models of geo, linkage and risk."""
    return runner.discover({**geo.PYTHON_MODELS, **linkage_models.PYTHON_MODELS, **risk_models.python_models()},
                           geo.EPHEMERAL_PYTHON_MODELS | linkage_models.EPHEMERAL_PYTHON_MODELS,
                           sources={f"raw_{s}" for s in SOURCES})


# More than this share of a source's rows rejected: the summary says so loudly (the run still succeeds:
# bad rows never fail it, docs/etl-rules.md), naming the commonest reasons.
REJECTED_SHARE_WARNING = 0.5


def run_notes(result: RunResult) -> list[str]:
    """Lines for what the run repaired or refused wholesale: read it before trusting the warehouse.

    ``WARNING:`` lines: most of a source's rows rejected; a file's lng/lat columns read swapped.
    ``note:`` lines: identifiers normalised, a CSV separated by something other than commas."""
    lines = []
    for c in result.sources:
        file = c.file or c.source
        if c.rows_read and c.rows_rejected > REJECTED_SHARE_WARNING * c.rows_read:
            top = sorted(c.reject_reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            why = ", ".join(f"{reason} {n}" for reason, n in top)
            lines.append(f"WARNING: {file}: {c.rows_rejected} of {c.rows_read} rows rejected "
                         f"({c.rows_rejected / c.rows_read:.0%}; {why}); {c.rows_staged} staged: see the rejects "
                         f"table before using this warehouse")
        swapped = c.issue_codes.get("lng_lat_swapped", 0)
        if swapped:
            lines.append(f"WARNING: {file}: the lng (经度) and lat (纬度) columns are swapped; {swapped} staged "
                         f"position(s) read as (lat, lng) (quality issue lng_lat_swapped)")
        normalised = c.issue_codes.get("id_normalised", 0)
        if normalised:
            lines.append(f"note: {file}: {normalised} taxpayer id(s) normalised: spaces removed, full-width made "
                         f"half-width, upper case (quality issue id_normalised)")
        if c.delimiter not in (None, ","):
            lines.append(f"note: {file}: read as {DELIMITER_NAMES[c.delimiter]}-separated")
    return lines


def linkage_notes(result: RunResult) -> list[str]:
    """``WARNING: linkage:`` lines: the model was not learned from this run's labels (docs/linkage.md)."""
    return [f"WARNING: linkage: {w}" for w in result.linkage.get("warnings", [])]


def run_summary(result: RunResult) -> str:
    if result.skipped:
        return f"input unchanged since run {result.run_id}: nothing to do (use --force to rebuild)"
    lines = [f"run {result.run_id} published {result.warehouse} in {result.seconds:.1f} s"]
    lines.append(f"{'source':<14}{'read':>10}{'staged':>10}{'rejected':>10}{'issues':>10}")
    for c in result.sources:
        lines.append(f"{c.source:<14}{c.rows_read:>10}{c.rows_staged:>10}{c.rows_rejected:>10}{c.quality_issues:>10}")
    if result.skipped_indicators:
        by_input: dict[str, list[str]] = {}
        for code, missing in result.skipped_indicators.items():
            by_input.setdefault(", ".join(missing), []).append(code)
        lines.append(f"risk: {len(result.skipped_indicators)} indicator(s) skipped for missing input")
        lines.extend(f"  no {inputs}: {', '.join(codes)}" for inputs, codes in sorted(by_input.items()))
    lines.extend(run_notes(result))
    lines.extend(linkage_notes(result))
    return "\n".join(lines)


def stderr_progress() -> Progress:
    """One line per finished step on stderr: how far the run is, what it built, how long it took."""

    def report(timing: runner.Timing, index: int, total: int) -> None:
        step = f"[{index:>2}/{total}]" if total else "[ read]"
        print(f"  {step} {timing.name:<28} {timing.rows:>12,} rows {timing.seconds:>7.2f} s",
              file=sys.stderr, flush=True)

    return report
