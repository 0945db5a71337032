"""A perturbed copy of a generated region, to check that the risk ranking holds where peer tails move
(docs/risk.md, "Where the distributions move").

    python -m etl.risk.perturb SOURCE DEST WAREHOUSE

SOURCE is a folder written by ``taxmap generate`` (``input/`` and ``truth/``), WAREHOUSE the warehouse
of an ETL run over SOURCE's input (it gives each taxpayer's industry and type as staged). DEST gets a
copy of both folders in which

1. every amount of a taxpayer (sales, payable, paid, invoices issued and received) is multiplied by a
   random factor of its industry division (log-uniform 0.4-2.5): amounts move per industry, ratios stay;
2. the planted ``inflated_input`` taxpayers buy 1.6-2.4 x their sales (the generator: 2-5 x);
3. in one division (35 by default) every general taxpayer declaring VAT payable under-declares it
   (payable and paid / 4), and the truth counts them as positives, pattern ``low_burden_industry``:
   a whole industry under-declaring, which moves the peers' tail with it.

Unparseable amounts stay as they were. Run ``taxmap etl`` on DEST/input and
``taxmap.demo.evaluate.evaluate(DEST/out/warehouse.duckdb, DEST/truth)`` to score it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np

AMOUNTS = ("sales_amount", "tax_payable", "tax_paid", "invoice_out_amount", "invoice_in_amount")


def perturb(source: Path, dest: Path, warehouse: Path, division: str = "35", seed: int = 11) -> dict:
    source, dest = Path(source), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source / "input", dest / "input")
    shutil.copytree(source / "truth", dest / "truth")
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as w (read_only)")
    divisions = [r[0] for r in con.execute(
        "select distinct left(industry_code, 2) from w.stg_taxpayers where industry_code is not null order by 1"
    ).fetchall()]
    rng = np.random.default_rng(seed)
    factors = {d: float(np.exp(rng.uniform(np.log(0.4), np.log(2.5)))) for d in divisions}
    con.execute("create table factors (division varchar, f double)")
    con.executemany("insert into factors values (?, ?)", list(factors.items()))
    truth = source / "truth" / "taxpayers.parquet"
    con.execute(f"""
        create table tp as
        select s.taxpayer_id, left(s.industry_code, 2) as division, s.taxpayer_type, coalesce(t.pattern, '') as pattern
        from w.stg_taxpayers as s
        left join (select taxpayer_id, any_value(coalesce(risk_pattern, '')) as pattern
                   from read_parquet('{truth}') group by 1) as t using (taxpayer_id)""")
    con.execute(f"""
        create table d as
        select raw.*, row_number() over () as rn, tp.division, tp.taxpayer_type, tp.pattern,
               coalesce(factors.f, 1) as f,
               -- a draw per row that does not depend on the order rows are read in
               1.6 + 0.8 * (hash(raw.taxpayer_id || coalesce(raw.period, '') || '{seed}') % 1000000) / 1e6 as u
        from read_parquet('{source / "input" / "declarations.parquet"}') as raw
        left join tp on tp.taxpayer_id = upper(trim(raw.taxpayer_id))
        left join factors using (division)""")
    cut = f"d.division = '{division}' and d.taxpayer_type = '一般纳税人' and d.tax_type = '增值税'"
    columns = []
    for c in AMOUNTS:
        x = f"try_cast(d.{c} as double) * d.f"
        if c == "invoice_in_amount":
            x = (f"case when d.pattern = 'inflated_input' and d.tax_type = '增值税' "
                 f"then try_cast(d.sales_amount as double) * d.f * d.u else {x} end")
        if c in ("tax_payable", "tax_paid"):
            x = f"case when {cut} then {x} / 4 else {x} end"
        columns.append(f"case when try_cast(d.{c} as double) is null then d.{c} else printf('%.2f', {x}) end as {c}")
    con.execute(f"""
        copy (select d.taxpayer_id, d.period, d.tax_type, {', '.join(columns)} from d order by d.rn)
        to '{dest / "input" / "declarations.parquet"}' (format parquet)""")
    con.execute(f"""
        create table under as
        select distinct tp.taxpayer_id from d join tp on tp.taxpayer_id = upper(trim(d.taxpayer_id))
        where {cut} and try_cast(d.tax_payable as double) > 0 and tp.pattern = ''""")
    con.execute(f"""
        copy (select t.* replace (case when t.taxpayer_id in (select taxpayer_id from under)
                                       and coalesce(t.risk_pattern, '') = ''
                                  then 'low_burden_industry' else t.risk_pattern end as risk_pattern)
              from read_parquet('{truth}') as t)
        to '{dest / "truth" / "taxpayers.parquet"}' (format parquet)""")
    return {"factors": {d: round(f, 2) for d, f in factors.items()},
            "low_burden_industry": con.execute("select count(*) from under").fetchone()[0]}


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    print(perturb(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
