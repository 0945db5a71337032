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
          link_threshold: float, labels_sql: str | None = None, training_units_sql: str | None = None,
          backend: str = "duckdb", spark=None) -> Scores:
    """Score units (rows of ``units_sql``) against taxpayers (``taxpayers_sql``).

    The model is trained on ``training_units_sql`` (default: the units scored) with the labelled
    pairs of ``labels_sql`` (record_id, taxpayer_id: the run's exact-USCC and verified links).
    Pairs scoring at least ``review_threshold`` are returned; pass 2 (district-wide
    candidates) runs for units whose best pass-1 pair is below ``link_threshold``.
    """
    if backend not in BACKENDS:
        raise ValueError(f"linkage backend {backend!r}: use one of {', '.join(BACKENDS)}")
    _quiet_splink()
    columns = ", ".join(model.FEATURES)
    con.execute(f"create or replace table _lk_units as select record_id as {model.UID}, {columns} from ({units_sql})")
    con.execute(f"create or replace table _lk_units_all as select record_id as {model.UID}, {columns} "
                f"from ({training_units_sql or units_sql})")
    con.execute(f"create or replace table _lk_taxpayers as select taxpayer_id as {model.UID}, {columns} "
                f"from ({taxpayers_sql})")
    labels = labels_sql or "select null::varchar as record_id, null::varchar as taxpayer_id where false"
    con.execute(f"""
        create or replace table _lk_labels as
        select distinct '{UNITS}' as source_dataset_l, record_id as {model.UID}_l,
               '{TAXPAYERS}' as source_dataset_r, taxpayer_id as {model.UID}_r
        from ({labels}) as labels
        where record_id in (select {model.UID} from _lk_units_all)
          and taxpayer_id in (select {model.UID} from _lk_taxpayers)
    """)
    try:
        if backend == "duckdb":
            return _score_duckdb(con, review_threshold, link_threshold)
        from etl.linkage import spark as spark_backend

        return spark_backend.score_spark(con, spark, review_threshold, link_threshold)
    finally:
        for table in ("_lk_units", "_lk_units_all", "_lk_taxpayers", "_lk_labels"):
            con.execute(f"drop table if exists {table}")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of the feature tables and the labels."""
    return {UNITS: con.execute("select count(*) from _lk_units_all").fetchone()[0],
            TAXPAYERS: con.execute("select count(*) from _lk_taxpayers").fetchone()[0],
            "labels": con.execute("select count(*) from _lk_labels").fetchone()[0]}


def _in_dialect(model_dict: dict, dialect) -> dict:
    """A model JSON written for another SQL dialect (the shipped one is DuckDB's),
    its conditions and blocking rules translated to ``dialect`` (a Splink dialect).
    Splink takes the SQL of a model dict as it is, whatever its ``sql_dialect``."""
    source = model_dict.get("sql_dialect") or dialect.sql_dialect_str
    if source == dialect.sql_dialect_str:
        return model_dict
    import sqlglot

    def translate(sql: str) -> str:
        out = sqlglot.transpile(sql, read=source, write=dialect.sqlglot_dialect)[0]
        # sqlglot keeps DuckDB's list_intersect; Spark calls it array_intersect
        return out.replace("LIST_INTERSECT(", "ARRAY_INTERSECT(") if dialect.sql_dialect_str == "spark" else out

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


def _failure(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def prior_recall(con: duckdb.DuckDBPyConnection) -> float:
    """The share of labelled pairs that the prior's deterministic rules find."""
    rules = " or ".join(f"({rule})" for rule in model.PRIOR_RULES_SQL)
    found, total = con.execute(f"""
        select count(*) filter (where {rules}), count(*)
        from _lk_labels as labels
        join _lk_units_all as l on l.{model.UID} = labels.{model.UID}_l
        join _lk_taxpayers as r on r.{model.UID} = labels.{model.UID}_r
    """).fetchone()
    return found / total if total else 0.0


def _trained(trainer) -> tuple[dict | None, list[str]]:
    trained = model.regularised(model.with_uscc_m(trainer.misc.save_model_to_json()))
    problems = model.insane(trained)
    return (None, problems) if problems else (trained, [])


def train_local(units_sdf, taxpayers_sdf, con: duckdb.DuckDBPyConnection) -> tuple[dict | None, model.Training]:
    """The local pass's model, learned from this run's data (docs/linkage.md, training):

    1. from the labelled pairs (exact-USCC and verified links) when there are at least
       :data:`model.MIN_LABELS`: m from the labels, u by random sampling, the prior from rules whose
       recall is measured on the labels;
    2. else (or when that gives no sane model) by EM, guarded (floors, sanity of every level);
    3. else the shipped parameters (None): the last resort, with a warning for the run to show.
    """
    from splink import Linker

    counts = _counts(con)
    n_labels = counts["labels"]
    warnings: list[str] = []
    if n_labels >= model.MIN_LABELS:
        recall = prior_recall(con)
        if recall < model.MIN_PRIOR_RECALL:
            warnings.append(f"名称与地址完全相同的标注对仅占 {recall:.0%}，先验按 {model.MIN_PRIOR_RECALL:.0%} 估计 "
                            f"(the prior's rules find {recall:.0%} of the labelled pairs; "
                            f"estimated with {model.MIN_PRIOR_RECALL:.0%})")
            recall = model.MIN_PRIOR_RECALL
        try:
            trainer = Linker([units_sdf, taxpayers_sdf], model.settings(), log_level=None)
            model.train_from_labels(trainer, "_lk_labels", recall)
            trained, problems = _trained(trainer)
        except (SplinkException, ValueError, ZeroDivisionError) as exc:
            trained, problems = None, [_failure(exc)]
        if trained is not None:
            if n_labels < model.WEAK_LABELS:
                warnings.append(f"仅有 {n_labels} 条信用代码精确匹配可供学习，模型较弱 "
                                f"(only {n_labels} exact-USCC links to learn from: the model is weak; "
                                f"{model.WEAK_LABELS} or more give stable weights)")
            return trained, model.Training("labels", n_labels, round(recall, 4), warnings)
        warnings.append(f"按标注训练失败 (training from {n_labels} labelled pairs failed: {problems[0]})")
    else:
        warnings.append(f"信用代码精确匹配仅 {n_labels} 条，不足 {model.MIN_LABELS} 条，无法按标注训练 "
                        f"(only {n_labels} exact-USCC links, fewer than the {model.MIN_LABELS} needed to learn from labels)")
    if counts[UNITS] >= model.MIN_TRAINING_UNITS:
        try:
            trainer = Linker([units_sdf, taxpayers_sdf], model.settings(), log_level=None)
            model.train_em(trainer)
            trained, problems = _trained(trainer)
        except (SplinkException, ValueError, ZeroDivisionError) as exc:
            trained, problems = None, [_failure(exc)]
        if trained is not None:
            warnings.append("已改用无监督 EM 训练 (trained without labels, by EM)")
            return trained, model.Training("em", n_labels, None, warnings)
        warnings.append(f"EM 训练失败 (EM failed: {problems[0]})")
    else:
        warnings.append(f"网格采集仅 {counts[UNITS]} 条，不足以训练 (only {counts[UNITS]} units: too few to train on)")
    warnings.append("本批次使用随软件提供的示范区参数进行匹配，请人工复核匹配结果 "
                    "(linked with the shipped parameters learned on the demo region, etl/linkage/default_model.json: "
                    "review the links before relying on them)")
    log.info("linkage: %s", "; ".join(warnings))  # the run summary, etl_runs and /quality show them
    return None, model.Training("shipped", n_labels, None, warnings)


def train_local_on_duckdb(con: duckdb.DuckDBPyConnection) -> tuple[dict | None, model.Training]:
    """``train_local`` on the ETL's own connection, where the features already are (both backends:
    sampling and label counting take seconds on DuckDB, and Spark's expectation step rounds tiny
    match probabilities to 0, which stops Splink)."""
    from splink import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    units_sdf = db_api.register("_lk_units_all", dataset_display_name=UNITS, table_name="_lk_units_train")
    taxpayers_sdf = db_api.register("_lk_taxpayers", dataset_display_name=TAXPAYERS, table_name="_lk_taxpayers_train")
    try:
        return train_local(units_sdf, taxpayers_sdf, con)
    finally:
        leftovers = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_name like '\\_\\_splink\\_\\_%' escape '\\' or table_name in ('_lk_units_train', '_lk_taxpayers_train')"
        ).fetchall()
        for name, kind in leftovers:
            con.execute(f'drop {"view" if kind == "VIEW" else "table"} if exists "{name}"')


def _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold: float, link_threshold: float,
         counts: dict[str, int], trained_local: tuple[dict | None, model.Training]):
    """Both passes, with the local model ``trained_local`` (``train_local_on_duckdb``; None: shipped)."""
    from splink import Linker

    seconds = {}
    t = time.perf_counter()
    local_model, training = trained_local
    if local_model is None:
        local_model = model.default_model(counts[TAXPAYERS])
    local_model = _in_dialect(local_model, db_api.sql_dialect)
    linker = Linker([units_sdf, taxpayers_sdf], local_model, log_level=None, validate_settings=False)
    seconds["train"] = time.perf_counter() - t
    t = time.perf_counter()
    first = linker.inference.predict(threshold_match_probability=review_threshold, warning_mode="never")
    seconds["predict local"] = time.perf_counter() - t
    t = time.perf_counter()
    rests = leftover(first, link_threshold)
    second, wide_model = None, None
    if rests is not None:
        rest, taxpayers_rest = rests
        wide_model = dict(model.for_wide_pass(local_model), blocking_rules_to_generate_predictions=[
            r.create_blocking_rule_dict(db_api.sql_dialect.sql_dialect_str) for r in model.WIDE_RULES])
        wide = Linker([rest, taxpayers_rest], wide_model, log_level=None, validate_settings=False)
        every = wide.inference.predict(warning_mode="never")
        names = [c["output_column_name"] for c in wide_model["comparisons"]]
        frame = every.as_pandas_dataframe()
        every.drop_table_from_database_and_remove_from_cache()
        wide_model = dict(model.wide_candidate_model(wide_model, {n: frame[f"gamma_{n}"].to_numpy() for n in names}),
                          blocking_rules_to_generate_predictions=wide_model["blocking_rules_to_generate_predictions"])
        wide = Linker([rest, taxpayers_rest], wide_model, log_level=None, validate_settings=False)
        second = wide.inference.predict(threshold_match_probability=review_threshold, warning_mode="never")
    seconds["predict wide"] = time.perf_counter() - t
    models = {"local": local_model, "wide": wide_model, "trained": training.method != "shipped",
              "training": training.as_dict()}
    return linker, first, second, models, seconds


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
        """Units without a local link, and taxpayers without any link (local, USCC or verified)."""
        linked = f"select {{side}} from {first.physical_name} where match_probability >= {float(threshold)!r}"
        con.execute(f"""
            create or replace table _lk_units_rest as
            select * from _lk_units where {model.UID} not in ({linked.format(side=UNIT_ID_SQL)})
        """)
        con.execute(f"""
            create or replace table _lk_taxpayers_rest as
            select * from _lk_taxpayers
            where {model.UID} not in ({linked.format(side=TAXPAYER_ID_SQL)})
              and {model.UID} not in (select {model.UID}_r from _lk_labels)
        """)
        if con.execute("select count(*) from _lk_units_rest").fetchone()[0] == 0:
            return None
        return (db_api.register("_lk_units_rest", dataset_display_name=UNITS, table_name="_lk_units_rest_in"),
                db_api.register("_lk_taxpayers_rest", dataset_display_name=TAXPAYERS,
                                table_name="_lk_taxpayers_rest_in"))

    started = time.perf_counter()
    trained_local = train_local_on_duckdb(con)
    train_seconds = time.perf_counter() - started
    linker, first, second, models, seconds = _run(db_api, units_sdf, taxpayers_sdf, leftover, review_threshold,
                                                  link_threshold, _counts(con), trained_local)
    seconds["train"] += train_seconds
    names = [c["output_column_name"] for c in models["local"]["comparisons"]]
    sql = _pairs_sql(first.physical_name, 1, names)
    if second is not None:
        sql += " union all " + _pairs_sql(second.physical_name, 2, names)
    pairs = con.execute(f"select * from ({sql}) order by record_id, taxpayer_id").to_arrow_table()
    linker.table_management.delete_tables_created_by_splink_from_db()
    con.execute("drop table if exists _lk_units_rest")
    con.execute("drop table if exists _lk_taxpayers_rest")
    return Scores(pairs=pairs, model=models, seconds=seconds)
