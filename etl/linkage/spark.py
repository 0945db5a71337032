"""Splink's Spark backend: the same model and passes as on DuckDB, for a
province that outgrows one machine. ``session()`` starts a local Spark (or
connects to ``TAXMAP_SPARK_MASTER``)."""

from __future__ import annotations

import os

import pyarrow as pa

from etl.linkage import model
from etl.linkage.score import TAXPAYERS, UNITS, Scores, _pairs_sql, _run


def session():
    """A SparkSession with Splink's similarity UDF jar on the class path."""
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    master = os.environ.get("TAXMAP_SPARK_MASTER", "local[*]")
    return (SparkSession.builder.master(master).appName("taxmap-linkage")
            .config("spark.jars", similarity_jar_location())
            .config("spark.sql.shuffle.partitions", os.environ.get("TAXMAP_SPARK_PARTITIONS", "8"))
            .config("spark.ui.enabled", "false")
            .getOrCreate())


def score_spark(con, spark, review_threshold: float, link_threshold: float) -> Scores:
    from splink import SparkAPI

    if spark is None:
        raise ValueError("the spark backend needs a SparkSession")
    db_api = SparkAPI(spark_session=spark)

    def to_spark(table: str):
        return spark.createDataFrame(con.execute(f"select * from {table}").df())

    units_df, taxpayers_df = to_spark("_lk_units"), to_spark("_lk_taxpayers")
    units_sdf = db_api.register(units_df, dataset_display_name=UNITS, table_name="lk_units_in")
    taxpayers_sdf = db_api.register(taxpayers_df, dataset_display_name=TAXPAYERS, table_name="lk_taxpayers_in")

    def leftover(first, threshold):
        first.as_spark_dataframe().createOrReplaceTempView("lk_first")
        rest = spark.sql(f"""
            select * from lk_units_in where {model.UID} not in (
                select case when source_dataset_l = '{UNITS}' then {model.UID}_l else {model.UID}_r end
                from lk_first where match_probability >= {float(threshold)!r})
        """)
        if rest.count() == 0:
            return None
        return db_api.register(rest.drop("source_dataset") if "source_dataset" in rest.columns else rest,
                               dataset_display_name=UNITS, table_name="lk_units_rest_in")

    units_df.createOrReplaceTempView("lk_units_in")
    linker, first, second, models, seconds = _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold,
                                                  link_threshold)
    names = [c["output_column_name"] for c in models["local"]["comparisons"]]
    parts = [spark.sql(_pairs_sql_spark(first, 1, names))]
    if second is not None:
        parts.append(spark.sql(_pairs_sql_spark(second, 2, names)))
    frame = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    pairs = pa.Table.from_pandas(frame.toPandas(), preserve_index=False)
    con.register("_lk_spark_pairs", pairs)
    try:
        pairs = con.execute("select * from _lk_spark_pairs order by record_id, taxpayer_id").to_arrow_table()
    finally:
        con.unregister("_lk_spark_pairs")
    return Scores(pairs=pairs, model=models, seconds=seconds)


def _pairs_sql_spark(sdf, pass_no: int, names: list[str]) -> str:
    view = f"lk_pred_{pass_no}"
    sdf.as_spark_dataframe().createOrReplaceTempView(view)
    return _pairs_sql(view, pass_no, names)
