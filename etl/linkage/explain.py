"""Why a unit and a taxpayer are (or are not) the same business.

``explain_pair`` scores one pair with the model the run trained (stored in the
warehouse table ``link_model``) and returns each comparison's level with its
Bayes factor and match weight: what the detail panel and the officers' task
show. It works for any pair, linked or not, from the published feature tables
(``int_link_units``, ``int_link_taxpayers``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb

from etl.linkage import model
from etl.linkage.score import TAXPAYERS, UNITS


class PairNotFound(LookupError):
    pass


def _record(con: duckdb.DuckDBPyConnection, table: str, key: str, value: str) -> dict[str, Any]:
    columns = ", ".join(model.FEATURES)
    cur = con.execute(f"select {key} as {model.UID}, {columns} from {table} where {key} = ?", [value])
    row = cur.fetchone()
    if row is None:
        raise PairNotFound(f"{key} {value!r} is not in {table}")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def explain_pair(con: duckdb.DuckDBPyConnection, record_id: str, taxpayer_id: str) -> dict[str, Any]:
    """The comparison levels and weights for (unit ``record_id``, taxpayer ``taxpayer_id``)."""
    from splink import DuckDBAPI, Linker

    unit = _record(con, "int_link_units", "record_id", record_id)
    taxpayer = _record(con, "int_link_taxpayers", "taxpayer_id", taxpayer_id)
    scored = con.execute("select pass from link_scores where record_id = ? and taxpayer_id = ?",
                         [record_id, taxpayer_id]).fetchone()
    pass_name = "wide" if scored and scored[0] == 2 else "local"
    stored = dict(con.execute("select pass, model_json from link_model").fetchall())
    settings = json.loads(stored.get(pass_name) or stored["local"])

    scratch = duckdb.connect()
    try:
        db_api = DuckDBAPI(connection=scratch)
        frames = [db_api.register([record], dataset_display_name=name)
                  for name, record in ((UNITS, unit), (TAXPAYERS, taxpayer))]
        linker = Linker(frames, settings, log_level=None, validate_settings=False)
        row = linker.inference.score_pair(
            dict(unit, source_dataset=UNITS), dict(taxpayer, source_dataset=TAXPAYERS)
        ).as_record_list()[0]
    finally:
        scratch.close()
    gammas = {c["output_column_name"]: row.get(f"gamma_{c['output_column_name']}") for c in settings["comparisons"]}
    prior = settings["probability_two_random_records_match"]
    return {
        "record_id": record_id,
        "taxpayer_id": taxpayer_id,
        "pass": pass_name,
        "prior": prior,
        "prior_weight": model.match_weight(prior),
        "match_weight": row["match_weight"],
        "match_probability": row["match_probability"],
        "comparisons": model.explain_levels(settings, gammas),
        "unit": {k: unit[k] for k in ("name_core", "addr_road", "addr_number", "category", "uscc")},
        "taxpayer": {k: taxpayer[k] for k in ("name_core", "addr_road", "addr_number", "category", "uscc")},
    }


def format_explanation(explanation: dict[str, Any]) -> str:
    """Plain text, one comparison per line (for the CLI and logs)."""
    lines = [f"{explanation['record_id']} ↔ {explanation['taxpayer_id']}: "
             f"match probability {explanation['match_probability']:.4f} "
             f"(weight {explanation['match_weight']:+.2f} bits, prior {explanation['prior_weight']:+.2f})"]
    for c in explanation["comparisons"]:
        weight = c["match_weight"]
        shown = f"{weight:+.2f}" if math.isfinite(weight) else "-inf"
        lines.append(f"  {c['description']:<24} {c['level']:<36} {shown} bits")
    return "\n".join(lines)
