"""Write etl/linkage/default_model.json: the shipped linkage parameters, the last resort of a run
that can train no model of its own (docs/linkage.md, training).

    python tools/train_default_model.py WAREHOUSE

WAREHOUSE is a warehouse whose run trained its model from labels (the demo region: ``taxmap generate
--scale small --seed 7`` then ``taxmap etl``). The file keeps the local pass's model, the share of
units that were matched (to rescale the prior to another run's taxpayers) and where it came from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

OUT = Path(__file__).resolve().parents[1] / "etl" / "linkage" / "default_model.json"


def main(warehouse: str) -> None:
    con = duckdb.connect(warehouse, read_only=True)
    method, local = con.execute(
        "select training_method, model_json from link_model where pass = 'local'").fetchone()
    if method != "labels":
        raise SystemExit(f"{warehouse}: its model was trained by {method!r}, not from labels: pick another run")
    taxpayers, units, matched, region = con.execute(
        """select (select count(*) from stg_taxpayers), (select count(*) from stg_grid_units),
                  (select count(*) from unit_links where method <> 'none'),
                  (select region_name from etl_runs order by finished_at desc limit 1)""").fetchone()
    out = {"local": json.loads(local),
           "trained_on": {"region": f"taxmap demo ({region}), small scale, seed 7", "taxpayers": taxpayers,
                          "units": units, "units_matched_share": round(matched / units, 4)}}
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
