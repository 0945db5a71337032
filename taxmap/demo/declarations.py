"""Twelve months of declarations: VAT monthly for every taxpayer still
filing, corporate income tax quarterly for companies.

Amounts are lognormal by industry and size; shells invoice far more than
they declare and pay almost nothing until they stop filing; dormant
companies file zeros. Planted risk patterns (patterns.py): zero declarations
while operating, hidden income (low VAT burden), inflated input invoices.
Rows are laid out period by period (VAT, then CIT at quarter ends); the amounts of a period are drawn only when that block is
written, so a city-sized file never sits in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxmap.demo import config, names
from taxmap.demo.population import Taxpayers

TAX_TYPES = ("增值税", "企业所得税")
AMOUNTS = ("sales_amount", "tax_payable", "tax_paid", "invoice_out_amount", "invoice_in_amount")
COLUMNS = ("taxpayer_id", "period", "tax_type", *AMOUNTS)
SCHEMA = pa.schema([(c, pa.string()) for c in COLUMNS])
QUARTER_ENDS = tuple(i for i, p in enumerate(config.PERIODS) if p.endswith(("-03", "-06", "-09", "-12")))
SMALL_VAT_EXEMPT = 100_000.0  # monthly sales of small-scale taxpayers free of VAT
SMALL_VAT_RATE = 0.01
GENERAL_VAT_RATE = 0.13


def _first_period(reg_day: np.ndarray) -> np.ndarray:
    month = reg_day.astype("datetime64[M]").astype(np.int64)
    first = np.datetime64(config.PERIODS[0]).astype("datetime64[M]").astype(np.int64)
    return np.clip(month - first, 0, len(config.PERIODS))


@dataclass
class Declarations:
    """Who declares what, row by row, and the per-taxpayer parameters the
    amounts are drawn from."""

    seed: int
    row_taxpayer: np.ndarray  # int32, index into Taxpayers (file order)
    row_period: np.ndarray  # int8, index into config.PERIODS
    row_tax: np.ndarray  # int8, index into TAX_TYPES
    block_start: np.ndarray  # first row of each period's block (and the end)
    zero: np.ndarray  # (taxpayers, 12) files zeros that month
    base: np.ndarray  # typical monthly sales
    general: np.ndarray
    individual: np.ndarray
    shell: np.ndarray
    input_ratio: np.ndarray
    low_burden: np.ndarray
    inflated: np.ndarray

    @property
    def n(self) -> int:
        return len(self.row_taxpayer)

    def block(self, p: int) -> dict:
        """Amounts of period p's rows (NaN: empty cell), drawn from a stream
        of their own so any block can be drawn again identically."""
        rng = config.rng_for(self.seed, f"declaration-amounts-{p}")
        a, b = self.block_start[p], self.block_start[p + 1]
        who, tax = self.row_taxpayer[a:b], self.row_tax[a:b]
        vat, cit = who[tax == 0], who[tax == 1]
        m = len(vat)
        season = 0.7 if config.PERIODS[p].endswith("-02") else 1.0
        sales = self.base[vat] * np.exp(rng.normal(0, 0.3, m)) * season
        gen = self.general[vat]
        inv_in = sales * self.input_ratio[vat] * np.where(gen, rng.uniform(0.7, 1.1, m), rng.uniform(0.1, 0.5, m))
        inv_out = sales * np.where(gen, rng.uniform(0.85, 1.0, m), np.where(self.individual[vat], rng.uniform(0, 0.3, m), rng.uniform(0.1, 0.7, m)))
        risk = config.rng_for(self.seed, f"risk-amounts-{p}")
        declared = risk.uniform(*config.LOW_BURDEN_DECLARED, m)
        bought = risk.uniform(*config.INFLATED_INPUT_RATIO, m)
        low = self.low_burden[vat]
        sales, inv_out = np.where(low, sales * declared, sales), np.where(low, inv_out * declared, inv_out)  # purchases stay
        inv_in = np.where(self.inflated[vat], sales * bought, inv_in)
        sh = self.shell[vat]
        sales = np.where(sh, sales * 0.02, sales)
        inv_out = np.where(sh, self.base[vat] * rng.uniform(1, 5, m), inv_out)
        inv_in = np.where(sh, inv_out * rng.uniform(0.9, 1.0, m), inv_in)
        payable = np.where(gen, np.maximum(0.0, GENERAL_VAT_RATE * (sales - inv_in)), np.where(sales > SMALL_VAT_EXEMPT, sales * SMALL_VAT_RATE, 0.0))
        z = self.zero[vat, p]
        sales, inv_in, inv_out, payable = (np.where(z, 0.0, v) for v in (sales, inv_in, inv_out, payable))
        paid = np.where(rng.random(m) < 0.03, payable * rng.uniform(0, 0.7, m), payable)
        k = len(cit)
        revenue = np.where(self.zero[cit, p], 0.0, self.base[cit] * 3 * np.exp(rng.normal(0, 0.2, k)))
        revenue = np.where(self.low_burden[cit], revenue * risk.uniform(*config.LOW_BURDEN_DECLARED, k), revenue)
        profit = revenue * rng.normal(0.06, 0.06, k)
        due = np.maximum(0.0, profit) * np.where(revenue * 4 < 3e7, 0.05, 0.25)
        due_paid = np.where(rng.random(k) < 0.03, due * rng.uniform(0, 0.7, k), due)
        nan = np.full(k, np.nan)
        columns = zip((sales, payable, paid, inv_out, inv_in), (revenue, due, due_paid, nan, nan), strict=True)
        return {name: np.round(np.concatenate([v, c]), 2) for name, (v, c) in zip(AMOUNTS, columns, strict=True)}

    def texts(self, p: int, declared_ids: pa.Array) -> pa.Table:
        """Period p's block as written (before planted defects)."""
        rng = config.rng_for(self.seed, f"declaration-periods-{p}")
        a, b = self.block_start[p], self.block_start[p + 1]
        amounts = self.block(p)
        columns = {
            "taxpayer_id": declared_ids.take(pa.array(self.row_taxpayer[a:b])),
            "period": period_texts(np.full(b - a, p), rng),
            "tax_type": pa.array(list(TAX_TYPES)).take(pa.array(self.row_tax[a:b].astype(np.int64))),
        }
        columns |= {name: amount_texts(amounts[name]) for name in AMOUNTS}
        return pa.table(columns, schema=SCHEMA)

    def blocks(self, declared_ids: pa.Array) -> Iterator[tuple[int, pa.Table]]:
        for p in range(len(config.PERIODS)):
            yield int(self.block_start[p]), self.texts(p, declared_ids)


def filing_months(tp: Taxpayers, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(active, zero): which of the 12 months each taxpayer files, and which
    of those it files as zero declarations."""
    n, months = tp.n, len(config.PERIODS)
    stop = np.full(n, months)
    stop[tp.status == "注销"] = 0
    stop[tp.status == "非正常"] = rng.integers(0, 9, n)[tp.status == "非正常"]
    stop[tp.status == "停业"] = rng.integers(0, months, n)[tp.status == "停业"]
    shell = tp.role == "shell"
    stop[shell] = rng.integers(3, months + 1, n)[shell]
    p = np.arange(months)
    active = (p >= _first_period(tp.reg_day)[:, None]) & (p < stop[:, None])
    zero = np.zeros_like(active)
    zero[tp.role == "dormant"] = True
    closed = tp.role == "closed_conflict"
    zero[closed] = p >= (months - rng.integers(2, 7, n)[closed])[:, None]
    if tp.zero_from is not None:
        zero |= p >= tp.zero_from[:, None]  # zero_while_operating
    return active, zero


def make_declarations(tp: Taxpayers, seed: int, rng: np.random.Generator) -> Declarations:
    active, zero = filing_months(tp, rng)
    mu = np.array([ind.sales_log_mu for ind in names.INDUSTRIES])[tp.industry]
    general = tp.taxpayer_type == "一般纳税人"
    individual = tp.entity == "个体工商户"
    mu = mu - np.where(individual, 2.3, 0.0) - np.where(tp.entity == "其他", 1.0, 0.0) - np.where(~general & ~individual, 1.0, 0.0)
    company = tp.entity == "企业"
    who, period, tax = [], [], []
    for p in range(len(config.PERIODS)):
        vat = np.flatnonzero(active[:, p]).astype(np.int32)
        cit = np.flatnonzero(active[:, p] & company).astype(np.int32) if p in QUARTER_ENDS else np.empty(0, dtype=np.int32)
        who.append(np.concatenate([vat, cit]))
        tax.append(np.concatenate([np.zeros(len(vat), dtype=np.int8), np.ones(len(cit), dtype=np.int8)]))
        period.append(np.full(len(vat) + len(cit), p, dtype=np.int8))
    sizes = [len(w) for w in who]
    return Declarations(
        seed=seed,
        row_taxpayer=np.concatenate(who),
        row_period=np.concatenate(period),
        row_tax=np.concatenate(tax),
        block_start=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        zero=zero,
        base=np.minimum(np.exp(rng.normal(mu, 0.9)), 3e8),
        general=general,
        individual=individual,
        shell=tp.role == "shell",
        input_ratio=np.array([ind.input_ratio for ind in names.INDUSTRIES])[tp.industry],
        low_burden=_has_pattern(tp, "low_burden"),
        inflated=_has_pattern(tp, "inflated_input"),
    )


def _has_pattern(tp: Taxpayers, name: str) -> np.ndarray:
    return np.zeros(tp.n, dtype=bool) if tp.risk_pattern is None else tp.risk_pattern == name


def period_texts(period: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Periods as written: mostly 2026-03, some 202603, 2026/03 or 2026年3月
    (all accepted forms; a key never appears in two forms)."""
    forms = []
    for p in config.PERIODS:
        y, m = p.split("-")
        forms.append((p, f"{y}{m}", f"{y}/{m}", f"{y}年{int(m)}月"))
    table = pa.array([f for group in forms for f in group])
    style = rng.choice(4, len(period), p=[0.94, 0.03, 0.02, 0.01])
    return table.take(pa.array(np.asarray(period, dtype=np.int64) * 4 + style))


def amount_texts(values: np.ndarray) -> pa.Array:
    """Amounts as text (NaN → empty cell); shortest decimal form, < 1e9."""
    if np.nanmax(np.abs(values), initial=0.0) >= 1e9:
        raise ValueError("amount too large for plain decimal text")
    return pc.cast(pa.array(values, from_pandas=True), pa.string())
