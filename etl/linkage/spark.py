"""Splink's Spark backend: the same model and passes as on DuckDB, for a
province that outgrows one machine.

``session()`` starts a local Spark (``local[*]``, or ``TAXMAP_SPARK_MASTER``)
with Splink's similarity UDF jar and quiet logs; ``score_spark()`` is called
by :func:`etl.linkage.score.score` with ``backend="spark"``: it copies the
feature tables from the ETL's DuckDB connection to Spark (Arrow, explicit
schema), trains the local pass on DuckDB where the features already are
(:func:`etl.linkage.score.train_local_on_duckdb`), runs the backend-neutral
:func:`etl.linkage.score._run` on a ``SparkAPI`` and brings the scored pairs back with exactly the columns and
types of the DuckDB backend. It stops nothing: a session passed in belongs
to the caller, and one from ``session()`` is kept for the next run of the
process.

Settings (environment, read by ``session()``): ``TAXMAP_SPARK_MASTER``
(default ``local[*]``), ``TAXMAP_SPARK_PARTITIONS`` (shuffle partitions;
default one per core in local mode, the cluster's own otherwise),
``TAXMAP_SPARK_DRIVER_MEMORY`` (default Spark's). Intermediate tables are
persisted (memory, then local disk), or written as Parquet under the
session's checkpoint directory when it has one (set one on a cluster).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.linkage import model
from etl.linkage.score import (TAXPAYER_ID_SQL, TAXPAYERS, UNIT_ID_SQL, UNITS, Scores, _counts, _pairs_sql, _run,
                               train_local_on_duckdb)

DEFAULT_MASTER = "local[*]"

# Spark's own log4j2 configuration says every INFO line on stderr; the ETL's
# progress lines are there too. Warnings and errors only.
_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
# Splink's comparison SQL makes generated code above the JVM's 64 KB method
# limit; Spark then runs those plans interpreted, after logging the whole source.
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = off
logger.wholestage.name = org.apache.spark.sql.execution.WholeStageCodegenExec
logger.wholestage.level = error
# "Truncated the string representation of a plan": Splink's plans are large
logger.planstring.name = org.apache.spark.sql.catalyst.util.SparkStringUtils
logger.planstring.level = error
logger.planstring2.name = org.apache.spark.util.SparkStringUtils
logger.planstring2.level = error
logger.functions.name = org.apache.spark.sql.catalyst.analysis.SimpleFunctionRegistry
logger.functions.level = error
"""


class SparkUnavailable(RuntimeError):
    """The Spark backend cannot run here (pyspark or Java missing); the message says which."""


def _java() -> str | None:
    """The java that PySpark would launch (``$JAVA_HOME/bin/java``, else ``java`` on PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def missing() -> str | None:
    """Why the Spark backend cannot run here (one line), or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "the spark linkage backend needs pyspark: pip install 'taxmap[spark]' (pyspark 4.0)"
    if _java() is None:
        where = "$JAVA_HOME/bin/java" if os.environ.get("JAVA_HOME") else "java on PATH"
        return f"the spark linkage backend needs Java 17 or 21 ({where} not found): install a JDK or set JAVA_HOME"
    return None


def _log_config() -> Path:
    path = Path(tempfile.gettempdir()) / f"taxmap-spark-log4j2-{os.getuid()}.properties"
    if not path.exists() or path.read_text(encoding="utf-8") != _LOG4J2:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(_LOG4J2, encoding="utf-8")
        os.replace(tmp, path)
    return path


def _local_cores(master: str) -> int | None:
    """Cores of a ``local``, ``local[N]`` or ``local[*]`` master; None for a cluster."""
    found = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?", master.strip())
    if not found:
        return None
    cores = found.group(1)
    if cores == "*":
        return os.cpu_count() or 1
    return int(cores) if cores else 1


def session(master: str | None = None):
    """A SparkSession with Splink's similarity UDF jar on the class path, logging warnings and errors only.

    An active session of this process is returned as it is (``getOrCreate``).
    In local mode the shuffles get one partition per core and adaptive query
    execution is off: Splink runs hundreds of small queries, and on a few cores
    their planning, not the data, is what takes the time."""
    problem = missing()
    if problem:
        raise SparkUnavailable(problem)
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or os.environ.get("TAXMAP_SPARK_MASTER") or DEFAULT_MASTER
    builder = (SparkSession.builder.master(master).appName("taxmap-linkage")
               .config("spark.jars", similarity_jar_location())
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{_log_config()}"))
    cores = _local_cores(master)
    partitions = os.environ.get("TAXMAP_SPARK_PARTITIONS") or (str(cores) if cores else None)
    if partitions:
        builder = builder.config("spark.sql.shuffle.partitions", partitions)
    if cores:
        builder = builder.config("spark.sql.adaptive.enabled", "false").config("spark.default.parallelism", str(cores))
    if os.environ.get("TAXMAP_SPARK_DRIVER_MEMORY"):
        builder = builder.config("spark.driver.memory", os.environ["TAXMAP_SPARK_DRIVER_MEMORY"])
    return builder.getOrCreate()


def _common_type(name: str, types: list[pa.DataType]) -> pa.DataType:
    try:  # int and double make double, as in DuckDB's union
        schemas = [pa.schema([pa.field(name, t)]) for t in types]
        return pa.unify_schemas(schemas, promote_options="permissive").field(name).type
    except (pa.ArrowInvalid, pa.ArrowTypeError, NotImplementedError):
        return types[0]


def _unify(tables: list[pa.Table]) -> list[pa.Table]:
    """The feature tables with one type per column. Splink stacks units on
    taxpayers, and Spark, unlike DuckDB, does not cast a column to make them fit:
    a column with no value on one side (a NULL literal, stored by DuckDB as
    INTEGER, or Arrow's null type) takes the type of the side that has values;
    other mismatches are cast to a common type (int and double: double). Spark
    has no NULL type: a column without a value anywhere becomes a string column."""
    names = tables[0].schema.names
    columns: list[list[pa.ChunkedArray]] = [[] for _ in tables]
    for name in names:
        cols = [t[name] for t in tables]
        valued = [c.type for c in cols if c.null_count < len(c) and not pa.types.is_null(c.type)]
        typed = [c.type for c in cols if not pa.types.is_null(c.type)]
        target = _common_type(name, valued or typed or [pa.string()])
        for i, col in enumerate(cols):
            if col.type != target:
                col = pa.chunked_array([pa.nulls(len(col), target)]) if col.null_count == len(col) else col.cast(target)
            columns[i].append(col)
    return [pa.Table.from_arrays(cols, names=names) for cols in columns]


def _to_spark(spark, table: pa.Table):
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark.createDataFrame(table, schema=from_arrow_schema(table.schema))


def _check_udfs(spark) -> None:
    try:
        spark.sql("select jaro_winkler('ab', 'ab') as jw").collect()
    except Exception as exc:  # noqa: BLE001 - Py4J / analysis errors alike
        raise SparkUnavailable(
            "the Spark session lacks Splink's similarity functions (jaro_winkler): start it with "
            "spark.jars = splink.backends.spark.similarity_jar_location(), e.g. etl.linkage.spark.session()"
        ) from exc


# Jaro-Winkler on names: DuckDB's jaro_winkler_similarity compares UTF-8 bytes,
# Splink's Spark UDF compares characters, and for Chinese names the two differ by
# up to 0.15 (伟华 / 伟华科技: 0.90 and 0.87), across the model's 0.88 and 0.7
# levels. The model (its levels, the shipped parameters) is DuckDB's: on Spark the
# UDF is given each name's UTF-8 bytes as ISO-8859-1 characters, through a SQL
# function of this run's own, and Splink's calls are pointed at it (also the
# shipped model's, translated from DuckDB by sqlglot as JAROWINKLER_SIMILARITY).
_JW_CALL = re.compile(r"\b(?:jaro_winkler_similarity|jarowinkler_similarity|jaro_winkler)\s*\(", re.IGNORECASE)


def _utf8_jaro_winkler(spark, name: str) -> None:
    as_bytes = "decode(encode({0}, 'UTF-8'), 'ISO-8859-1')"
    spark.sql(f"create temporary function {name}(a string, b string) returns double "
              f"return jaro_winkler({as_bytes.format('a')}, {as_bytes.format('b')})")


def _spark_api(spark, break_lineage_method: str, jaro_winkler: str, made: list[str]):
    """Splink's SparkAPI, with every Jaro-Winkler call going to ``jaro_winkler``,
    and the name of every view it makes appended to ``made``."""
    from splink import SparkAPI

    class _SparkAPI(SparkAPI):
        def _execute_sql_against_backend(self, final_sql: str):
            return super()._execute_sql_against_backend(_JW_CALL.sub(f"{jaro_winkler}(", final_sql))

        def _cleanup_for_execute_sql(self, table, templated_name: str, physical_name: str):
            made.append(physical_name)
            return super()._cleanup_for_execute_sql(table, templated_name, physical_name)

    # Splink's UDFs are registered once per session (again would log a warning each)
    registered = spark.catalog.functionExists("jaro_winkler") and spark.catalog.functionExists("damerau_levenshtein")
    return _SparkAPI(spark_session=spark, break_lineage_method=break_lineage_method,
                     register_udfs_automatically=not registered)


def _splink_views(spark) -> set[str]:
    return {t.name for t in spark.catalog.listTables() if t.isTemporary and t.name.startswith("__splink__")}


def _pairs_types(names: list[str]) -> dict[str, str]:
    """The DuckDB backend's column types of the scored pairs (``score._pairs_sql``)."""
    types = {"record_id": "varchar", "taxpayer_id": "varchar", "match_probability": "double",
             "match_weight": "double", "pass": "integer"}
    for name in names:
        types[f"gamma_{name}"] = "integer"
        types[f"mw_{name}"] = "double"
    return types


def score_spark(con: duckdb.DuckDBPyConnection, spark, review_threshold: float, link_threshold: float) -> Scores:
    """Score ``_lk_units`` against ``_lk_taxpayers`` (tables of ``con``, made by ``score.score``) on Spark."""
    if spark is None:
        raise ValueError("the spark backend needs a SparkSession (etl.linkage.spark.session())")
    run = uuid.uuid4().hex[:8]  # names of this run's views and function: sessions are shared
    jaro_winkler = f"taxmap_jaro_winkler_utf8_{run}"
    # Intermediate tables: Parquet in the checkpoint directory when the session
    # has one (clusters), else persisted (memory, spilling to local disk).
    try:
        has_checkpoint_dir = not spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty()
    except Exception:  # noqa: BLE001 - no JVM context to ask (Spark Connect): persist
        has_checkpoint_dir = False
    made: list[str] = []  # views, in the order they were made
    cached = []  # DataFrames persisted here
    db_api = _spark_api(spark, "parquet" if has_checkpoint_dir else "persist", jaro_winkler, made)
    _check_udfs(spark)

    units_view, taxpayers_view = f"lk_units_{run}", f"lk_taxpayers_{run}"
    rest_view, first_view = f"lk_units_rest_{run}", f"lk_first_{run}"
    taxpayers_rest_view, labels_view = f"lk_taxpayers_rest_{run}", f"lk_labelled_{run}"
    before = _splink_views(spark)
    started = time.perf_counter()
    trained_local = train_local_on_duckdb(con)
    train_seconds = time.perf_counter() - started
    try:
        _utf8_jaro_winkler(spark, jaro_winkler)
        units, taxpayers = _unify([con.execute(f"select * from {t}").to_arrow_table()
                                   for t in ("_lk_units", "_lk_taxpayers")])
        units_df, taxpayers_df = _to_spark(spark, units).cache(), _to_spark(spark, taxpayers).cache()
        # taxpayers linked by an exact USCC or a verification: never district-wide candidates
        _to_spark(spark, con.execute(f"select distinct {model.UID}_r as uid from _lk_labels").to_arrow_table()) \
            .createOrReplaceTempView(labels_view)
        made.append(labels_view)
        del units, taxpayers
        cached += [units_df, taxpayers_df]
        made += [units_view, taxpayers_view]
        units_sdf = db_api.register(units_df, dataset_display_name=UNITS, table_name=units_view)
        taxpayers_sdf = db_api.register(taxpayers_df, dataset_display_name=TAXPAYERS, table_name=taxpayers_view)

        def leftover(first, threshold):
            """Units without a local link, and taxpayers without any (local, USCC or verified)."""
            first.as_spark_dataframe().createOrReplaceTempView(first_view)
            made.append(first_view)
            rest = spark.sql(f"""
                select u.* from {units_view} as u left anti join (
                    select {UNIT_ID_SQL} as uid
                    from {first_view} where match_probability >= {float(threshold)!r}
                ) as linked on u.{model.UID} = linked.uid
            """).cache()
            cached.append(rest)
            if rest.count() == 0:
                return None
            taxpayers_rest = spark.sql(f"""
                select t.* from {taxpayers_view} as t left anti join (
                    select {TAXPAYER_ID_SQL} as uid
                    from {first_view} where match_probability >= {float(threshold)!r}
                    union all select uid from {labels_view}
                ) as linked on t.{model.UID} = linked.uid
            """).cache()
            cached.append(taxpayers_rest)
            made.extend([rest_view, taxpayers_rest_view])
            return (db_api.register(rest, dataset_display_name=UNITS, table_name=rest_view),
                    db_api.register(taxpayers_rest, dataset_display_name=TAXPAYERS, table_name=taxpayers_rest_view))

        with warnings.catch_warnings():  # PySpark 4.0's toPandas on pandas 3 (Splink's as_pandas_dataframe)
            warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module=r"pyspark\.")
            _, first, second, models, seconds = _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold,
                                                     link_threshold, _counts(con), trained_local=trained_local)
        seconds["train"] += train_seconds
        names = [c["output_column_name"] for c in models["local"]["comparisons"]]
        frame = spark.sql(_pairs_sql(first.physical_name, 1, names))
        if second is not None:
            frame = frame.unionByName(spark.sql(_pairs_sql(second.physical_name, 2, names)))
        pairs = frame.toArrow()
    finally:
        # Splink drops only the Delta tables it made: drop every view of the run
        # and its cached data, newest first (uncaching a table that later cached
        # plans stand on makes Spark plan each of them again).
        left = sorted(_splink_views(spark) - before - set(made))
        for view in [*left, *reversed(made)]:
            spark.catalog.dropTempView(view)
        for df in reversed(cached):
            df.unpersist()
        spark.sql(f"drop temporary function if exists {jaro_winkler}")

    # Back through DuckDB: the DuckDB backend's types and order, whatever Spark made of them.
    types = _pairs_types(names)
    casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items())
    con.register("_lk_spark_pairs", pairs)
    try:
        pairs = con.execute(f"select {casts} from _lk_spark_pairs order by record_id, taxpayer_id").to_arrow_table()
    finally:
        con.unregister("_lk_spark_pairs")
    return Scores(pairs=pairs, model=models, seconds=seconds)
