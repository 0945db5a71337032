"""The linkage steps as pipeline Python models (see etl/runner.py).

``link_scores`` trains the Splink model and scores candidate pairs on the
configured backend; ``int_unit_links_resolved`` turns scores into one-to-one
links. Thresholds come from the manifest (``link_threshold``,
``review_threshold``), the backend from settings (``TAXMAP_LINKAGE_BACKEND``).
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from etl.linkage import features, model, score

# Greedy mutual-best rounds: each round links the pairs that are the best for
# their unit and for their (taxpayer, grid); the losers try their next best.
MAX_RESOLUTION_ROUNDS = 20
PROBABILITY_DIGITS = 9
WEIGHT_DIGITS = 6


def _variable(con: duckdb.DuckDBPyConnection, name: str):
    return con.execute(f"select getvariable('{name}')").fetchone()[0]


def link_scores(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Scored candidate pairs (match_probability ≥ review threshold) with each comparison's level."""
    backend = _variable(con, "linkage_backend") or "duckdb"
    spark = None
    if backend == "spark":
        from etl.linkage import spark as spark_backend

        spark = spark_backend.session()
    result = score.score(
        con,
        "select * from int_link_units where record_id not in (select record_id from int_unit_links_fixed)",
        "select * from int_link_taxpayers",
        # the run's own labels: units linked by an exact USCC or an officer's verification
        labels_sql="select record_id, taxpayer_id from int_unit_links_fixed",
        training_units_sql="select * from int_link_units",
        review_threshold=float(_variable(con, "review_threshold")),
        link_threshold=float(_variable(con, "link_threshold")),
        backend=backend,
        spark=spark,
    )
    con.execute("set variable link_model_json = ?", [json.dumps(result.model, ensure_ascii=False)])
    con.execute("set variable link_seconds_json = ?", [json.dumps(result.seconds)])
    # Parallel sums differ in the last bits from run to run: round, so that the
    # same input gives the same warehouse. A pair both passes found (a unit whose local
    # candidates were all weak, scored again district-wide) keeps its better score.
    con.register("_link_pairs", result.pairs)
    try:
        weights = ", ".join(f"round({c}, {WEIGHT_DIGITS}) as {c}" for c in result.pairs.column_names
                            if c.startswith("mw_") or c == "match_weight")
        return con.execute(
            f"select * replace (round(match_probability, {PROBABILITY_DIGITS}) as match_probability, {weights}) "
            "from _link_pairs "
            "qualify row_number() over (partition by record_id, taxpayer_id order by match_probability desc, pass) = 1 "
            "order by record_id, taxpayer_id").to_arrow_table()
    finally:
        con.unregister("_link_pairs")


def int_unit_links_resolved(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One-to-one probabilistic links: a unit links to at most one taxpayer and a
    taxpayer to at most one unit per grid (fixed links occupy their slots)."""
    con.execute(
        """
        create or replace temp table _candidates as
        with exclusive as (
            -- pairs in the review band that are the only candidate of their unit and of their taxpayer, which no
            -- exact-USCC or verified link claims: exclusivity is evidence the pairwise model cannot see
            -- (docs/linkage.md, one-to-one)
            select record_id, taxpayer_id from (
                select record_id, taxpayer_id,
                    count(*) over (partition by record_id) as per_unit,
                    count(*) over (partition by taxpayer_id) as per_taxpayer
                from link_scores where match_probability >= getvariable('review_threshold'))
            where per_unit = 1 and per_taxpayer = 1
              and taxpayer_id not in (select taxpayer_id from int_unit_links_fixed)
        )
        select s.record_id, s.taxpayer_id, u.grid_code, s.match_probability
        from link_scores as s
        join stg_grid_units as u using (record_id)
        where (s.match_probability >= getvariable('link_threshold')
               or (s.record_id, s.taxpayer_id) in (select record_id, taxpayer_id from exclusive))
          and s.record_id not in (select record_id from int_unit_links_fixed)
          and (s.taxpayer_id, u.grid_code) not in (
              select f.taxpayer_id, fu.grid_code from int_unit_links_fixed as f
              join stg_grid_units as fu using (record_id))
        """
    )
    con.execute("create or replace temp table _chosen (record_id varchar, taxpayer_id varchar, grid_code varchar, "
                "match_probability double)")
    for _ in range(MAX_RESOLUTION_ROUNDS):
        added = con.execute(
            """
            insert into _chosen
            with open_pairs as (
                select c.* from _candidates as c
                where c.record_id not in (select record_id from _chosen)
                  and (c.taxpayer_id, c.grid_code) not in (select taxpayer_id, grid_code from _chosen)
            ),
            ranked as (
                select *,
                    row_number() over (partition by record_id order by match_probability desc, taxpayer_id) as unit_rank,
                    row_number() over (partition by taxpayer_id, grid_code
                                       order by match_probability desc, record_id) as taxpayer_rank
                from open_pairs
            )
            select record_id, taxpayer_id, grid_code, match_probability from ranked
            where unit_rank = 1 and taxpayer_rank = 1
            """
        ).fetchone()[0]
        if not added:
            break
    table = con.execute("select record_id, taxpayer_id, match_probability from _chosen order by record_id").to_arrow_table()
    con.execute("drop table _candidates")
    con.execute("drop table _chosen")
    return table


def link_model_levels(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Each pass's comparison levels with their m, u and match weight: what the model learned, in a table."""
    models = json.loads(_variable(con, "link_model_json"))
    rows = []
    for pass_name in ("local", "wide"):
        settings = models.get(pass_name)
        if not settings:
            continue
        for comparison in settings["comparisons"]:
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            for i, level in enumerate(levels):
                m, u = level.get("m_probability"), level.get("u_probability")
                rows.append({"pass": pass_name, "comparison": comparison["output_column_name"],
                             "gamma": len(levels) - 1 - i, "level": level.get("label_for_charts", ""),
                             "m_probability": m, "u_probability": u,
                             "match_weight": round(model.level_weight(level), WEIGHT_DIGITS)})
    schema = pa.schema([("pass", pa.string()), ("comparison", pa.string()), ("gamma", pa.int32()),
                        ("level", pa.string()), ("m_probability", pa.float64()), ("u_probability", pa.float64()),
                        ("match_weight", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


PYTHON_MODELS = {
    "int_link_names": (features.int_link_names, ("stg_taxpayers", "stg_grid_units", "stg_streets")),
    "int_link_unit_rings": (features.int_link_unit_rings, ("stg_grid_units",)),
    "link_scores": (link_scores, ("int_link_units", "int_link_taxpayers", "int_unit_links_fixed")),
    "link_model_levels": (link_model_levels, ("link_scores",)),
    "int_unit_links_resolved": (int_unit_links_resolved, ("link_scores", "int_unit_links_fixed", "stg_grid_units")),
}
EPHEMERAL_PYTHON_MODELS = frozenset({"int_link_names", "int_link_unit_rings", "int_unit_links_resolved"})
