"""Score a warehouse against the generator's truth: link precision and recall,
F1 per discrepancy kind, and how well the risk score ranks the planted fraud
patterns (used by the tests and the benchmarks)."""

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


def risk_ranking(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict:
    """ROC AUC and top-decile lift of ``taxpayer_risk.risk_score`` for "has a planted pattern"
    (truth/taxpayers.parquet ``risk_pattern``), over the staged taxpayers; per pattern too.

    AUC is the Mann-Whitney statistic with ties counted half; the top decile is the 10 % highest
    scores, ties at the cut broken by taxpayer_id (no credit for a lucky order)."""
    path = Path(truth_dir) / "taxpayers.parquet"
    rows = con.execute(
        f"""
        with truth as (
            select taxpayer_id, any_value(coalesce(risk_pattern, '')) as pattern
            from read_parquet('{path}') where staged group by taxpayer_id
        )
        select r.risk_score, coalesce(truth.pattern, '') as pattern
        from taxpayer_risk as r left join truth using (taxpayer_id)
        order by r.risk_score desc, r.taxpayer_id
        """
    ).fetchall()
    scores = [s for s, _ in rows]
    positive = [p != "" for _, p in rows]

    def auc(mask: list[bool], among: list[bool]) -> float:
        # ranks (1-based, ascending, ties averaged) over the rows in ``among``
        chosen = [(s, m) for s, m, a in zip(scores, mask, among, strict=True) if a]
        chosen.sort(key=lambda x: x[0])
        rank_sum, i, n_pos = 0.0, 0, sum(m for _, m in chosen)
        while i < len(chosen):
            j = i
            while j < len(chosen) and chosen[j][0] == chosen[i][0]:
                j += 1
            mean_rank = (i + 1 + j) / 2
            rank_sum += mean_rank * sum(m for _, m in chosen[i:j])
            i = j
        n_neg = len(chosen) - n_pos
        if not n_pos or not n_neg:
            return float("nan")
        return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)

    n = len(rows)
    top = max(1, n // 10)
    base = sum(positive) / n if n else 0.0
    out = {
        "taxpayers": n, "positives": sum(positive),
        "auc": round(auc(positive, [True] * n), 4),
        "top_decile_lift": round((sum(positive[:top]) / top) / base, 3) if base else float("nan"),
        "patterns": {},
    }
    for pattern in sorted({p for _, p in rows if p}):
        mask = [p == pattern for _, p in rows]
        among = [p == pattern or p == "" for _, p in rows]  # this pattern against the clean taxpayers
        out["patterns"][pattern] = {"n": sum(mask), "auc": round(auc(mask, among), 4),
                                    "in_top_decile": round(sum(mask[:top]) / max(sum(mask), 1), 4)}
    return out


def evaluate(warehouse: Path, truth_dir: Path) -> dict:
    from etl.db import connect

    con = connect(str(warehouse), read_only=True)
    try:
        out = {"links": link_accuracy(con, truth_dir).as_dict()}
        out["discrepancies"] = {k: a.as_dict() for k, a in discrepancy_accuracy(con, truth_dir).items()}
        columns = {r[0] for r in con.execute(
            f"describe select * from read_parquet('{Path(truth_dir) / 'taxpayers.parquet'}')").fetchall()}
        if "risk_pattern" in columns:
            out["risk"] = risk_ranking(con, truth_dir)
        return out
    finally:
        con.close()
