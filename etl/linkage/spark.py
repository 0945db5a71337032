"""Splink's Spark backend: the same model and passes as on DuckDB, for a
province that outgrows one machine.

``session()`` starts a local Spark (``local[*]``, or ``TAXMAP_SPARK_MASTER``)
with Splink's similarity UDF jar and quiet logs; ``score_spark()`` is called
by :func:`etl.linkage.score.score` with ``backend="spark"``: it copies the
feature tables from the ETL's DuckDB connection to Spark (Arrow, explicit
schema), runs the backend-neutral :func:`etl.linkage.score._run` on a
``SparkAPI`` and brings the scored pairs back with exactly the columns and
types of the DuckDB backend. It stops nothing: a session passed in belongs
to the caller, and one from ``session()`` is kept for the next run of the
process.

Settings (environment): ``TAXMAP_SPARK_MASTER`` (default ``local[*]``),
``TAXMAP_SPARK_PARTITIONS`` (shuffle partitions, default 8),
``TAXMAP_SPARK_DRIVER_MEMORY`` (default Spark's). Intermediate tables are
persisted in executor memory and disk, or written as Parquet under the
session's checkpoint directory when it has one (set it on a cluster).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.linkage import model
from etl.linkage.score import TAXPAYERS, UNITS, Scores, _counts, _pairs_sql, _run

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


def session(master: str | None = None):
    """A SparkSession with Splink's similarity UDF jar on the class path, logging errors only.

    An active session of this process is returned as it is (``getOrCreate``)."""
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
               .config("spark.sql.shuffle.partitions", os.environ.get("TAXMAP_SPARK_PARTITIONS", "8"))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{_log_config()}"))
    if os.environ.get("TAXMAP_SPARK_DRIVER_MEMORY"):
        builder = builder.config("spark.driver.memory", os.environ["TAXMAP_SPARK_DRIVER_MEMORY"])
    spark = builder.getOrCreate()
    return spark


def _arrow_schema(con: duckdb.DuckDBPyConnection, tables: list[str]) -> pa.Schema:
    """One schema for all the feature tables: a column that is NULL-typed in one
    (no value at all, e.g. no taxpayer positions) takes its type from another;
    NULL-typed everywhere becomes a string column (Spark has no NULL type)."""
    schemas = [con.execute(f"select * from {t} limit 0").to_arrow_table().schema for t in tables]
    fields = []
    for name in schemas[0].names:
        types = [s.field(name).type for s in schemas]
        known = [t for t in types if not pa.types.is_null(t)]
        fields.append(pa.field(name, known[0] if known else pa.string()))
    return pa.schema(fields)


def _to_spark(spark, con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    arrow = con.execute(f"select * from {table}").to_arrow_table().select(schema.names).cast(schema)
    return spark.createDataFrame(arrow, schema=from_arrow_schema(schema))


def _check_udfs(spark) -> None:
    try:
        spark.sql("select jaro_winkler('ab', 'ab') as jw").collect()
    except Exception as exc:  # noqa: BLE001 - Py4J / analysis errors alike
        raise SparkUnavailable(
            "the Spark session lacks Splink's similarity functions (jaro_winkler): start it with "
            "spark.jars = splink.backends.spark.similarity_jar_location(), e.g. etl.linkage.spark.session()"
        ) from exc


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
    from splink import SparkAPI

    # Intermediate tables: Parquet in the checkpoint directory when the session
    # has one (clusters), else persisted (memory, spilling to local disk).
    has_checkpoint_dir = not spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty()
    db_api = SparkAPI(spark_session=spark, break_lineage_method="parquet" if has_checkpoint_dir else "persist")
    _check_udfs(spark)

    run = uuid.uuid4().hex[:8]  # view names of this run: sessions are shared, runs may follow each other
    units_view, taxpayers_view = f"lk_units_{run}", f"lk_taxpayers_{run}"
    rest_view, first_view = f"lk_units_rest_{run}", f"lk_first_{run}"
    views = [units_view, taxpayers_view, rest_view, first_view]
    cached = []
    try:
        schema = _arrow_schema(con, ["_lk_units", "_lk_taxpayers"])
        units_df = _to_spark(spark, con, "_lk_units", schema).cache()
        taxpayers_df = _to_spark(spark, con, "_lk_taxpayers", schema).cache()
        cached += [units_df, taxpayers_df]
        units_sdf = db_api.register(units_df, dataset_display_name=UNITS, table_name=units_view)
        taxpayers_sdf = db_api.register(taxpayers_df, dataset_display_name=TAXPAYERS, table_name=taxpayers_view)

        def leftover(first, threshold):
            first.as_spark_dataframe().createOrReplaceTempView(first_view)
            rest = spark.sql(f"""
                select u.* from {units_view} as u left anti join (
                    select case when source_dataset_l = '{UNITS}' then {model.UID}_l else {model.UID}_r end as uid
                    from {first_view} where match_probability >= {float(threshold)!r}
                ) as linked on u.{model.UID} = linked.uid
            """).cache()
            cached.append(rest)
            if rest.count() == 0:
                return None
            return db_api.register(rest, dataset_display_name=UNITS, table_name=rest_view)

        _, first, second, models, seconds = _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold,
                                                 link_threshold, _counts(con))
        names = [c["output_column_name"] for c in models["local"]["comparisons"]]
        frame = spark.sql(_pairs_sql(first.physical_name, 1, names))
        if second is not None:
            frame = frame.unionByName(spark.sql(_pairs_sql(second.physical_name, 2, names)))
        pairs = frame.toArrow()
    finally:
        db_api.delete_tables_created_by_splink_from_db()
        for view in views:
            spark.catalog.dropTempView(view)
        for df in cached:
            df.unpersist()

    # Back through DuckDB: the DuckDB backend's types and order, whatever Spark made of them.
    types = _pairs_types(names)
    casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items())
    con.register("_lk_spark_pairs", pairs)
    try:
        pairs = con.execute(f"select {casts} from _lk_spark_pairs order by record_id, taxpayer_id").to_arrow_table()
    finally:
        con.unregister("_lk_spark_pairs")
    return Scores(pairs=pairs, model=models, seconds=seconds)
