"""Train the model and score candidate pairs, on DuckDB (the ETL's own
connection: no copy) or on Spark (local or a cluster, for a province)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from splink.internals.exceptions import SplinkException

from etl.linkage import model

log = logging.getLogger(__name__)

BACKENDS = ("duckdb", "spark")
UNITS, TAXPAYERS = "units", "taxpayers"


@dataclass
class Scores:
    pairs: pa.Table  # record_id, taxpayer_id, match_probability, match_weight, pass, gamma_*, mw_*
    model: dict  # local / wide: Splink model JSON (regularised); trained: False when the shipped one was used
    seconds: dict[str, float]


def _quiet_splink() -> None:
    for name in ("splink", "py4j"):
        logging.getLogger(name).setLevel(logging.ERROR)


def score(con: duckdb.DuckDBPyConnection, units_sql: str, taxpayers_sql: str, *, review_threshold: float,
          link_threshold: float, backend: str = "duckdb", spark=None) -> Scores:
    """Score units (rows of ``units_sql``) against taxpayers (``taxpayers_sql``).

    Pairs scoring at least ``review_threshold`` are returned; pass 2 (district-wide
    candidates) runs for units whose best pass-1 pair is below ``link_threshold``.
    """
    if backend not in BACKENDS:
        raise ValueError(f"linkage backend {backend!r}: use one of {', '.join(BACKENDS)}")
    _quiet_splink()
    columns = ", ".join(model.FEATURES)
    con.execute(f"create or replace table _lk_units as select record_id as {model.UID}, {columns} from ({units_sql})")
    con.execute(f"create or replace table _lk_taxpayers as select taxpayer_id as {model.UID}, {columns} "
                f"from ({taxpayers_sql})")
    try:
        if backend == "duckdb":
            return _score_duckdb(con, review_threshold, link_threshold)
        from etl.linkage import spark as spark_backend

        return spark_backend.score_spark(con, spark, review_threshold, link_threshold)
    finally:
        con.execute("drop table if exists _lk_units")
        con.execute("drop table if exists _lk_taxpayers")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of the two feature tables (``_run`` trains only above :data:`model.MIN_TRAINING_UNITS` units)."""
    return {UNITS: con.execute("select count(*) from _lk_units").fetchone()[0],
            TAXPAYERS: con.execute("select count(*) from _lk_taxpayers").fetchone()[0]}


def _in_dialect(model_dict: dict, dialect) -> dict:
    """A model JSON written for another SQL dialect (the shipped one is DuckDB's),
    its conditions and blocking rules translated to ``dialect`` (a Splink dialect).
    Splink takes the SQL of a model dict as it is, whatever its ``sql_dialect``."""
    source = model_dict.get("sql_dialect") or dialect.sql_dialect_str
    if source == dialect.sql_dialect_str:
        return model_dict
    import sqlglot

    def translate(sql: str) -> str:
        return sqlglot.transpile(sql, read=source, write=dialect.sqlglot_dialect)[0]

    out = json.loads(json.dumps(model_dict))
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = translate(level["sql_condition"])
    rules = []
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, str):
            rules.append(translate(rule))
        else:
            rules.append(dict(rule, blocking_rule=translate(rule["blocking_rule"]),
                              sql_dialect=dialect.sql_dialect_str))
    out["blocking_rules_to_generate_predictions"] = rules
    out["sql_dialect"] = dialect.sql_dialect_str
    return out


def _em_failed(exc: Exception) -> bool:
    """EM could not estimate the model: too few pairs (SplinkException), or an m/u probability that
    underflowed to exactly 0, which Splink refuses (a ValueError naming the probability)."""
    return isinstance(exc, SplinkException) or (isinstance(exc, ValueError) and "_probability value" in str(exc))


def train_local(units_sdf, taxpayers_sdf, counts: dict[str, int]) -> tuple[dict | None, bool]:
    """The local pass's model trained by EM on this run's data, or (None, False) when it cannot be."""
    from splink import Linker

    if counts[UNITS] < model.MIN_TRAINING_UNITS:
        return None, False
    try:
        trainer = Linker([units_sdf, taxpayers_sdf], model.settings(), log_level=None)
        model.train(trainer)
        return model.regularised(trainer.misc.save_model_to_json()), True
    except (SplinkException, ValueError) as exc:
        if not _em_failed(exc):
            raise
        log.warning("linkage: training failed (%s); using the shipped parameters", str(exc).splitlines()[0])
        return None, False


def train_local_on_duckdb(con: duckdb.DuckDBPyConnection) -> tuple[dict | None, bool]:
    """``train_local`` on the ETL's own connection, where the features already are. The Spark backend
    uses it: EM samples and converges on DuckDB in seconds, and there Splink's expectation step keeps
    tiny match probabilities that Spark's rounds to 0 (a level's m of exactly 0 stops Splink)."""
    from splink import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    units_sdf = db_api.register("_lk_units", dataset_display_name=UNITS, table_name="_lk_units_train")
    taxpayers_sdf = db_api.register("_lk_taxpayers", dataset_display_name=TAXPAYERS, table_name="_lk_taxpayers_train")
    try:
        return train_local(units_sdf, taxpayers_sdf, _counts(con))
    finally:
        leftovers = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_name like '\\_\\_splink\\_\\_%' escape '\\' or table_name in ('_lk_units_train', '_lk_taxpayers_train')"
        ).fetchall()
        for name, kind in leftovers:
            con.execute(f'drop {"view" if kind == "VIEW" else "table"} if exists "{name}"')


def _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold: float, link_threshold: float,
         counts: dict[str, int], trained_local: tuple[dict | None, bool] | None = None):
    """Both passes. ``trained_local``: the local model when it was trained elsewhere (the Spark
    backend trains it on the ETL's DuckDB connection, see spark.score_spark)."""
    from splink import Linker

    seconds = {}
    t = time.perf_counter()
    local_model, trained = trained_local or train_local(units_sdf, taxpayers_sdf, counts)
    if local_model is None:
        local_model = _in_dialect(model.default_model(counts[TAXPAYERS]), db_api.sql_dialect)
    else:
        local_model = _in_dialect(local_model, db_api.sql_dialect)
    linker = Linker([units_sdf, taxpayers_sdf], local_model, log_level=None, validate_settings=False)
    seconds["train"] = time.perf_counter() - t
    t = time.perf_counter()
    first = linker.inference.predict(threshold_match_probability=review_threshold, warning_mode="never")
    seconds["predict local"] = time.perf_counter() - t
    t = time.perf_counter()
    rest = leftover(first, link_threshold)
    second, wide_model = None, None
    if rest is not None:
        wide_settings = dict(local_model, blocking_rules_to_generate_predictions=[
            r.create_blocking_rule_dict(db_api.sql_dialect.sql_dialect_str)
            for r in model.WIDE_RULES])
        wide_model = dict(wide_settings)
        if trained:
            try:
                trainer = Linker([rest, taxpayers_sdf], wide_settings, log_level=None, validate_settings=False)
                model.train_wide(trainer)
                wide_model = model.keep_local_m(model.regularised(trainer.misc.save_model_to_json()), local_model)
            except (SplinkException, ValueError) as exc:
                if not _em_failed(exc):
                    raise
                log.warning("linkage: wide-pass training failed (%s); keeping the local m", str(exc).splitlines()[0])
        wide = Linker([rest, taxpayers_sdf], wide_model, log_level=None, validate_settings=False)
        every = wide.inference.predict(warning_mode="never")
        prior_bits = model.match_weight(wide_model["probability_two_random_records_match"])
        weights = every.as_pandas_dataframe()["match_weight"].to_numpy() - prior_bits
        every.drop_table_from_database_and_remove_from_cache()
        wide_model["probability_two_random_records_match"] = model.candidate_prior(
            weights, wide_model["probability_two_random_records_match"])
        wide = Linker([rest, taxpayers_sdf], wide_model, log_level=None, validate_settings=False)
        second = wide.inference.predict(threshold_match_probability=review_threshold, warning_mode="never")
    seconds["predict wide"] = time.perf_counter() - t
    return linker, first, second, {"local": local_model, "wide": wide_model, "trained": trained}, seconds


# Which side of a predicted pair is the unit: Splink orders a pair's sides by source dataset name.
UNIT_ID_SQL = f"case when source_dataset_l = '{UNITS}' then {model.UID}_l else {model.UID}_r end"
TAXPAYER_ID_SQL = f"case when source_dataset_l = '{UNITS}' then {model.UID}_r else {model.UID}_l end"


def _pairs_sql(table: str, pass_no: int, comparison_names: list[str]) -> str:
    gammas = ", ".join(f"gamma_{c}, mw_{c}" for c in comparison_names)
    return f"""
        select
            {UNIT_ID_SQL} as record_id,
            {TAXPAYER_ID_SQL} as taxpayer_id,
            match_probability, match_weight, {pass_no} as pass, {gammas}
        from {table}
    """


def _score_duckdb(con, review_threshold: float, link_threshold: float) -> Scores:
    from splink import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    units_sdf = db_api.register("_lk_units", dataset_display_name=UNITS, table_name="_lk_units_in")
    taxpayers_sdf = db_api.register("_lk_taxpayers", dataset_display_name=TAXPAYERS, table_name="_lk_taxpayers_in")

    def leftover(first, threshold):
        con.execute(f"""
            create or replace table _lk_units_rest as
            select * from _lk_units where {model.UID} not in (
                select {UNIT_ID_SQL}
                from {first.physical_name} where match_probability >= {float(threshold)!r})
        """)
        if con.execute("select count(*) from _lk_units_rest").fetchone()[0] == 0:
            return None
        return db_api.register("_lk_units_rest", dataset_display_name=UNITS, table_name="_lk_units_rest_in")

    linker, first, second, models, seconds = _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold,
                                                  link_threshold, _counts(con))
    names = [c["output_column_name"] for c in models["local"]["comparisons"]]
    sql = _pairs_sql(first.physical_name, 1, names)
    if second is not None:
        sql += " union all " + _pairs_sql(second.physical_name, 2, names)
    pairs = con.execute(f"select * from ({sql}) order by record_id, taxpayer_id").to_arrow_table()
    linker.table_management.delete_tables_created_by_splink_from_db()
    con.execute("drop table if exists _lk_units_rest")
    return Scores(pairs=pairs, model=models, seconds=seconds)
