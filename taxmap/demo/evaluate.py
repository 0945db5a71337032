"""Score a warehouse against the generator's truth: link precision and recall,
and F1 per discrepancy kind (used by the tests and the benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Accuracy:
    predicted: int
    true: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"predicted": self.predicted, "true": self.true, "correct": self.correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def _truth_views(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    truth_dir = Path(truth_dir)
    con.execute(f"create or replace temp view truth_units as select * from read_parquet('{truth_dir / 'units.parquet'}')")
    con.execute(f"create or replace temp view truth_discrepancies as "
                f"select * from read_parquet('{truth_dir / 'discrepancies.parquet'}')")


def _accuracy(con: duckdb.DuckDBPyConnection, predicted_sql: str, true_sql: str, keys: str) -> Accuracy:
    predicted, true, correct = con.execute(
        f"""
        with predicted as ({predicted_sql}), truth as ({true_sql})
        select (select count(*) from predicted), (select count(*) from truth),
               (select count(*) from (select {keys} from predicted intersect select {keys} from truth))
        """
    ).fetchone()
    return Accuracy(predicted, true, correct)


def link_accuracy(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> Accuracy:
    """Links (record_id, taxpayer_id) in ``unit_links`` against the true links of staged rows."""
    _truth_views(con, truth_dir)
    return _accuracy(
        con,
        "select record_id, taxpayer_id from unit_links where taxpayer_id is not null",
        "select record_id, true_taxpayer_id as taxpayer_id from truth_units "
        "where staged and true_taxpayer_id in (select taxpayer_id from stg_taxpayers)",
        "record_id, taxpayer_id",
    )


def discrepancy_accuracy(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, Accuracy]:
    _truth_views(con, truth_dir)
    kinds = [k for (k,) in con.execute("select distinct kind from truth_discrepancies order by kind").fetchall()]
    return {
        kind: _accuracy(
            con,
            f"select coalesce(taxpayer_id, '') as t, coalesce(record_id, '') as r from discrepancies where kind = '{kind}'",
            f"select coalesce(taxpayer_id, '') as t, coalesce(record_id, '') as r from truth_discrepancies "
            f"where kind = '{kind}'",
            "t, r",
        )
        for kind in kinds
    }


def evaluate(warehouse: Path, truth_dir: Path) -> dict:
    from etl.db import connect

    con = connect(str(warehouse), read_only=True)
    try:
        out = {"links": link_accuracy(con, truth_dir).as_dict()}
        out["discrepancies"] = {k: a.as_dict() for k, a in discrepancy_accuracy(con, truth_dir).items()}
        return out
    finally:
        con.close()
