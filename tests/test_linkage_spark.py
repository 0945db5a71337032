"""The linkage on Splink's Spark backend (pyspark, local[2]): the same links
as on DuckDB for one street of the generated region (trained on the run), the
same scores, columns and types for a run too small to train (shipped
parameters), and the setting and command-line option that choose it. Spark
needs Java: without pyspark or Java the Spark tests skip and say which is
missing."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from etl.linkage import model, score
from etl.linkage import spark as spark_backend
from etl.pipeline import run_etl
from taxmap.demo.evaluate import link_accuracy

MISSING = spark_backend.missing()
needs_spark = pytest.mark.skipif(MISSING is not None, reason=f"Spark linkage backend not tested: {MISSING}")

# One street of the `small` region: enough units left after the exact USCC links
# to train (model.MIN_TRAINING_UNITS), few enough for local Spark on two cores.
SAMPLE_UNITS = 850


@pytest.fixture(scope="module")
def spark():
    if MISSING:
        pytest.skip(f"Spark linkage backend not tested: {MISSING}")
    from pyspark.sql import SparkSession

    owned = SparkSession.getActiveSession() is None
    session = spark_backend.session("local[2]")
    yield session
    if owned:
        session.stop()


def _subset_csv(src: Path, dst: Path, encoding: str, column: str, keep) -> list[dict[str, str]]:
    with open(src, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r]
    index = header.index(column)
    kept = [r for r in body if len(r) > index and keep(r[index])]
    with open(dst, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([header, *kept])
    return [dict(zip(header, r)) for r in kept]


@pytest.fixture(scope="module")
def street_sample(small_region, tmp_path_factory) -> Path:
    """The street of the generated region with about SAMPLE_UNITS grid units: its
    taxpayers and units (exports as generated), all boundaries, and the truth of its units."""
    region = small_region[0]
    out = tmp_path_factory.mktemp("street")
    (out / "input").mkdir()
    (out / "truth").mkdir()
    with open(region / "input" / "grid_units.csv", encoding="utf-8-sig", newline="") as f:
        per_street = Counter(row["网格编码"][:9] for row in csv.DictReader(f) if row.get("网格编码"))
    street = min(per_street, key=lambda s: abs(per_street[s] - SAMPLE_UNITS))
    for name in ("streets.geojson", "grids.geojson", "manifest.toml"):
        shutil.copy(region / "input" / name, out / "input" / name)
    _subset_csv(region / "input" / "taxpayers.csv", out / "input" / "taxpayers.csv", "gb18030", "街道代码",
                lambda code: code == street)
    units = _subset_csv(region / "input" / "grid_units.csv", out / "input" / "grid_units.csv", "utf-8-sig",
                        "网格编码", lambda code: code.startswith(street))
    truth = pq.read_table(region / "truth" / "units.parquet")
    ids = pa.array(sorted({u["采集记录编号"] for u in units}))
    pq.write_table(truth.filter(pc.is_in(truth["record_id"], value_set=ids)), out / "truth" / "units.parquet")
    shutil.copy(region / "truth" / "discrepancies.parquet", out / "truth" / "discrepancies.parquet")
    return out


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _links(warehouse: Path) -> dict[str, str | None]:
    return dict(_query(warehouse, "select record_id, taxpayer_id from unit_links"))


def _columns(warehouse: Path, table: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in _query(warehouse, f"describe {table}")]


def _trained(warehouse: Path) -> bool:
    return _query(warehouse, "select bool_and(trained_this_run) from link_model")[0][0]


@needs_spark
@pytest.mark.slow
def test_spark_links_a_street_as_duckdb_does(spark, street_sample: Path, tmp_path: Path) -> None:
    on_duckdb = run_etl(street_sample / "input", tmp_path / "duckdb", linkage_backend="duckdb").warehouse
    on_spark = run_etl(street_sample / "input", tmp_path / "spark", linkage_backend="spark").warehouse

    units = _query(on_spark, "select count(*) from unit_links")[0][0]
    scored = _query(on_spark, "select count(*) from unit_links where method <> 'uscc'")[0][0]
    assert 600 <= units <= 1200, f"the sample should hold 600-1,200 units, has {units}"
    assert scored >= model.MIN_TRAINING_UNITS, f"only {scored} units left to score: too few to train"
    assert _trained(on_duckdb) and _trained(on_spark)

    duck, sparked = _links(on_duckdb), _links(on_spark)
    assert duck.keys() == sparked.keys()
    same = sum(duck[k] == sparked[k] for k in duck)
    assert same / len(duck) >= 0.99, f"the backends agree on {same} of {len(duck)} units"
    for warehouse in (on_duckdb, on_spark):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            accuracy = link_accuracy(con, street_sample / "truth")
        assert accuracy.precision >= 0.98 and accuracy.recall >= 0.95, (warehouse.parent.name, accuracy.as_dict())
    assert _columns(on_spark, "link_scores") == _columns(on_duckdb, "link_scores")
    assert _columns(on_spark, "unit_links") == _columns(on_duckdb, "unit_links")


FEATURE_TYPES = {"name_core": "varchar", "name_fold": "varchar", "name_k2": "varchar", "addr_road": "varchar",
                 "addr_number": "varchar", "addr_building": "varchar", "addr_floor": "integer",
                 "addr_room": "varchar", "addr_key": "varchar", "category": "varchar", "uscc": "varchar",
                 "lng": "double", "lat": "double", "h3_block": "varchar[]", "name_df": "bigint", "rare_df": "bigint",
                 "coslat": "double", "h3_9": "varchar", "local_keys": "varchar[]", "wide_keys": "varchar[]",
                 "name_grams": "varchar[]"}


def _features(con: duckdb.DuckDBPyConnection, table: str, key: str, rows: list[dict], nulls: tuple[str, ...] = ()):
    """A feature table; the columns in ``nulls`` are NULL literals (no type of their own)."""
    columns = [key, *model.FEATURES]
    selects = []
    for row in rows:
        values = [f"'{row[key]}'"]
        for name in model.FEATURES:
            value = row.get(name)
            if name in nulls:
                values.append("null")
            elif value is None:
                values.append(f"null::{FEATURE_TYPES[name]}")
            elif isinstance(value, list):
                values.append("[" + ", ".join(f"'{v}'" for v in value) + "]")
            elif isinstance(value, str):
                values.append(f"'{value}'")
            else:
                values.append(f"{value}::{FEATURE_TYPES[name]}")
        selects.append("select " + ", ".join(f"{v} as {c}" for v, c in zip(values, columns)))
    con.execute(f"create table {table} as " + " union all ".join(selects))


UNITS = [
    {"record_id": "U1", "name_core": "伟华", "name_fold": "伟华", "name_k2": "伟华", "addr_road": "宝民一路",
     "addr_number": "235", "addr_key": "宝民一路#235", "addr_floor": 5, "addr_room": "506", "category": "零售",
     "lng": 113.8821, "lat": 22.5521, "coslat": 0.9239, "h3_block": ["89411cac417ffff", "89411cac41bffff"],
     "name_df": 0, "rare_df": 1, "local_keys": ["a:宝民一路#235"], "wide_keys": ["w:伟华", "n:伟华"]},
    {"record_id": "U2", "name_core": "鸿运餐饮", "name_fold": "鸿运餐饮", "name_k2": "鸿运", "addr_road": "共乐路",
     "addr_number": "252", "addr_key": "共乐路#252", "category": "餐饮", "uscc": "91440306MA5000002D",
     "lng": 113.8851, "lat": 22.5651, "coslat": 0.9238, "h3_block": ["89411cac6b7ffff"],
     "name_df": 0, "rare_df": 1, "local_keys": ["a:共乐路#252"], "wide_keys": ["w:鸿运", "n:鸿运餐饮"]},
    {"record_id": "U3", "name_core": "无名小店", "name_fold": "无名小店", "name_k2": "无名", "category": "零售",
     "lng": 113.8751, "lat": 22.5551, "coslat": 0.9238, "h3_block": ["89411cac423ffff"],
     "name_df": 0, "rare_df": 0, "local_keys": ["89411cac423ffff:无名"], "wide_keys": ["n:无名小店"]},
]
TAXPAYERS = [
    {"taxpayer_id": "T1", "name_core": "伟华科技", "name_fold": "伟华科技", "name_k2": "伟华", "addr_road": "宝民一路",
     "addr_number": "235", "addr_key": "宝民一路#235", "addr_floor": 5, "addr_room": "506", "category": "零售",
     "uscc": "91440306MA5000001A", "name_df": 1, "rare_df": 1, "local_keys": ["a:宝民一路#235"],
     "wide_keys": ["w:伟华", "n:伟华科技"]},
    {"taxpayer_id": "T2", "name_core": "鸿运餐厅", "name_fold": "鸿运餐厅", "name_k2": "鸿运", "addr_road": "共乐路",
     "addr_number": "252", "addr_key": "共乐路#252", "category": "餐饮", "uscc": "91440306MA5000002D",
     "name_df": 1, "rare_df": 1, "local_keys": ["a:共乐路#252"], "wide_keys": ["w:鸿运", "n:鸿运餐厅"]},
]


@needs_spark
def test_spark_scores_have_the_duckdb_columns_types_and_values(spark) -> None:
    """A run too small to train (the shipped parameters): taxpayers without
    positions (lng and lat NULL literals, which DuckDB stores as INTEGER) against
    units with them, units without a USCC; the abbreviation 伟华 / 伟华科技 is
    scored by Jaro-Winkler as DuckDB does (on UTF-8 bytes)."""
    con = duckdb.connect()
    _features(con, "units", "record_id", UNITS, nulls=("uscc",))
    _features(con, "taxpayers", "taxpayer_id", TAXPAYERS, nulls=("lng", "lat"))
    assert con.execute("select typeof(lng) from taxpayers limit 1").fetchone()[0] == "INTEGER"
    kwargs = dict(review_threshold=0.0, link_threshold=0.9)
    on_duckdb = score.score(con, "select * from units", "select * from taxpayers", backend="duckdb", **kwargs)
    on_spark = score.score(con, "select * from units", "select * from taxpayers", backend="spark", spark=spark,
                           **kwargs)
    assert on_spark.pairs.schema == on_duckdb.pairs.schema
    assert on_spark.pairs.num_rows == on_duckdb.pairs.num_rows > 0
    # too few units to train: the shipped parameters, translated from DuckDB's SQL to Spark's
    assert on_spark.model["trained"] is on_duckdb.model["trained"] is False
    assert on_spark.model["local"]["sql_dialect"] == "spark"
    assert on_spark.model["local"]["probability_two_random_records_match"] == \
        on_duckdb.model["local"]["probability_two_random_records_match"]
    for name in on_duckdb.pairs.column_names:
        got, want = on_spark.pairs[name].to_pylist(), on_duckdb.pairs[name].to_pylist()
        if pa.types.is_floating(on_duckdb.pairs.schema.field(name).type):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), name
        else:
            assert got == want, name
    # nothing of the run is left in the session
    assert not [t.name for t in spark.catalog.listTables() if t.name.startswith(("lk_", "__splink"))]
    assert not [f.name for f in spark.catalog.listFunctions() if f.name.startswith("taxmap_")]


@needs_spark
def test_jaro_winkler_on_spark_is_duckdbs(spark) -> None:
    from splink import SparkAPI

    name = "taxmap_jaro_winkler_utf8_test"

    SparkAPI(spark_session=spark)  # registers Splink's UDFs
    spark_backend._utf8_jaro_winkler(spark, name)
    try:
        pairs = [("伟华", "伟华科技"), ("仜侀兽丌", "仜侀仝㖊"), ("MARTHA", "MARHTA"), ("宏兴手机", "宏兴通讯")]
        con = duckdb.connect()
        for a, b in pairs:
            want = con.execute("select jaro_winkler_similarity(?, ?)", [a, b]).fetchone()[0]
            got = spark.sql(f"select {name}('{a}', '{b}')").collect()[0][0]
            assert got == pytest.approx(want, abs=1e-12), (a, b)
    finally:
        spark.sql(f"drop temporary function if exists {name}")


def test_the_setting_chooses_the_backend(monkeypatch) -> None:
    from pydantic import ValidationError

    from taxmap.settings import Settings

    assert Settings(_env_file=None).linkage_backend == "duckdb"
    monkeypatch.setenv("TAXMAP_LINKAGE_BACKEND", "spark")
    assert Settings(_env_file=None).linkage_backend == "spark"
    monkeypatch.setenv("TAXMAP_LINKAGE_BACKEND", "hadoop")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


@pytest.mark.parametrize("lacking", ["java", "pyspark"])
def test_etl_on_spark_says_what_is_missing(lacking, tiny_input: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from taxmap import cli
    from taxmap.settings import get_settings

    if lacking == "java":
        monkeypatch.delenv("JAVA_HOME", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))
    else:
        real = spark_backend.importlib.util.find_spec
        monkeypatch.setattr(spark_backend.importlib.util, "find_spec",
                            lambda name, *a, **k: None if name == "pyspark" else real(name, *a, **k))
    monkeypatch.setenv("TAXMAP_LINKAGE_BACKEND", "spark")
    get_settings.cache_clear()
    try:
        code = cli.main(["etl", "--input", str(tiny_input), "--out", str(tmp_path / "out"), "--quiet"])
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("taxmap etl: ")
    assert ("Java" in err) if lacking == "java" else ("pyspark" in err)
    assert not (tmp_path / "out" / "warehouse.duckdb").exists()
    # the option overrides the setting
    assert cli.main(["etl", "--input", str(tiny_input), "--out", str(tmp_path / "out"), "--quiet",
                     "--linkage-backend", "duckdb", "--allow-shipped-model"]) == 0
