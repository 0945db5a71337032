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

from etl.linkage import features, score

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
        select s.record_id, s.taxpayer_id, u.grid_code, s.match_probability
        from link_scores as s
        join stg_grid_units as u using (record_id)
        where s.match_probability >= getvariable('link_threshold')
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


PYTHON_MODELS = {
    "int_link_names": (features.int_link_names, ("stg_taxpayers", "stg_grid_units", "stg_streets")),
    "int_link_unit_rings": (features.int_link_unit_rings, ("stg_grid_units",)),
    "link_scores": (link_scores, ("int_link_units", "int_link_taxpayers", "int_unit_links_fixed")),
    "int_unit_links_resolved": (int_unit_links_resolved, ("link_scores", "int_unit_links_fixed", "stg_grid_units")),
}
EPHEMERAL_PYTHON_MODELS = frozenset({"int_link_names", "int_link_unit_rings", "int_unit_links_resolved"})
