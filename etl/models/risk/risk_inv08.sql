-- indicator: INV08
-- portrait: invoice
-- name_zh: 进项发票长期超过销售额（绝对标准）
-- name_en: Purchases above 1.5 × sales all year (absolute)
-- needs: declarations
-- weight: 0.45
-- logic_zh: 近12个月取得发票 ≥ 1.5 倍申报销售额且 ≥ 20 万元，且至少 6 个月当月取得发票 > 1.5 倍当月销售额（不依赖同业分布）；严重度随倍数（1.5→6 倍）上升
-- logic_en: 12-month purchase invoices ≥ 1.5 × declared sales and ≥ CNY 200,000, in at least 6 months above 1.5 × that month's sales (no peer distribution involved); severity rises with the multiple (1.5 → 6)
-- reason_zh: 近12个月取得发票 {invoice_in:wan} 万元，为申报销售额 {sales:wan} 万元的 {value:1} 倍，{months:int} 个月超过 1.5 倍
-- reason_en: received invoices of CNY {invoice_in:m} m in 12 months, {value:1} × declared sales of CNY {sales:m} m; above 1.5 × in {months:int} months
-- threshold source: set by judgement (no published value). A business buys to sell: over a year its
-- purchases stay below its sales by its gross margin, so purchases above 1.5 × sales in most months of a
-- year are not a stock build-up but unused or bought input VAT (虚抵进项). It is the absolute partner of
-- IND01 (top 5 % of peers): a whole industry buying invoices is still flagged. INV02 (≥ 2 ×, ≥ CNY 0.5 m)
-- stays as the stronger tier.
with p as (
    select *, bit_count(months_purchase_over_mask)::integer as months
    from int_risk_profile
    where invoice_in_12m >= 2e5
)
select
    taxpayer_id,
    risk_ramp(ln(invoice_in_12m / greatest(sales_12m, 1)), ln(1.5), ln(6)) as severity,
    invoice_in_12m / greatest(sales_12m, 1) as value,
    invoice_in_12m as invoice_in,
    sales_12m as sales,
    months
from p
where invoice_in_12m >= 1.5 * sales_12m and months >= 6
